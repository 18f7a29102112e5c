"""Deterministic demo data for `manage.py seed_demo`: the organisation, reference tables,
members with valid identifiers, positions, payments and the demo logins.

Fast at scale: names and addresses come from pools drawn once from Faker (`no_NO`,
seeded), every member is computed in Python (one Fernet encryption per secret), and the
rows go in with PostgreSQL COPY (bulk_create on SQLite). Payments are expanded by the
database from one row per member. Seeded rows get no simple-history rows.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from faker import Faker
from stdnum.no import kontonr, orgnr

from clubs.models import AccessGrant, AccessLevel, Branch, Club, Employer, Position, PositionTitle

from .crypto import encrypt, keyed_hash
from .models import (
    Benefit,
    BenefitEnrolment,
    BenefitReservation,
    DuesRate,
    MagazineChoice,
    Member,
    MembershipType,
    MemberStatus,
    Order,
    PreviousMembership,
    Product,
    ProductKind,
    ResignationReason,
    TaxDeductionCap,
    Union,
    kid_for,
    next_member_numbers,
)
from .validators import make_national_id

DEMO_PASSWORD = "demo-passord-2026"
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"
DEMO_CLUB_SIZE = 40
DEMO_LOGINS = (
    "admin@example.org",
    "sentral@example.org",
    "avdeling@example.org",
    "klubb@example.org",
    "medlem@example.org",
)

# (number, name, [(postal code, city), …]) — real places, so addresses look right.
BRANCHES = [
    (1, "Oslo og Akershus", [("0150", "Oslo"), ("0557", "Oslo"), ("1337", "Sandvika")]),
    (2, "Østfold", [("1606", "Fredrikstad"), ("1707", "Sarpsborg"), ("1530", "Moss")]),
    (3, "Vestfold", [("3110", "Tønsberg"), ("3256", "Larvik"), ("3210", "Sandefjord")]),
    (4, "Grenland", [("3717", "Skien"), ("3921", "Porsgrunn"), ("3960", "Stathelle")]),
    (5, "Buskerud", [("3015", "Drammen"), ("3611", "Kongsberg"), ("3510", "Hønefoss")]),
    (6, "Innlandet", [("2317", "Hamar"), ("2815", "Gjøvik"), ("2609", "Lillehammer")]),
    (7, "Agder", [("4610", "Kristiansand"), ("4836", "Arendal"), ("4515", "Mandal")]),
    (8, "Sør-Rogaland", [("4006", "Stavanger"), ("4307", "Sandnes"), ("4056", "Tananger")]),
    (9, "Haugaland", [("5527", "Haugesund"), ("4250", "Kopervik"), ("5501", "Haugesund")]),
    (10, "Bergen", [("5003", "Bergen"), ("5089", "Bergen"), ("5141", "Fyllingsdalen")]),
    (11, "Mongstad og Nordhordland", [("5954", "Mongstad"), ("5914", "Isdalstø")]),
    (12, "Sogn og Fjordane", [("6856", "Sogndal"), ("6900", "Florø"), ("5750", "Odda")]),
    (13, "Sunnmøre", [("6002", "Ålesund"), ("6100", "Volda"), ("6150", "Ørsta")]),
    (14, "Nordmøre og Romsdal", [("6413", "Molde"), ("6509", "Kristiansund")]),
    (15, "Trøndelag", [("7011", "Trondheim"), ("7600", "Levanger"), ("7725", "Steinkjer")]),
    (16, "Helgeland", [("8622", "Mo i Rana"), ("8800", "Sandnessjøen"), ("8656", "Mosjøen")]),
    (17, "Salten og Lofoten", [("8006", "Bodø"), ("8300", "Svolvær"), ("8200", "Fauske")]),
    (18, "Troms", [("9008", "Tromsø"), ("9405", "Harstad"), ("9300", "Finnsnes")]),
    (19, "Finnmark", [("9600", "Hammerfest"), ("9900", "Kirkenes"), ("9510", "Alta")]),
    (20, "Sokkel (offshore)", [("4056", "Tananger"), ("5335", "Hjelteryggen")]),
]

INDUSTRIES = [
    "Raffineri",
    "Prosessindustri",
    "Kjemi",
    "Aluminium",
    "Energi",
    "Offshore",
    "Boreservice",
    "Plast",
    "Farmasi",
    "Papir",
    "Smelteverk",
    "Gass",
]

LO_UNIONS = [
    "Fellesforbundet",
    "Fagforbundet",
    "EL og IT Forbundet",
    "Norsk Nærings- og Nytelsesmiddelarbeiderforbund",
    "Handel og Kontor i Norge",
    "Norsk Transportarbeiderforbund",
    "Norsk Arbeidsmandsforbund",
    "Forbundet for Ledelse og Teknikk",
    "Fellesorganisasjonen",
    "Norsk Jernbaneforbund",
]
OTHER_UNIONS = ["Tekna", "Lederne", "Parat", "Negotia", "NITO", "SAFE"]

BENEFITS = [
    ("Kollektiv hjemforsikring", "SpareBank 1 Forsikring"),
    ("Grunnforsikring", "SpareBank 1 Forsikring"),
    ("Juridisk bistand i arbeidsforhold", "Forbundet"),
    ("LOfavør strømavtale", "LOfavør"),
    ("Rabatt på feriehytter", "LOfavør"),
]

PRODUCTS = [
    ("Reiseforsikring", ProductKind.INSURANCE, "sparebank1", 19900, "per måned"),
    ("Bilforsikring", ProductKind.INSURANCE, "sparebank1", 42500, "per måned"),
    ("Ulykkesforsikring", ProductKind.INSURANCE, "sparebank1", 8900, "per måned"),
    ("Livsforsikring", ProductKind.INSURANCE, "sparebank1", 12900, "per måned"),
    ("Juridisk rådgivning privat", ProductKind.SERVICE, "lofavor", 0, ""),
    ("Boliglån med medlemsrente", ProductKind.SERVICE, "sparebank1", 0, ""),
    ("Strømavtale", ProductKind.SERVICE, "lofavor", 3900, "per måned"),
]
RECIPIENT_DEFAULTS = {
    "sparebank1": {
        "name": "SpareBank 1 Forsikring",
        "purpose_nb": "Forsikringer som inngår i medlemskapet og tilleggsforsikringer.",
        "purpose_en": "Insurance included in the membership and additional insurance.",
        "legal_basis_nb": "Avtale (medlemskapet), GDPR art. 6 nr. 1 b.",
        "legal_basis_en": "Contract (membership), GDPR art. 6(1)(b).",
        "role": "controller",
        "rule": "orders",
        "fields": ["member_number", "first_name", "last_name", "national_id"],
    },
    "lofavor": {
        "name": "LOfavør",
        "purpose_nb": "Medlemsfordeler og tjenester.",
        "purpose_en": "Member benefits and services.",
        "legal_basis_nb": "Avtale (medlemskapet), GDPR art. 6 nr. 1 b.",
        "legal_basis_en": "Contract (membership), GDPR art. 6(1)(b).",
        "role": "controller",
        "rule": "orders",
        "fields": ["member_number", "first_name", "last_name", "email"],
    },
}

# Dues per year: (percent, monthly cap kr, legal aid kr) for ordinary members and flat
# monthly amounts (kr) for the others.
ORDINARY_RATES = {2023: (1.30, 520, 55), 2024: (1.30, 545, 57), 2025: (1.30, 575, 59),
                  2026: (1.30, 595, 61)}  # fmt: skip
FLAT_RATES = {
    MembershipType.STUDENT: 30,
    MembershipType.APPRENTICE: 90,
    MembershipType.PENSIONER: 60,
    MembershipType.UNEMPLOYED: 0,
    MembershipType.DISABLED: 60,
}
TAX_CAPS = {2023: 7_700, 2024: 8_000, 2025: 8_250, 2026: 8_700}

# (type, weight, born from, born to)
TYPES = [
    (MembershipType.ORDINARY, 75, 1960, 2004),
    (MembershipType.APPRENTICE, 6, 2005, 2009),
    (MembershipType.STUDENT, 5, 1998, 2006),
    (MembershipType.PENSIONER, 9, 1940, 1958),
    (MembershipType.UNEMPLOYED, 2, 1965, 2000),
    (MembershipType.DISABLED, 3, 1960, 1995),
]
REASONS = [
    (ResignationReason.RESIGNED, 50),
    (ResignationReason.TRANSFER_LO, 15),
    (ResignationReason.TRANSFER_OTHER, 10),
    (ResignationReason.STRUCK_OFF, 20),
    (ResignationReason.DECEASED, 5),
]
STATUS_FOR = {
    ResignationReason.RESIGNED: MemberStatus.RESIGNED,
    ResignationReason.TRANSFER_LO: MemberStatus.TRANSFERRED,
    ResignationReason.TRANSFER_OTHER: MemberStatus.TRANSFERRED,
    ResignationReason.STRUCK_OFF: MemberStatus.STRUCK_OFF,
    ResignationReason.DECEASED: MemberStatus.DECEASED,
}
CLUB_TITLES = [
    PositionTitle.KLUBBLEDER,
    PositionTitle.NESTLEDER,
    PositionTitle.SEKRETAER,
    PositionTitle.KASSERER,
    PositionTitle.VERNEOMBUD,
    PositionTitle.HOVEDTILLITSVALGT,
    PositionTitle.UNGDOMSTILLITSVALGT,
]
BRANCH_TITLES = [
    PositionTitle.STYREMEDLEM,
    PositionTitle.STYREMEDLEM,
    PositionTitle.STYREMEDLEM,
    PositionTitle.HOVEDVERNEOMBUD,
]

MEMBER_COLUMNS = [
    f.column for f in Member._meta.concrete_fields
]  # the order the COPY rows are built in


@dataclass
class SeedReport:
    members: int = 0
    payments: int = 0
    users: int = 0
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)


def _ascii(text: str) -> str:
    text = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in text if c.isalnum() or c == "-")


def _unique(values) -> list:
    # dict keeps insertion order, so the pool (and the data) is the same for a seed.
    return list(dict.fromkeys(values))


def _org_number(rng: random.Random, used: set[str]) -> str:
    while True:
        base = f"{rng.choice('89')}{rng.randint(0, 9_999_999):07d}"
        check = -sum(int(d) * w for d, w in zip(base, (3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
        number = base + str(check)
        if check < 10 and orgnr.is_valid(number) and number not in used:
            used.add(number)
            return number


def _bank_account(rng: random.Random) -> str:
    weights = (6, 7, 8, 9, 4, 5, 6, 7, 8, 9)
    while True:
        base = f"{rng.randint(1200, 9899)}{rng.randint(0, 999_999):06d}"
        check = sum(w * int(d) for w, d in zip(weights, base, strict=True)) % 11
        if check < 10 and kontonr.is_valid(base + str(check)):
            return base + str(check)


def _national_id(rng: random.Random, born: dt.date, used: set[str], d_number: bool) -> str:
    low, high = (500, 999) if born.year >= 2000 else (0, 499)
    while True:
        try:
            number = make_national_id(born, rng.randint(low, high), d_number=d_number)
        except ValueError:
            continue
        digest = keyed_hash(number)
        if digest not in used:
            used.add(digest)
            return number


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return dt.date(day.year + month // 12, month % 12 + 1, 1)


class DemoSeeder:
    def __init__(self, *, members: int, seed: int, log: Callable[[str], None] | None = None):
        self.n = members
        self.seed = seed
        # Demo data must repeat for a seed; nothing here is secret.
        self.rng = random.Random(seed)  # noqa: S311
        # Faker calls Norwegian bokmål "no_NO".
        self.fake = Faker("no_NO")
        self.fake.seed_instance(seed)
        self.today = timezone.localdate()
        self.log = log or (lambda message: None)
        self.report = SeedReport()
        self.postgres = connection.vendor == "postgresql"

    def _step(self, name: str, started: float) -> None:
        self.report.steps[name] = time.perf_counter() - started
        self.log(f"  {name}: {self.report.steps[name]:.1f} s")

    # --- reference data ------------------------------------------------------------

    def organisation(self) -> None:
        """~20 branches, 250 employers with valid org numbers, 300 clubs. Rows that a
        previous run created (same seed) are reused."""
        rng = self.rng
        self.branches = []
        for number, name, places in BRANCHES:
            branch, _ = Branch.objects.get_or_create(number=number, defaults={"name": name})
            self.branches.append((branch, places))
        surnames = _unique(self.fake.last_name() for _ in range(400))
        used: set[str] = set()
        planned = []
        for _ in range(250):
            name = f"{rng.choice(surnames)} {rng.choice(INDUSTRIES)} {rng.choice(['AS', 'ASA'])}"
            planned.append(Employer(name=name, org_number=_org_number(rng, used)))
        Employer.objects.bulk_create(planned, batch_size=500, ignore_conflicts=True)
        by_number = {
            e.org_number: e
            for e in Employer.objects.filter(org_number__in=[p.org_number for p in planned])
        }
        self.employers = [by_number[p.org_number] for p in planned]
        names: dict[str, int] = {}
        wanted = []
        for i in range(300):
            employer = self.employers[i % len(self.employers)]
            base = employer.name.removesuffix(" ASA").removesuffix(" AS") + " klubb"
            if i >= len(self.employers):
                base += " – verkstedklubben"
            names[base] = names.get(base, 0) + 1
            name = base if names[base] == 1 else f"{base} {names[base]}"
            # The first club (the demo club) is at Mongstad.
            branch = self.branches[10 if i == 0 else (i * 7) % len(self.branches)][0]
            wanted.append((name, branch, employer))
        existing = {
            (c.name, c.branch_id): c for c in Club.objects.filter(name__in=[w[0] for w in wanted])
        }
        Club.objects.bulk_create(
            [
                Club(name=name, branch=branch, employer=employer)
                for name, branch, employer in wanted
                if (name, branch.pk) not in existing
            ],
            batch_size=500,
        )
        existing = {
            (c.name, c.branch_id): c
            for c in Club.objects.filter(name__in=[w[0] for w in wanted]).select_related(
                "branch", "employer"
            )
        }
        self.clubs = [existing[(name, branch.pk)] for name, branch, _e in wanted]
        self.demo_club = self.clubs[0]

    def reference_tables(self) -> None:
        self.lo_unions = [
            Union.objects.get_or_create(name=name, defaults={"in_lo": True})[0]
            for name in LO_UNIONS
        ]
        self.other_unions = [
            Union.objects.get_or_create(name=name, defaults={"in_lo": False})[0]
            for name in OTHER_UNIONS
        ]
        self.benefits = [
            Benefit.objects.get_or_create(name=name, defaults={"provider": provider})[0]
            for name, provider in BENEFITS
        ]
        for year, (percent, cap, legal) in ORDINARY_RATES.items():
            DuesRate.objects.update_or_create(
                year=year,
                membership_type=MembershipType.ORDINARY,
                defaults={
                    "percent": percent,
                    "monthly_cap_ore": cap * 100,
                    "legal_aid_ore": legal * 100,
                    "flat_monthly_ore": None,
                },
            )
            for kind, flat in FLAT_RATES.items():
                DuesRate.objects.update_or_create(
                    year=year,
                    membership_type=kind,
                    defaults={"flat_monthly_ore": flat * 100, "legal_aid_ore": 0},
                )
        for year, kroner in TAX_CAPS.items():
            TaxDeductionCap.objects.update_or_create(
                year=year, defaults={"amount_ore": kroner * 100}
            )
        from privacy.models import Recipient

        partners = {
            slug: Recipient.objects.get_or_create(slug=slug, defaults=defaults)[0]
            for slug, defaults in RECIPIENT_DEFAULTS.items()
        }
        self.products = [
            Product.objects.get_or_create(
                name=name,
                defaults={
                    "kind": kind,
                    "partner": partners[slug],
                    "price_ore": price,
                    "price_period": period,
                    "description": f"{name} for medlemmer, levert av {partners[slug].name}.",
                },
            )[0]
            for name, kind, slug, price, period in PRODUCTS
        ]

    # --- members -----------------------------------------------------------------------

    def _pools(self) -> None:
        fake = self.fake
        self.first_names = _unique(
            [fake.first_name_female() for _ in range(600)]
            + [fake.first_name_male() for _ in range(600)]
        )
        self.last_names = _unique(fake.last_name() for _ in range(1500))
        self.streets = _unique(fake.street_name() for _ in range(1500))

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
            joined = _date_between(rng, earliest, self.today - dt.timedelta(days=30))
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
                resigned_on = _date_between(rng, window_start, self.today - dt.timedelta(days=1))
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
                joined_branch = _date_between(rng, joined, resigned_on or self.today)
            joined_lo = joined
            if rng.random() < 0.1:
                joined_lo = _date_between(rng, earliest, joined)
            if rng.random() < 0.5:
                phone = f"+479{rng.randint(0, 9_999_999):07d}"
            else:
                phone = f"+474{rng.choice('01678')}{rng.randint(0, 999_999):06d}"
            email = ""
            if rng.random() < 0.92:
                domain = rng.choice(["example.net", "example.com", "example.org"])
                email = f"{_ascii(first)}.{_ascii(last)}{i}@{domain}"
            national_id = _national_id(rng, born, used, d_number=rng.random() < 0.03)
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
                    "bank_account": _bank_account(rng) if rng.random() < 0.7 else "",
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
        last = _add_months(_month_start(self.today), -1)
        first = _add_months(last, -23)
        plan = []
        for row in rows:
            start = max(first, _add_months(_month_start(row["joined_union_on"]), 1))
            end = last
            if row["resigned_on"]:
                end = min(last, _month_start(row["resigned_on"]))
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
                end = _add_months(end, -4)
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
                period = _add_months(period, 1)
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO members_payment (member_id, kind, amount_ore, period, paid_on, "
                "kid, source, reference, created_at) "
                "VALUES (%s, 'dues', %s, %s, %s, %s, %s, '', %s)",
                rows,
            )
        return len(rows)

    def related(self, rows: list[dict]) -> None:
        """Positions, earlier unions, benefits, reservations and orders."""
        rng = self.rng
        active = [r for r in rows if r["status"] == MemberStatus.ACTIVE]
        by_club: dict[int, list[dict]] = {}
        for row in active:
            if row["club_id"]:
                by_club.setdefault(row["club_id"], []).append(row)
        positions = []
        start_floor = self.today - dt.timedelta(days=8 * 365)
        for club in self.clubs:
            members = by_club.get(club.pk, [])
            titles = CLUB_TITLES[: max(1, min(len(CLUB_TITLES), len(members) // 6))]
            holders = rng.sample(members, k=min(len(titles), len(members)))
            for title, holder in zip(titles, holders, strict=False):
                started = _date_between(
                    rng, max(holder["joined_union_on"], start_floor), self.today
                )
                positions.append(
                    Position(member_id=holder["id"], title=title, club=club, started_on=started)
                )
                # An earlier holder of the same position, for history.
                if rng.random() < 0.3 and len(members) > 1:
                    before = rng.choice(members)
                    begun = _date_between(rng, before["joined_union_on"], started)
                    if begun < started:
                        positions.append(
                            Position(
                                member_id=before["id"],
                                title=title,
                                club=club,
                                started_on=begun,
                                ended_on=started,
                            )
                        )
        by_branch: dict[int, list[dict]] = {}
        for row in active:
            by_branch.setdefault(row["branch_id"], []).append(row)
        for branch, _places in self.branches:
            members = by_branch.get(branch.pk, [])
            for title, holder in zip(
                BRANCH_TITLES, rng.sample(members, k=min(4, len(members))), strict=False
            ):
                positions.append(
                    Position(
                        member_id=holder["id"],
                        title=title,
                        branch=branch,
                        started_on=_date_between(
                            rng, max(holder["joined_union_on"], start_floor), self.today
                        ),
                    )
                )
        Position.objects.bulk_create(positions, batch_size=2000)

        previous, enrolments, reservations, orders = [], [], [], []
        for row in rows:
            roll = rng.random()
            if roll < 0.1 and row["joined_lo_on"] < row["joined_union_on"]:
                previous.append(
                    PreviousMembership(
                        member_id=row["id"],
                        union=rng.choice(self.lo_unions),
                        from_date=row["joined_lo_on"],
                        to_date=row["joined_union_on"],
                    )
                )
            elif roll < 0.14:
                from_date = _date_between(
                    rng,
                    row["birth_date"].replace(year=row["birth_date"].year + 18),
                    row["joined_union_on"],
                )
                if from_date < row["joined_union_on"]:
                    previous.append(
                        PreviousMembership(
                            member_id=row["id"],
                            union=rng.choice(self.other_unions),
                            from_date=from_date,
                            to_date=row["joined_union_on"],
                        )
                    )
            if row["status"] != MemberStatus.ACTIVE:
                continue
            if rng.random() < 0.25:
                enrolments.append(
                    BenefitEnrolment(
                        member_id=row["id"],
                        benefit=self.benefits[0],
                        enrolled_on=row["joined_union_on"],
                    )
                )
            if rng.random() < 0.05:
                reservations.append(
                    BenefitReservation(
                        member_id=row["id"],
                        benefit=self.benefits[1],
                        reserved_on=row["joined_union_on"],
                    )
                )
            if rng.random() < 0.01:
                orders.append(
                    Order(
                        member_id=row["id"],
                        product=rng.choice(self.products),
                        status=rng.choice(["pending", "confirmed", "confirmed"]),
                    )
                )
        PreviousMembership.objects.bulk_create(previous, batch_size=5000)
        BenefitEnrolment.objects.bulk_create(enrolments, batch_size=5000)
        BenefitReservation.objects.bulk_create(reservations, batch_size=5000)
        Order.objects.bulk_create(orders, batch_size=5000)

    # --- logins --------------------------------------------------------------------------

    def logins(self, rows: list[dict]) -> dict[str, object]:
        """The five demo logins and a few hundred more members with a login."""
        from allauth.account.models import EmailAddress
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP

        User = get_user_model()
        password = make_password(DEMO_PASSWORD)  # hashed once: hashing is slow by design
        users = {}
        for email in DEMO_LOGINS:
            user, _ = User.objects.get_or_create(
                username=email, defaults={"email": email, "password": password}
            )
            users[email] = user
            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
        admin = users["admin@example.org"]
        if not (admin.is_superuser and admin.is_staff):
            admin.is_superuser = admin.is_staff = True
            admin.save(update_fields=["is_superuser", "is_staff"])
        grants = [
            ("sentral@example.org", AccessLevel.CENTRAL, None, None),
            ("avdeling@example.org", AccessLevel.BRANCH, self.demo_club.branch, None),
            ("klubb@example.org", AccessLevel.CLUB, None, self.demo_club),
        ]
        for email, level, branch, club in grants:
            AccessGrant.objects.get_or_create(
                user=users[email],
                level=level,
                branch=branch,
                club=club,
                defaults={"valid_from": dt.date(2020, 1, 1), "note": "Demo"},
            )
        for email in DEMO_LOGINS[:4]:
            if not Authenticator.objects.filter(
                user=users[email], type=Authenticator.Type.TOTP
            ).exists():
                TOTP.activate(users[email], DEMO_TOTP_SECRET)
        # The demo member: an active member of the demo club without a login yet.
        linked_ids = set()
        member_user = users["medlem@example.org"]
        if not Member.objects.filter(user=member_user).exists():
            demo = (
                Member.objects.filter(club=self.demo_club, status="active", user__isnull=True)
                .order_by("member_number")
                .first()
            )
            if demo is not None:
                Member.objects.filter(pk=demo.pk).update(
                    user=member_user, email="medlem@example.org"
                )
                linked_ids.add(demo.pk)
        # A few hundred more members with their own login (same demo password).
        candidates = [
            r for r in rows if r["status"] == "active" and r["email"] and r["id"] not in linked_ids
        ]
        chosen = candidates[: min(300, self.n // 10)]
        existing = set(
            User.objects.filter(username__in=[r["email"] for r in chosen]).values_list(
                "username", flat=True
            )
        )
        chosen = [r for r in chosen if r["email"] not in existing]
        new_users = User.objects.bulk_create(
            [User(username=r["email"], email=r["email"], password=password) for r in chosen]
        )
        if new_users and new_users[0].pk is None:  # backends without RETURNING
            by_name = dict(
                User.objects.filter(username__in=[u.username for u in new_users]).values_list(
                    "username", "pk"
                )
            )
            for user in new_users:
                user.pk = by_name[user.username]
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in new_users]
        )
        user_by_email = {u.email: u.pk for u in new_users}
        members = []
        for row in chosen:
            members.append(Member(pk=row["id"], user_id=user_by_email[row["email"]]))
        Member.objects.bulk_update(members, ["user"], batch_size=1000)
        self.report.users = len(new_users) + len(DEMO_LOGINS)
        return users

    # --- all of it ----------------------------------------------------------------------

    def run(self, *, with_logins: bool = True) -> SeedReport:
        began = time.perf_counter()
        with transaction.atomic():
            t = time.perf_counter()
            self.organisation()
            self.reference_tables()
            self._step("organisation and reference tables", t)
            t = time.perf_counter()
            rows = self.build_members()
            self._step(f"{len(rows)} members computed", t)
            t = time.perf_counter()
            self.insert_members(rows)
            self._step("members inserted", t)
            t = time.perf_counter()
            self.report.payments = self.insert_payments(rows)
            self._step(f"{self.report.payments} payments inserted", t)
            t = time.perf_counter()
            self.related(rows)
            self._step("positions, earlier unions, benefits, orders", t)
            if with_logins:
                t = time.perf_counter()
                self.logins(rows)
                self._step("logins", t)
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE members_member")
                cursor.execute("ANALYZE members_payment")
        self.report.members = len(rows)
        self.report.seconds = time.perf_counter() - began
        return self.report


def seed(*, members: int, seed: int = 2026, with_logins: bool = True, log=None) -> SeedReport:
    """Create the demo data; returns counts and timings."""
    return DemoSeeder(members=members, seed=seed, log=log).run(with_logins=with_logins)
