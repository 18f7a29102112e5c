"""Seeds the members themselves and their dues payments: computed in Python from
name pools, inserted with COPY on PostgreSQL (bulk_create on SQLite)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from members.crypto import encrypt, keyed_hash
from members.models import (
    MagazineChoice,
    Member,
    MembershipType,
    MemberStatus,
    ResignationReason,
    kid_for,
    next_member_numbers,
)

from .data import BRANCHES, DEMO_CLUB_SIZE, FLAT_RATES, MEMBER_COLUMNS, REASONS, STATUS_FOR, TYPES
from .values import (
    add_months,
    ascii_name,
    bank_account,
    date_between,
    month_start,
    random_national_id,
    unique,
)

# The demo club's member who lives abroad: a frontier commuter from Strömstad.
ABROAD_INDEX = 7
ABROAD = {"postal_code": "452 30", "city": "Strömstad", "country": "SE"}


class MemberSeeding:
    """Members and their payments."""

    # --- members -----------------------------------------------------------------------

    def _pools(self) -> None:
        fake = self.fake
        self.first_names = unique(
            [fake.first_name_female() for _ in range(600)]
            + [fake.first_name_male() for _ in range(600)]
        )
        self.last_names = unique(fake.last_name() for _ in range(1500))
        self.streets = unique(fake.street_name() for _ in range(1500))

    def build_members(self) -> list[dict]:
        rng = self.rng
        self._pools()
        used = set(Member.objects.values_list("national_id_hash", flat=True))
        numbers = next_member_numbers(self.n)
        start_id = (Member.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        type_weights = [t[1] for t in TYPES]
        reason_weights = [r[1] for r in REASONS]
        demo_club_slots = min(DEMO_CLUB_SIZE, self.n)
        other_clubs = self.clubs[1:]
        resigned_count = 0
        rows: list[dict] = []
        for i in range(self.n):
            kind, _w, born_from, born_to = rng.choices(TYPES, weights=type_weights)[0]
            born = dt.date(rng.randint(born_from, born_to), rng.randint(1, 12), rng.randint(1, 28))
            earliest = max(dt.date(born.year + 16, born.month, born.day), dt.date(1975, 1, 1))
            joined = date_between(rng, earliest, self.today - dt.timedelta(days=30))
            status, reason, resigned_on, union = MemberStatus.ACTIVE, "", None, None
            # The demo club's members stay active, so the club officer sees ~40.
            window_start = max(
                joined + dt.timedelta(days=30), self.today - dt.timedelta(days=5 * 365)
            )
            resigns = i >= demo_club_slots and rng.random() < 0.12
            if resigns and window_start < self.today - dt.timedelta(days=1):
                if resigned_count < len(REASONS):
                    reason = REASONS[resigned_count][0]
                else:
                    reason = rng.choices([r[0] for r in REASONS], weights=reason_weights)[0]
                resigned_count += 1
                status = STATUS_FOR[reason]
                resigned_on = date_between(rng, window_start, self.today - dt.timedelta(days=1))
                if reason == ResignationReason.TRANSFER_LO:
                    union = rng.choice(self.lo_unions)
                elif reason == ResignationReason.TRANSFER_OTHER:
                    union = rng.choice(self.other_unions)
            if i < demo_club_slots:
                club = self.demo_club
            elif rng.random() < 0.88:
                club = rng.choice(other_clubs)
            else:
                club = None
            if club is not None:
                branch, employer = club.branch, club.employer
            else:
                branch = rng.choice(self.branches)[0]
                employer = rng.choice(self.employers) if rng.random() < 0.5 else None
            places = BRANCHES[branch.number - 1][2]
            postal_code, city = rng.choice(places)
            first = rng.choice(self.first_names)
            last = rng.choice(self.last_names)
            joined_branch = joined
            if rng.random() < 0.2:
                joined_branch = date_between(rng, joined, resigned_on or self.today)
            joined_lo = joined
            if rng.random() < 0.1:
                joined_lo = date_between(rng, earliest, joined)
            if rng.random() < 0.5:
                phone = f"+479{rng.randint(0, 9_999_999):07d}"
            else:
                phone = f"+474{rng.choice('01678')}{rng.randint(0, 999_999):06d}"
            email = ""
            if rng.random() < 0.92:
                domain = rng.choice(["example.net", "example.com", "example.org"])
                email = f"{ascii_name(first)}.{ascii_name(last)}{i}@{domain}"
            national_id = random_national_id(rng, born, used, d_number=rng.random() < 0.03)
            rows.append(
                {
                    "id": start_id + i,
                    "member_number": numbers[i],
                    "first_name": first,
                    "last_name": last,
                    "national_id": national_id,
                    "national_id_hash": keyed_hash(national_id),
                    "birth_date": born,
                    "street": f"{rng.choice(self.streets)} {rng.randint(1, 120)}",
                    "postal_code": postal_code,
                    "city": city,
                    "country": "NO",
                    # One of the demo club's members commutes from Sweden (the card
                    # and letters show the country by name).
                    **(ABROAD if i == ABROAD_INDEX else {}),
                    "phone": phone,
                    "email": email,
                    "membership_type": kind,
                    "status": status,
                    "joined_lo_on": joined_lo,
                    "joined_union_on": joined,
                    "joined_branch_on": joined_branch,
                    "branch_id": branch.pk,
                    "club_id": club.pk if club else None,
                    "employer_id": employer.pk if employer else None,
                    "recruited_by_id": None,
                    "bank_account": bank_account(rng) if rng.random() < 0.7 else "",
                    "resigned_on": resigned_on,
                    "resignation_reason": reason,
                    "resignation_union_id": union.pk if union else None,
                    "allow_email": rng.random() < 0.9,
                    "allow_sms": rng.random() < 0.8,
                    "newsletter": rng.random() < 0.45,
                    "magazine": rng.choices(
                        [MagazineChoice.PAPER, MagazineChoice.DIGITAL, MagazineChoice.NONE],
                        weights=[55, 35, 10],
                    )[0],
                    "surveys": rng.random() < 0.3,
                    "benefits_marketing_reserved": rng.random() < 0.08,
                    "user_id": None,
                }
            )
        # Recruiters: a few percent of the members recruited about a sixth of the rest.
        recruiters = [r for r in rows[: max(1, self.n // 3)] if r["status"] == "active"]
        recruiters = rng.sample(recruiters, k=max(1, min(len(recruiters), self.n // 50)))
        for row in rows:
            if rng.random() < 0.16:
                recruiter = rng.choice(recruiters)
                if recruiter["id"] != row["id"]:
                    row["recruited_by_id"] = recruiter["id"]
        return rows

    def insert_members(self, rows: list[dict]) -> None:
        now = timezone.now()
        if self.postgres:
            columns = MEMBER_COLUMNS
            with connection.cursor() as cursor:
                raw = cursor.cursor
                sql = f"COPY members_member ({', '.join(columns)}) FROM STDIN"  # noqa: S608
                with raw.copy(sql) as copy:
                    for row in rows:
                        values = dict(row, created_at=now, updated_at=now)
                        values["national_id"] = encrypt(row["national_id"])
                        if row["bank_account"]:
                            values["bank_account"] = encrypt(row["bank_account"])
                        copy.write_row([values[c] for c in columns])
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence('members_member', 'id'), "
                    "(SELECT MAX(id) FROM members_member))"
                )
            return
        # SQLite: the ORM encrypts through the field. The recruiter is set afterwards
        # (bulk_create inserts in order, but SQLite checks FKs only at commit anyway).
        objects = [Member(**row, created_at=now, updated_at=now) for row in rows]
        Member.objects.bulk_create(objects, batch_size=500)

    def insert_payments(self, rows: list[dict]) -> int:
        """24 monthly dues payments per member in the window (fewer for members who
        joined or left inside it). The database expands one row per member."""
        rng = self.rng
        last = add_months(month_start(self.today), -1)
        first = add_months(last, -23)
        plan = []
        for row in rows:
            start = max(first, add_months(month_start(row["joined_union_on"]), 1))
            end = last
            if row["resigned_on"]:
                end = min(last, month_start(row["resigned_on"]))
            if start > end:
                continue
            kind = row["membership_type"]
            if kind == MembershipType.ORDINARY:
                gross = rng.randint(32_000, 95_000)
                amount = min(int(gross * 1.3), 57_500) + 5_900
            else:
                amount = FLAT_RATES[kind] * 100
                if amount == 0:
                    continue
            # Struck-off members stopped paying months before they were struck off.
            if row["resignation_reason"] == ResignationReason.STRUCK_OFF:
                end = add_months(end, -4)
                if start > end:
                    continue
            source = "payroll" if row["employer_id"] and rng.random() < 0.7 else "ocr"
            plan.append((row["id"], kid_for(row["member_number"]), amount, source, start, end))
        if not plan:
            return 0
        if self.postgres:
            return self._payments_postgres(plan)
        return self._payments_python(plan)

    def _payments_postgres(self, plan: list[tuple]) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE seed_payment_plan (member_id bigint, kid text, "
                "amount bigint, source text, first date, last date) ON COMMIT DROP"
            )
            with cursor.cursor.copy("COPY seed_payment_plan FROM STDIN") as copy:
                for item in plan:
                    copy.write_row(item)
            cursor.execute(
                """
                INSERT INTO members_payment
                    (member_id, kind, amount_ore, period, paid_on, kid, source, reference,
                     created_at)
                SELECT p.member_id, 'dues', p.amount, m.period::date,
                       (m.period + CASE WHEN p.source = 'payroll' THEN interval '24 days'
                                        ELSE interval '19 days' END)::date,
                       p.kid, p.source, '', now()
                FROM seed_payment_plan p,
                     generate_series(p.first, p.last, interval '1 month') AS m(period)
                """
            )
            inserted = cursor.rowcount
            # Dropped here too: inside an outer transaction (tests) ON COMMIT comes late.
            cursor.execute("DROP TABLE seed_payment_plan")
            return inserted

    def _payments_python(self, plan: list[tuple]) -> int:
        # Plain executemany: bulk_create's per-object work dominates at this size.
        ops = connection.ops
        now = ops.adapt_datetimefield_value(timezone.now())
        rows = []
        for member_id, kid, amount, source, start, end in plan:
            delay = dt.timedelta(days=24 if source == "payroll" else 19)
            period = start
            while period <= end:
                rows.append((member_id, amount, str(period), str(period + delay), kid, source, now))
                period = add_months(period, 1)
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO members_payment (member_id, kind, amount_ore, period, paid_on, "
                "kid, source, reference, created_at) "
                "VALUES (%s, 'dues', %s, %s, %s, %s, %s, '', %s)",
                rows,
            )
        return len(rows)
