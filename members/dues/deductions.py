"""Payroll deduction lists: the monthly list to each employer, the employer's returned
list (every line a Payment with source payroll, or employer for dues the employer paid
without a pay deduction, in one transaction) and the deviations
staff resolve. A list for the same employer and period is refused a second time unless
staff ask to replace it (a corrected list); a malformed list is refused whole."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clubs.models import Employer
from members import services as member_services
from members.choices import MemberStatus
from members.crypto import keyed_hash
from members.models import DuesRate, Member, Payment, PaymentKind, PaymentSource

from . import payroll, queries, services
from .models import (
    EXCUSING,
    RESOLUTIONS_FOR,
    Deviation,
    DeviationKind,
    DuesAccount,
    DuesExemption,
    DuesImport,
    ImportKind,
    ImportStatus,
    PaymentMethod,
    ResolutionStatus,
)

# Differences below one krone are rounding, not deviations.
TOLERANCE_ORE = 100


def out_rows(employer: Employer, period: dt.date) -> list[payroll.OutRow]:
    """Whom the employer deducts for `period`, and how: active members paying by
    payroll deduction at this employer."""
    rates = {r.membership_type: r for r in DuesRate.objects.filter(year=period.year)}
    accounts = (
        DuesAccount.objects.filter(
            payment_method=PaymentMethod.PAYROLL,
            member__employer=employer,
            member__status=MemberStatus.ACTIVE,
            member__joined_union_on__lte=queries.month_end(period),
        )
        .select_related("member")
        .order_by("member__last_name", "member__first_name", "member__member_number")
    )
    rows = []
    for account in accounts:
        member = account.member
        rate = rates.get(member.membership_type)
        if rate is None or rate.is_free:
            continue
        rows.append(
            payroll.OutRow(
                member_number=member.member_number,
                national_id=member.national_id,
                last_name=member.last_name,
                first_name=member.first_name,
                percent=rate.percent,
                cap_ore=rate.monthly_cap_ore,
                minimum_ore=rate.minimum_monthly_ore,
                insurance_ore=rate.legal_aid_ore,
                flat_ore=rate.flat_monthly_ore,
                insurance_reserved=account.insurance_reserved,
            )
        )
    return rows


@transaction.atomic
def deduction_list_import(*, data: bytes, filename: str, by, replace: bool = False) -> DuesImport:
    """Import an employer's returned list. Raises ValidationError (nothing saved) when the
    file is malformed, names no employer we know, or the period's list is in already
    (unless `replace`, which replaces the earlier list's payments and deviations)."""
    try:
        parsed = payroll.parse(data, filename)
    except payroll.ListFileError as exc:
        raise ValidationError(
            _("Listen er avvist: %(reason)s") % {"reason": str(exc)}, code="malformed"
        ) from None
    employer = Employer.objects.filter(org_number=parsed.org_number).first()
    if employer is None:
        raise ValidationError(
            _("Ingen arbeidsgiver har organisasjonsnummer %(org)s.") % {"org": parsed.org_number},
            code="unknown_employer",
        )
    digest = services.sha256(data)
    earlier = (
        DuesImport.objects.select_for_update()
        .filter(
            kind=ImportKind.PAYROLL,
            status=ImportStatus.ACTIVE,
            employer=employer,
            period=parsed.period,
        )
        .first()
    )
    if earlier is not None:
        if earlier.sha256 == digest or not replace:
            raise ValidationError(
                _(
                    "Listen fra %(employer)s for %(period)s er allerede lest inn. "
                    "Er dette en rettet liste, kryss av for å erstatte den."
                )
                % {"employer": employer.name, "period": f"{parsed.period:%m.%Y}"},
                code="duplicate",
            )
        earlier.status = ImportStatus.REPLACED
        earlier.save(update_fields=["status"])
        # The list's payments went in without history rows (one import, one record),
        # so they go out the same way: one DELETE, not a history row per payment.
        replaced = Payment.objects.filter(batch=earlier)
        replaced._raw_delete(replaced.db)
        earlier.deviation_rows.all().delete()
    batch = DuesImport.objects.create(
        kind=ImportKind.PAYROLL,
        filename=filename[:200],
        sha256=digest,
        employer=employer,
        period=parsed.period,
        uploaded_by=by,
    )
    matched, deviations = _match_lines(batch, employer, parsed)
    deviations += _missing(batch, employer, parsed.period, matched)
    if parsed.stated_total_ore is not None and parsed.stated_total_ore != parsed.total_ore:
        deviations.append(
            _deviation(
                batch,
                employer,
                parsed.period,
                kind=DeviationKind.TOTAL_MISMATCH,
                expected_ore=parsed.total_ore,
                amount_ore=parsed.stated_total_ore,
            )
        )
    _insert_deviations(deviations)
    batch.lines = len(parsed.lines)
    batch.total_ore = parsed.total_ore
    batch.matched = len(matched)
    batch.unmatched = len(parsed.lines) - len(matched)
    batch.deviations = len(deviations)
    batch.save()
    return batch


def _deviation(batch, employer, period, **values) -> dict:
    """One deviation as the column values `_insert_deviations` writes."""
    return {
        "batch_id": batch.pk,
        "employer_id": employer.pk,
        "period": period,
        "member_id": None,
        "line_no": None,
        "name": "",
        "national_id": "",
        "expected_ore": None,
        "amount_ore": None,
        "employer_paid": False,
        "status": ResolutionStatus.OPEN.value,
        "resolution": "",
        "note": "",
        **{k: v.value if isinstance(v, DeviationKind) else v for k, v in values.items()},
    }


DEVIATION_COLUMNS = (
    "batch_id",
    "employer_id",
    "period",
    "kind",
    "member_id",
    "line_no",
    "name",
    "national_id",
    "expected_ore",
    "amount_ore",
    "employer_paid",
    "status",
    "resolution",
    "note",
)


def _insert_deviations(rows: list[dict]) -> None:
    """Insert the deviations: COPY on PostgreSQL (a list with thousands of deviations
    would spend most of its time building model instances), bulk_create elsewhere. The
    national id of a line nobody matched is encrypted as the model field would."""
    field = Deviation._meta.get_field("national_id")
    if connection.vendor == "postgresql":
        for row in rows:
            row["national_id"] = field.get_prep_value(row["national_id"])
        services.copy_rows(
            Deviation._meta.db_table,
            DEVIATION_COLUMNS,
            (tuple(row[c] for c in DEVIATION_COLUMNS) for row in rows),
        )
        return
    Deviation.objects.bulk_create([Deviation(**row) for row in rows], batch_size=1000)


def _update_gross(accounts: list[DuesAccount]) -> None:
    """Store the gross pay the employer reported: one UPDATE on PostgreSQL (bulk_update's
    CASE per row is slow for thousands of rows), bulk_update elsewhere."""
    if not accounts:
        return
    if connection.vendor != "postgresql":
        DuesAccount.objects.bulk_update(accounts, ["gross_monthly_ore"], batch_size=2000)
        return
    table = connection.ops.quote_name(DuesAccount._meta.db_table)
    with connection.cursor() as cursor:
        # Fixed SQL; the values are bound parameters.
        cursor.execute(
            f"UPDATE {table} AS a SET gross_monthly_ore = v.gross, updated_at = %s "  # noqa: S608
            "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, gross) WHERE a.id = v.id",
            [
                timezone.now(),
                [a.pk for a in accounts],
                [a.gross_monthly_ore for a in accounts],
            ],
        )


def _match_lines(batch, employer, parsed) -> tuple[set[int], list[dict]]:
    """Payments for the lines that match a member (by national id through the keyed
    hash, else by member number); deviations for the rest and for what differs."""
    hashes = {line.line: keyed_hash(line.national_id) for line in parsed.lines if line.national_id}
    fields = ("id", "national_id_hash", "member_number", "employer_id", "status", "membership_type")
    by_hash, by_number = {}, {}
    values = list(hashes.values())
    for i in range(0, len(values), 5000):
        for row in Member.objects.filter(national_id_hash__in=values[i : i + 5000]).values(*fields):
            by_hash[row["national_id_hash"]] = row
    numbers = [
        line.member_number
        for line in parsed.lines
        if line.member_number and line.line not in hashes
    ]
    for row in Member.objects.filter(member_number__in=numbers).values(*fields):
        by_number[row["member_number"]] = row
    rates = {r.membership_type: r for r in DuesRate.objects.filter(year=parsed.period.year)}
    found = [
        by_hash.get(hashes[line.line]) if line.line in hashes else by_number.get(line.member_number)
        for line in parsed.lines
    ]
    accounts = {
        a.member_id: a
        for a in DuesAccount.objects.filter(member_id__in=[m["id"] for m in found if m])
    }
    paid_on = queries.month_end(parsed.period)
    period = parsed.period
    payments, deviations, matched = [], [], set()
    new_accounts, changed_accounts = [], []
    for line, member in zip(parsed.lines, found, strict=True):
        if member is None or member["status"] != MemberStatus.ACTIVE:
            deviations.append(
                _deviation(
                    batch,
                    employer,
                    period,
                    kind=DeviationKind.NOT_MEMBER,
                    line_no=line.line,
                    name=line.name[:200],
                    national_id=line.national_id,
                    amount_ore=line.amount_ore,
                    employer_paid=line.employer_paid,
                    member_id=member["id"] if member else None,
                )
            )
            continue
        matched.add(member["id"])
        payments.append(
            (
                member["id"],
                PaymentKind.DUES.value,
                line.amount_ore,
                period,
                paid_on,
                "",
                (PaymentSource.EMPLOYER if line.employer_paid else PaymentSource.PAYROLL).value,
                f"trekk-{batch.pk}-{line.line}",
                batch.pk,
            )
        )
        if member["employer_id"] != employer.pk:
            deviations.append(
                _deviation(
                    batch,
                    employer,
                    period,
                    kind=DeviationKind.OTHER_EMPLOYER,
                    line_no=line.line,
                    member_id=member["id"],
                    amount_ore=line.amount_ore,
                )
            )
        account = accounts.get(member["id"])
        if account is None:
            account = DuesAccount(member_id=member["id"], payment_method=PaymentMethod.PAYROLL)
            new_accounts.append(account)
        elif line.gross_ore is not None and account.gross_monthly_ore != line.gross_ore:
            changed_accounts.append(account)
        if line.gross_ore is not None:
            account.gross_monthly_ore = line.gross_ore
        rate = rates.get(member["membership_type"])
        if rate is not None and (rate.percent is None or account.gross_monthly_ore is not None):
            expected = rate.expected_monthly_ore(
                account.gross_monthly_ore, insurance_reserved=account.insurance_reserved
            )
            if abs(expected - line.amount_ore) >= TOLERANCE_ORE:
                deviations.append(
                    _deviation(
                        batch,
                        employer,
                        period,
                        kind=DeviationKind.AMOUNT_DIFFERS,
                        line_no=line.line,
                        member_id=member["id"],
                        expected_ore=expected,
                        amount_ore=line.amount_ore,
                    )
                )
    services.insert_payments(payments)
    DuesAccount.objects.bulk_create(new_accounts, batch_size=2000)
    _update_gross(changed_accounts)
    return matched, deviations


def _missing(batch, employer, period, matched: set[int]) -> list[dict]:
    """Members we expected on the list (payroll, this employer, active) who are not."""
    rates = {(r.year, r.membership_type): r for r in DuesRate.objects.filter(year=period.year)}
    accounts = (
        DuesAccount.objects.filter(
            payment_method=PaymentMethod.PAYROLL,
            member__employer=employer,
            member__status=MemberStatus.ACTIVE,
            member__joined_union_on__lte=queries.month_end(period),
        )
        .exclude(member_id__in=matched)
        .select_related("member")
        .defer("member__national_id", "member__bank_account")
    )
    result = []
    for account in accounts:
        rate = rates.get((period.year, account.member.membership_type))
        if rate is None or rate.is_free:
            continue
        result.append(
            _deviation(
                batch,
                employer,
                period,
                kind=DeviationKind.MISSING,
                member_id=account.member_id,
                expected_ore=queries.expected_for(account.member, period, account, rates),
            )
        )
    return result


@transaction.atomic
def deviation_resolve(
    *, deviation: Deviation, by, resolution: str, member: Member | None = None, note: str = ""
) -> Deviation:
    """Record staff's decision on a deviation and carry it out: assign the line to a
    member, move the member to this employer, excuse the month (leave, NAV), or switch
    the member to invoice."""
    deviation = Deviation.objects.select_for_update().get(pk=deviation.pk)
    if deviation.status != ResolutionStatus.OPEN:
        raise ValidationError(_("Avviket er allerede behandlet."), code="resolved")
    if resolution not in RESOLUTIONS_FOR[deviation.kind]:
        raise ValidationError({"resolution": _("Velg en løsning som passer avviket.")})
    if resolution == "assigned":
        if member is None or member.status != MemberStatus.ACTIVE:
            raise ValidationError({"member_number": _("Oppgi et aktivt medlem.")})
        Payment.objects.create(
            member=member,
            kind=PaymentKind.DUES,
            amount_ore=deviation.amount_ore or 0,
            period=deviation.period,
            paid_on=queries.month_end(deviation.period),
            source=PaymentSource.EMPLOYER if deviation.employer_paid else PaymentSource.PAYROLL,
            reference=f"trekk-{deviation.batch_id}-{deviation.line_no}",
            batch=deviation.batch,
        )
        deviation.member = member
        deviation.national_id = ""
    elif resolution == "moved" and deviation.member is not None:
        member_services.member_update_profile(
            member=deviation.member, by=by, data={"employer": deviation.employer}
        )
    elif resolution in ("left_employer", "switch_invoice"):
        account, _created = DuesAccount.objects.get_or_create(member=deviation.member)
        account.payment_method = PaymentMethod.INVOICE
        account.save()
    elif resolution in EXCUSING:
        DuesExemption.objects.get_or_create(
            member=deviation.member, period=deviation.period, defaults={"reason": resolution}
        )
    deviation.status = ResolutionStatus.RESOLVED
    deviation.resolution = resolution
    deviation.note = note[:200]
    deviation.resolved_by = by
    deviation.resolved_at = timezone.now()
    deviation.save()
    return deviation


def missing_streak(member: Member, employer: Employer, period: dt.date) -> int:
    """How many months in a row up to `period` the member has been missing from the
    employer's lists (staff switch to invoice after a few)."""
    streak = 0
    while Deviation.objects.filter(
        member=member, employer=employer, period=period, kind=DeviationKind.MISSING
    ).exists():
        streak += 1
        period = queries.add_months(period, -1)
    return streak
