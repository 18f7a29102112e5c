"""Invoices with KID for members who pay neither by payroll deduction nor AvtaleGiro:
the period (a quarter by default, `conf.invoice_period_months`), who is invoiced and for
what (a dry run counts it), the run that makes the invoices, and the matching of OCR
payments to open invoices. Sending (e-mail, print PDF) is in `invoice_delivery.py`.

No double billing: members paying by deduction or AvtaleGiro are never invoiced; months
already paid (any source), excused, or on another invoice are left out; an invoice per
member and period is made once (a unique constraint backs this)."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from config.celery import enqueue
from members.models import DuesRate, Member, Payment, PaymentKind

from . import conf, queries
from .models import (
    DuesAccount,
    DuesExemption,
    Invoice,
    InvoiceDelivery,
    InvoiceRun,
    InvoiceStatus,
    PaymentMethod,
)

# --- periods -------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: dt.date  # first day of the first month
    months: int

    @property
    def month_list(self) -> list[dt.date]:
        return [queries.add_months(self.start, i) for i in range(self.months)]

    @property
    def end(self) -> dt.date:
        """The last day of the period."""
        return queries.month_end(queries.add_months(self.start, self.months - 1))

    @property
    def label(self) -> str:
        index = (self.start.month - 1) // self.months + 1
        if self.months == 1:
            return f"{self.start:%Y-%m}"
        if self.months == 3:
            return f"{self.start.year}-Q{index}"
        if self.months == 6:
            return f"{self.start.year}-H{index}"
        return str(self.start.year)

    def next(self) -> Period:
        return Period(queries.add_months(self.start, self.months), self.months)


def period_containing(day: dt.date, months: int | None = None) -> Period:
    months = months or conf.invoice_period_months()
    first_month = (day.month - 1) // months * months + 1
    return Period(dt.date(day.year, first_month, 1), months)


def default_period(today: dt.date) -> Period:
    """Invoices are made ahead: the period after the one `today` is in."""
    return period_containing(today).next()


_PATTERNS = [
    (re.compile(r"^(\d{4})-?Q([1-4])$", re.I), 3),
    (re.compile(r"^(\d{4})-?H([12])$", re.I), 6),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), 1),
    (re.compile(r"^(\d{4})$"), 12),
]


def parse_period(text: str) -> Period:
    """Read "2026-Q2" (quarter), "2026-H1" (half year), "2026-04" (month) or "2026"."""
    value = (text or "").strip()
    for pattern, months in _PATTERNS:
        match = pattern.match(value)
        if not match:
            continue
        year = int(match.group(1))
        index = int(match.group(2)) if months != 12 else 1
        if months == 1 and not 1 <= index <= 12:
            break
        if 2000 <= year <= 2100:
            return Period(dt.date(year, (index - 1) * months + 1, 1), months)
    raise ValidationError(
        _("Ugyldig periode «%(value)s». Skriv for eksempel 2026-Q2.") % {"value": value[:20]},
        code="period",
    )


def period_choices(today: dt.date) -> list[tuple[str, str]]:
    """The current period, the next and the two before, for the staff form."""
    current = period_containing(today)
    periods = [Period(queries.add_months(current.start, -2 * current.months), current.months)]
    periods.append(periods[0].next())
    periods.append(current)
    periods.append(current.next())
    return [(p.label, p.label) for p in reversed(periods)]


def due_date(period: Period, today: dt.date) -> dt.date:
    due = period.start.replace(day=min(conf.invoice_due_day(), 28))
    return max(due, today + dt.timedelta(days=conf.invoice_min_days()))


# --- who is invoiced ---------------------------------------------------------------------


@dataclass
class Draft:
    member: Member
    months: list[tuple[dt.date, int]]
    delivery: str

    @property
    def amount_ore(self) -> int:
        return sum(ore for _month, ore in self.months)


@dataclass
class DryRun:
    period: Period
    due_on: dt.date
    drafts: list[Draft] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.drafts)

    @property
    def total_ore(self) -> int:
        return sum(d.amount_ore for d in self.drafts)

    @property
    def by_email(self) -> int:
        return sum(1 for d in self.drafts if d.delivery == InvoiceDelivery.EMAIL)

    @property
    def by_print(self) -> int:
        return self.count - self.by_email

    @property
    def without_address(self) -> int:
        return sum(
            1
            for d in self.drafts
            if d.delivery == InvoiceDelivery.PRINT
            and not (d.member.street and d.member.postal_code)
        )


def accepts_email(member: Member) -> bool:
    return bool(member.email) and member.allow_email


MEMBER_FIELDS = (
    "id",
    "member_number",
    "first_name",
    "last_name",
    "street",
    "postal_code",
    "city",
    "country",
    "email",
    "allow_email",
    "membership_type",
    "status",
    "joined_union_on",
    "resigned_on",
)


def dry_run(period: Period, *, today: dt.date | None = None) -> DryRun:
    """Who would be invoiced for `period`, for how much, and how; nothing is saved."""
    today = today or timezone.localdate()
    months = period.month_list
    members = (
        Member.objects.active()
        .filter(joined_union_on__lte=period.end)
        .exclude(dues_account__payment_method__in=[PaymentMethod.PAYROLL, PaymentMethod.AVTALEGIRO])
        .exclude(dues_account__avtalegiro_active=True)
        .only(*MEMBER_FIELDS)
        .order_by("member_number")
    )
    rates = {
        (r.year, r.membership_type): r
        for r in DuesRate.objects.filter(year__in={m.year for m in months})
    }
    accounts = {
        a.member_id: a
        for a in DuesAccount.objects.filter(payment_method=PaymentMethod.INVOICE).only(
            "member_id", "gross_monthly_ore", "insurance_reserved"
        )
    }
    covered: dict[int, set[dt.date]] = defaultdict(set)
    for member_id, month in (
        Payment.objects.filter(kind=PaymentKind.DUES, period__in=months, member__isnull=False)
        .values("member_id", "period")
        .annotate(total=Sum("amount_ore"))
        .filter(total__gt=0)
        .values_list("member_id", "period")
    ):
        covered[member_id].add(month)
    for member_id, month in DuesExemption.objects.filter(period__in=months).values_list(
        "member_id", "period"
    ):
        covered[member_id].add(month)
    earliest = queries.add_months(period.start, -11)
    for member_id, invoiced in Invoice.objects.filter(
        period_start__gte=earliest, period_start__lte=months[-1], member__isnull=False
    ).values_list("member_id", "months"):
        covered[member_id].update(dt.date.fromisoformat(m) for m, _ore in invoiced)
    result = DryRun(period=period, due_on=due_date(period, today))
    for member in members.iterator(chunk_size=2000):
        account = accounts.get(member.id)
        done = covered.get(member.id, set())
        lines = []
        for month in months:
            if month in done:
                continue
            amount = queries.expected_for(member, month, account, rates)
            if amount > 0:
                lines.append((month, amount))
        if lines:
            delivery = InvoiceDelivery.EMAIL if accepts_email(member) else InvoiceDelivery.PRINT
            result.drafts.append(Draft(member=member, months=lines, delivery=delivery))
    return result


@transaction.atomic
def invoice_run_create(
    *, period: Period, by, today: dt.date | None = None, send: bool = True
) -> InvoiceRun:
    """Make one invoice per member for `period` (see `dry_run`) and, after commit,
    start sending the e-mails (`members.send_invoices`). Members already invoiced for
    the period are left out, so running it again makes only the missing invoices."""
    today = today or timezone.localdate()
    plan = dry_run(period, today=today)
    run = InvoiceRun.objects.create(
        period_start=period.start,
        period_months=period.months,
        label=period.label,
        due_on=plan.due_on,
        invoices=plan.count,
        total_ore=plan.total_ore,
        created_by=by,
    )
    invoices = [
        Invoice(
            run=run,
            member=draft.member,
            period_start=period.start,
            label=period.label,
            months=[[m.isoformat(), ore] for m, ore in draft.months],
            kid=draft.member.kid,
            amount_ore=draft.amount_ore,
            issued_on=today,
            due_on=plan.due_on,
            delivery=draft.delivery,
        )
        for draft in plan.drafts
    ]
    try:
        with transaction.atomic():
            Invoice.objects.bulk_create(invoices, batch_size=2000)
    except IntegrityError:
        raise ValidationError(
            _("Noen av medlemmene er nettopp fakturert for perioden i en annen kjøring."),
            code="duplicate",
        ) from None
    if send and plan.by_email:
        transaction.on_commit(lambda: enqueue("members.send_invoices", kwargs={"run_id": run.pk}))
    return run


# --- payments against invoices -----------------------------------------------------------


class InvoiceMatcher:
    """The open invoices of the members an OCR file pays for. A payment with a member's
    KID pays that member's oldest open invoice; when it pays the whole invoice at once,
    it is split over the invoice's months (so a quarter paid is three months paid)."""

    def __init__(self, member_ids: list[int]):
        self.open: dict[int, list[Invoice]] = defaultdict(list)
        self.changed: dict[int, Invoice] = {}
        unpaid = Invoice.objects.filter(status=InvoiceStatus.UNPAID).order_by("due_on", "id")
        if len(member_ids) <= 5000:
            unpaid = unpaid.filter(member_id__in=member_ids)
        # For a large file, every open invoice is read once rather than through IN lists
        # of thousands of ids (a parameter per id costs more than the rows it saves).
        wanted = set(member_ids)
        for invoice in unpaid:
            if invoice.member_id in wanted:
                self.open[invoice.member_id].append(invoice)

    def pay(self, member_id: int, amount_ore: int, paid_on: dt.date):
        """Credit the payment to the oldest open invoice; return [(month, øre)] when it
        pays the whole invoice at once, else None (the payment is placed as before)."""
        invoices = self.open.get(member_id)
        if not invoices or amount_ore <= 0:
            return None
        invoice = invoices[0]
        whole = invoice.paid_ore == 0 and amount_ore >= invoice.amount_ore
        invoice.paid_ore += amount_ore
        self.changed[invoice.pk] = invoice
        if invoice.paid_ore >= invoice.amount_ore:
            invoice.status = InvoiceStatus.PAID
            invoice.paid_on = paid_on
            invoices.pop(0)
        if not whole or not invoice.months:
            return None
        parts = [[dt.date.fromisoformat(m), ore] for m, ore in invoice.months]
        parts[-1][1] += amount_ore - invoice.amount_ore
        return [(m, ore) for m, ore in parts]

    def save(self) -> int:
        Invoice.objects.bulk_update(
            list(self.changed.values()), ["paid_ore", "status", "paid_on"], batch_size=2000
        )
        return len(self.changed)
