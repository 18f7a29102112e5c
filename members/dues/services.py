"""Writes of the dues area: a member's way of paying, OCR giro and AvtaleGiro imports,
unmatched payments, the AvtaleGiro claims, reminders and strike-off. Deduction lists
are in `deductions.py`, the tax report in `taxreport.py` (format) and `tax.py`.

Every service is keyword-only and atomic; an import is refused whole (ValidationError
with the line and the reason) or applied whole."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from members import services as member_services
from members.choices import MemberStatus
from members.models import DuesRate, Member, Payment, PaymentKind, PaymentSource

from . import avtalegiro, conf, ocr, queries
from .invoicing import InvoiceMatcher
from .kid import is_valid_kid, member_number_from_kid
from .models import (
    AvtaleGiroClaimRun,
    DuesAccount,
    DuesImport,
    ImportKind,
    PaymentMethod,
    ResolutionStatus,
    UnmatchedPayment,
    UnmatchedReason,
)

AVTALEGIRO_TYPES = {15}  # OCR transaction type "from AvtaleGiro"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@transaction.atomic
def dues_account_update(
    *,
    member: Member,
    by,
    payment_method: str,
    gross_monthly_ore: int | None = None,
    insurance_reserved: bool | None = None,
) -> DuesAccount:
    """Set how the member pays (and the gross pay and legal-aid reservation)."""
    account, _created = DuesAccount.objects.get_or_create(member=member)
    account.payment_method = PaymentMethod(payment_method)
    if gross_monthly_ore is not None:
        account.gross_monthly_ore = gross_monthly_ore
    if insurance_reserved is not None:
        account.insurance_reserved = insurance_reserved
    if account.payment_method == PaymentMethod.AVTALEGIRO and not account.avtalegiro_active:
        raise ValidationError(
            {"payment_method": _("AvtaleGiro krever en avtale registrert hos Nets.")}
        )
    account.full_clean()
    account.save()
    return account


# --- OCR giro --------------------------------------------------------------------------


def _allocate(paid: set[dt.date], months: list[dt.date], paid_on: dt.date) -> dt.date:
    """The month a payment covers: the oldest unpaid month of the window, else the month
    it was paid in (or the next month not yet paid)."""
    for month in months:
        if month not in paid:
            return month
    period = queries.month_start(paid_on)
    while period in paid:
        period = queries.add_months(period, 1)
    return period


@transaction.atomic
def ocr_import(*, data: bytes, filename: str, by, today: dt.date | None = None) -> DuesImport:
    """Import one Nets OCR file: every transaction becomes a Payment matched by KID, or
    an UnmatchedPayment for staff; AvtaleGiro agreement records update the mandates.
    Refused whole (ValidationError) when malformed or already imported."""
    today = today or timezone.localdate()
    try:
        parsed = ocr.parse(ocr.decode(data))
    except ocr.OcrFileError as exc:
        raise ValidationError(
            _("Filen er avvist: %(reason)s") % {"reason": str(exc)}, code="malformed"
        ) from None
    if DuesImport.objects.filter(kind=ImportKind.OCR, transmission=parsed.transmission).exists():
        raise ValidationError(
            _("Forsendelse %(number)s er allerede lest inn.") % {"number": parsed.transmission},
            code="duplicate",
        )
    batch = DuesImport.objects.create(
        kind=ImportKind.OCR,
        filename=filename[:200],
        sha256=sha256(data),
        transmission=parsed.transmission,
        uploaded_by=by,
    )
    # Each KID is checked once (a file pays the same member for several months).
    number_of = {
        kid: member_number_from_kid(kid)
        for kid in {t.kid for t in parsed.transactions} | {a.kid for a in parsed.agreements}
    }
    members = _member_ids(sorted(n for n in number_of.values() if n))
    months = queries.window(today)
    paid = _paid_months(sorted(members.values()), months[0])
    payments: list[tuple] = []
    unmatched: list[tuple] = []
    invoices = InvoiceMatcher(sorted(members.values()))
    matched = 0
    for t in parsed.transactions:
        found = members.get(number_of[t.kid] or -1)
        if found is None:
            if not t.kid:
                reason = UnmatchedReason.NO_KID
            elif not is_valid_kid(t.kid):
                reason = UnmatchedReason.INVALID_KID
            else:
                reason = UnmatchedReason.UNKNOWN_KID
            unmatched.append(
                (batch.pk, t.kid[:25], t.amount_ore, t.nets_date, t.reference[:64], reason.value)
            )
            continue
        member_id = found
        matched += 1
        member_paid = paid.setdefault(member_id, set())
        source = (
            PaymentSource.AVTALEGIRO.value
            if t.transaction_type in AVTALEGIRO_TYPES
            else PaymentSource.OCR.value
        )
        parts = None
        if t.is_reversal:
            # A reversal takes back the latest month paid.
            period = max(member_paid) if member_paid else queries.month_start(t.nets_date)
        else:
            parts = invoices.pay(member_id, t.amount_ore, t.nets_date)
            period = _allocate(member_paid, months, t.nets_date)
        if parts:
            # The whole invoice paid at once: one payment per month it covers.
            for i, (month, amount) in enumerate(parts):
                member_paid.add(month)
                reference = t.reference if i == 0 else f"{t.reference}/{i + 1}"
                payments.append(
                    (
                        member_id,
                        PaymentKind.DUES.value,
                        amount,
                        month,
                        t.nets_date,
                        t.kid,
                        PaymentSource.INVOICE.value,
                        reference[:64],
                        batch.pk,
                    )
                )
            continue
        if not t.is_reversal:
            member_paid.add(period)
        payments.append(
            (
                member_id,
                PaymentKind.DUES.value,
                t.amount_ore,
                period,
                t.nets_date,
                t.kid,
                source,
                t.reference[:64],
                batch.pk,
            )
        )
    try:
        insert_payments(payments)
    except IntegrityError:
        raise ValidationError(
            _("Filen inneholder transaksjoner som allerede er lest inn."), code="duplicate"
        ) from None
    _insert_unmatched(unmatched)
    invoices.save()
    agreements = _apply_agreements(parsed.agreements, members, today)
    batch.lines = len(parsed.transactions)
    batch.total_ore = parsed.total_ore
    batch.matched = matched
    batch.unmatched = len(unmatched)
    batch.agreements = agreements
    batch.save()
    return batch


# Above this many, a lookup reads the whole range instead of an IN list: a parameter
# per id costs more than the rows it saves.
IN_LIST_LIMIT = 5000


def _member_ids(numbers: list[int]) -> dict[int, int]:
    """Member number → member id for the numbers that belong to a member."""
    if len(numbers) <= IN_LIST_LIMIT:
        return dict(
            Member.objects.filter(member_number__in=numbers).values_list("member_number", "id")
        )
    wanted = set(numbers)
    return {
        number: member_id
        for number, member_id in Member.objects.filter(
            member_number__gte=numbers[0], member_number__lte=numbers[-1]
        ).values_list("member_number", "id")
        if number in wanted
    }


def _paid_months(member_ids: list[int], since: dt.date) -> dict[int, set[dt.date]]:
    """Member id → the months from `since` with a dues payment (any sign)."""
    window_payments = Payment.objects.filter(kind=PaymentKind.DUES, period__gte=since)
    if len(member_ids) <= IN_LIST_LIMIT:
        window_payments = window_payments.filter(member_id__in=member_ids)
    else:
        window_payments = window_payments.filter(member__isnull=False)
    wanted = set(member_ids)
    paid: dict[int, set[dt.date]] = {}
    if connection.vendor == "postgresql":
        # One row per member instead of one per payment: a tenth of the rows.
        from django.contrib.postgres.aggregates import ArrayAgg

        for member_id, periods in (
            window_payments.values("member_id")
            .annotate(periods=ArrayAgg("period", distinct=True))
            .values_list("member_id", "periods")
        ):
            if member_id in wanted:
                paid[member_id] = set(periods)
    else:
        for member_id, period in window_payments.values_list("member_id", "period"):
            if member_id in wanted:
                paid.setdefault(member_id, set()).add(period)
    return paid


UNMATCHED_COLUMNS = ("batch_id", "kid", "amount_ore", "paid_on", "reference", "reason")


def _insert_unmatched(rows: list[tuple]) -> None:
    """Insert unmatched transactions (tuples in UNMATCHED_COLUMNS order): COPY on
    PostgreSQL, bulk_create elsewhere. All start open."""
    if connection.vendor == "postgresql":
        copy_rows(
            UnmatchedPayment._meta.db_table,
            (*UNMATCHED_COLUMNS, "status", "resolution", "note"),
            ((*row, ResolutionStatus.OPEN.value, "", "") for row in rows),
        )
        return
    UnmatchedPayment.objects.bulk_create(
        [UnmatchedPayment(**dict(zip(UNMATCHED_COLUMNS, row, strict=True))) for row in rows],
        batch_size=2000,
    )


PAYMENT_COLUMNS = (
    "member_id",
    "kind",
    "amount_ore",
    "period",
    "paid_on",
    "kid",
    "source",
    "reference",
    "batch_id",
)


def insert_payments(rows: list[tuple]) -> None:
    """Insert payments given as tuples in PAYMENT_COLUMNS order. On PostgreSQL with COPY
    (a 100,000-line OCR file is mostly this insert); elsewhere with bulk_create. Raises
    IntegrityError on a duplicate (source, reference). No history rows: an import is
    its own record (DuesImport)."""
    if connection.vendor == "postgresql":
        now = timezone.now()
        copy_rows(
            Payment._meta.db_table,
            (*PAYMENT_COLUMNS, "created_at"),
            ((*row, now) for row in rows),
        )
        return
    Payment.objects.bulk_create(
        [Payment(**dict(zip(PAYMENT_COLUMNS, row, strict=True))) for row in rows],
        batch_size=2000,
    )


def copy_rows(table: str, columns: tuple[str, ...], rows) -> None:
    """PostgreSQL only: COPY `rows` (tuples of database values in `columns` order) into
    `table`. Building model instances for bulk_create costs more than the insert itself
    for the thousands of rows of an import. Raises IntegrityError on a unique violation."""
    import psycopg

    try:
        with connection.cursor() as cursor:
            names = ", ".join(connection.ops.quote_name(c) for c in columns)
            with cursor.cursor.copy(
                f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
    except psycopg.errors.UniqueViolation as exc:
        raise IntegrityError(str(exc)) from None


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _apply_agreements(agreements: list[ocr.OcrAgreement], members: dict, today: dt.date) -> int:
    """Create, change or end AvtaleGiro mandates (record type 70)."""
    applied = 0
    for agreement in agreements:
        member_id = members.get(member_number_from_kid(agreement.kid) or -1)
        if member_id is None:
            continue
        account, _created = DuesAccount.objects.get_or_create(member_id=member_id)
        account.avtalegiro_changed_on = today
        if agreement.deleted:
            account.avtalegiro_active = False
            if account.payment_method == PaymentMethod.AVTALEGIRO:
                account.payment_method = PaymentMethod.INVOICE
        else:
            account.avtalegiro_active = True
            account.avtalegiro_notify = agreement.notify
            account.payment_method = PaymentMethod.AVTALEGIRO
        account.save()
        applied += 1
    return applied


@transaction.atomic
def unmatched_resolve(
    *, row: UnmatchedPayment, by, resolution: str, member: Member | None = None, note: str = ""
) -> UnmatchedPayment:
    """Assign an unmatched OCR payment to a member (it becomes a Payment), or mark it
    refunded or ignored."""
    row = UnmatchedPayment.objects.select_for_update().get(pk=row.pk)
    if row.status != ResolutionStatus.OPEN:
        raise ValidationError(_("Innbetalingen er allerede behandlet."), code="resolved")
    if resolution == "assigned":
        if member is None:
            raise ValidationError({"member_number": _("Oppgi medlemmet innbetalingen gjelder.")})
        paid = set(
            Payment.objects.filter(member=member, kind=PaymentKind.DUES).values_list(
                "period", flat=True
            )
        )
        Payment.objects.create(
            member=member,
            kind=PaymentKind.DUES,
            amount_ore=row.amount_ore,
            period=_allocate(paid, queries.window(timezone.localdate()), row.paid_on),
            paid_on=row.paid_on,
            kid=row.kid,
            source=PaymentSource.OCR,
            reference=row.reference,
            batch=row.batch,
        )
        row.member = member
    elif resolution not in ("refunded", "ignored"):
        raise ValidationError({"resolution": _("Velg en gyldig løsning.")})
    row.status = ResolutionStatus.RESOLVED
    row.resolution = resolution
    row.note = note[:200]
    row.resolved_by = by
    row.resolved_at = timezone.now()
    row.save()
    return row


# --- AvtaleGiro claims -------------------------------------------------------------------


@transaction.atomic
def avtalegiro_claims(*, period: dt.date) -> AvtaleGiroClaimRun:
    """The claims transmission for `period` (first of a month) for every active member
    with an AvtaleGiro mandate, due on the set day. Made once: a second call returns
    the same run."""
    period = queries.month_start(period)
    existing = AvtaleGiroClaimRun.objects.filter(period=period).first()
    if existing:
        return existing
    due_on = period.replace(day=conf.avtalegiro_due_day())
    rates = {r.membership_type: r for r in DuesRate.objects.filter(year=period.year)}
    claims = []
    accounts = (
        DuesAccount.objects.filter(
            avtalegiro_active=True,
            payment_method=PaymentMethod.AVTALEGIRO,
            member__status=MemberStatus.ACTIVE,
        )
        .select_related("member")
        .order_by("member__member_number")
    )
    for account in accounts:
        member = account.member
        rate = rates.get(member.membership_type)
        if rate is None or member.joined_union_on > queries.month_end(period):
            continue
        amount = rate.expected_monthly_ore(
            account.gross_monthly_ore, insurance_reserved=account.insurance_reserved
        )
        if amount > 0:
            claims.append(
                avtalegiro.Claim(
                    kid=member.kid,
                    amount_ore=amount,
                    notify=account.avtalegiro_notify,
                    reference=f"Kontingent {period:%m.%Y}",
                )
            )
    number = AvtaleGiroClaimRun.objects.count() + 1
    ids = conf.nets_ids()
    content = (
        avtalegiro.build_claims(claims=claims, due_on=due_on, number=number, **ids)
        if claims
        else ""
    )
    return AvtaleGiroClaimRun.objects.create(
        period=period,
        due_on=due_on,
        transmission=f"{number:07d}",
        claims=len(claims),
        total_ore=sum(c.amount_ore for c in claims),
        content=content,
    )


# --- reminders and strike-off ----------------------------------------------------------


def send_reminders(*, today: dt.date) -> int:
    """Remind members with `strike_off_months` or more unpaid months who have not been
    reminded since they fell behind; clear the reminder of those who have paid up.
    Returns the number of reminders sent."""
    threshold = conf.strike_off_months()
    behind = queries.arrears_list(today=today, minimum=threshold)
    behind_ids = set(behind.values_list("id", flat=True))
    DuesAccount.objects.filter(reminded_on__isnull=False).exclude(member_id__in=behind_ids).update(
        reminded_on=None
    )
    reminded = set(
        DuesAccount.objects.filter(member_id__in=behind_ids, reminded_on__isnull=False).values_list(
            "member_id", flat=True
        )
    )
    sent = 0
    for member in behind.exclude(id__in=reminded).select_related(None):
        with transaction.atomic():
            account, _created = DuesAccount.objects.get_or_create(member=member)
            account.reminded_on = today
            account.save(update_fields=["reminded_on", "updated_at"])
            if member.email:
                context = {
                    "member": member,
                    "months": member.arrears,
                    "notice_days": conf.notice_days(),
                }
                send_mail(
                    render_to_string("members/dues/email/reminder_subject.txt", context).strip(),
                    render_to_string("members/dues/email/reminder.txt", context),
                    None,
                    [member.email],
                )
        sent += 1
    return sent


def strike_off_candidates(*, today: dt.date) -> list[Member]:
    """Members reminded at least the notice period ago and still `strike_off_months`
    behind, except those whose unpaid months wait for a deduction list from their
    employer. Each gets `unpaid` (the months) annotated."""
    reminded_before = today - dt.timedelta(days=conf.notice_days())
    members = (
        queries.arrears_list(today=today, minimum=conf.strike_off_months())
        .filter(dues_account__reminded_on__lte=reminded_before)
        .select_related("branch")
    )
    result = []
    for member in members:
        unpaid = queries.unpaid_periods(member, today=today)
        if queries.lists_missing_for(member, unpaid):
            continue
        member.unpaid = unpaid
        result.append(member)
    return result


def strike_off(*, member_ids: list[int], by, today: dt.date) -> list[Member]:
    """Strike off the chosen members who are (still) candidates, through the resign
    service (status struck off, reason "struck off for non-payment")."""
    allowed = {m.id: m for m in strike_off_candidates(today=today)}
    struck = []
    for member_id in member_ids:
        member = allowed.get(member_id)
        if member is None:
            continue
        member = Member.objects.get(pk=member_id)
        member_services.member_strike_off(member=member, by=by, on=today)
        struck.append(member)
    return struck
