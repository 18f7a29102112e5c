"""Read-only questions about dues: what a member owes month by month, who is in arrears
(counted in the database, so a branch's list is one query), and whose strike-off must
wait for a missing deduction list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import reduce
from operator import add

from django.db.models import Case, F, IntegerField, Sum, Value, When
from django.db.models.expressions import RawSQL

from members.choices import MemberStatus
from members.models import DuesRate, Member, Payment, PaymentKind

from . import conf
from .models import DuesAccount, DuesImport, ImportKind, ImportStatus, PaymentMethod


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    return add_months(day, 1) - dt.timedelta(days=1)


def window(today: dt.date, months: int | None = None) -> list[dt.date]:
    """The last `months` complete months before `today`'s month, oldest first."""
    months = months or conf.arrears_window_months()
    current = month_start(today)
    return [add_months(current, -i) for i in range(months, 0, -1)]


def free_types(year: int) -> list[str]:
    return [
        rate.membership_type
        for rate in DuesRate.objects.filter(year=year, flat_monthly_ore=0, legal_aid_ore=0)
    ]


# Months in [start, end] the member has paid for (net of reversals) or is excused from.
_COVERED_SQL = """
SELECT COUNT(*) FROM (
    SELECT p.period FROM members_payment p
    WHERE p.member_id = members_member.id AND p.kind = 'dues'
      AND p.period >= %s AND p.period <= %s
    GROUP BY p.period HAVING SUM(p.amount_ore) > 0
    UNION
    SELECT e.period FROM members_duesexemption e
    WHERE e.member_id = members_member.id AND e.period >= %s AND e.period <= %s
) covered
"""


def with_arrears(queryset, *, today: dt.date, months: int | None = None):
    """Annotate `months_due`, `months_covered` and `arrears` (months unpaid) over the
    window of complete months before `today`. A month is due when the member had joined
    by its last day; free membership types owe nothing."""
    months_list = window(today, months)
    start, end = months_list[0], months_list[-1]
    due = reduce(
        add,
        [
            Case(
                When(joined_union_on__lte=month_end(m), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
            for m in months_list
        ],
    )
    # Fixed SQL with bound parameters only: nothing from a request reaches it.
    covered = RawSQL(_COVERED_SQL, [start, end, start, end], output_field=IntegerField())  # noqa: S611
    return (
        queryset.exclude(membership_type__in=free_types(end.year))
        .annotate(months_due=due, months_covered=covered)
        .annotate(arrears=F("months_due") - F("months_covered"))
    )


def arrears_list(*, today: dt.date, branch_id: int | None = None, minimum: int = 1):
    """Active members with at least `minimum` unpaid months, most months first."""
    members = Member.objects.active()
    if branch_id:
        members = members.filter(branch_id=branch_id)
    return (
        with_arrears(members, today=today)
        .filter(arrears__gte=minimum)
        .order_by("-arrears", "last_name", "first_name", "member_number")
    )


def unpaid_periods(member: Member, *, today: dt.date) -> list[dt.date]:
    """The months of the window this member has neither paid nor been excused for."""
    months_list = window(today)
    paid = {
        row["period"]
        for row in Payment.objects.filter(
            member=member,
            kind=PaymentKind.DUES,
            period__gte=months_list[0],
            period__lte=months_list[-1],
        )
        .values("period")
        .annotate(total=Sum("amount_ore"))
        .filter(total__gt=0)
    }
    excused = set(member.dues_exemptions.values_list("period", flat=True))
    return [
        m
        for m in months_list
        if month_end(m) >= member.joined_union_on and m not in paid and m not in excused
    ]


def lists_missing_for(member: Member, periods: list[dt.date]) -> list[dt.date]:
    """For a member paying by payroll deduction: the periods whose list from the
    member's employer has not come in yet (nobody is struck off for those)."""
    account = DuesAccount.objects.filter(member=member).first()
    if account is None or account.payment_method != PaymentMethod.PAYROLL or not member.employer_id:
        return []
    received = set(
        DuesImport.objects.filter(
            kind=ImportKind.PAYROLL,
            status=ImportStatus.ACTIVE,
            employer_id=member.employer_id,
            period__in=periods,
        ).values_list("period", flat=True)
    )
    return [p for p in periods if p not in received]


# --- one member's account ----------------------------------------------------------


@dataclass
class MonthLine:
    period: dt.date
    expected_ore: int
    paid_ore: int
    excused: bool

    @property
    def balance_ore(self) -> int:
        return self.paid_ore - (0 if self.excused else self.expected_ore)


@dataclass
class Account:
    method: str
    method_label: str
    months: list[MonthLine]
    next_due_on: dt.date | None
    next_due_ore: int | None
    arrears_months: int

    @property
    def expected_ore(self) -> int:
        return sum(0 if m.excused else m.expected_ore for m in self.months)

    @property
    def paid_ore(self) -> int:
        return sum(m.paid_ore for m in self.months)

    @property
    def balance_ore(self) -> int:
        return self.paid_ore - self.expected_ore

    @property
    def owed_ore(self) -> int:
        return max(0, -self.balance_ore)


def expected_for(member: Member, period: dt.date, account: DuesAccount | None, rates=None) -> int:
    """What the member owes for one month (0 before joining, after leaving, or with no
    rate for that year)."""
    if member.joined_union_on > month_end(period):
        return 0
    if member.resigned_on and member.resigned_on < period:
        return 0
    if rates is None:
        rate = DuesRate.objects.filter(
            year=period.year, membership_type=member.membership_type
        ).first()
    else:
        rate = rates.get((period.year, member.membership_type))
    if rate is None:
        return 0
    gross = account.gross_monthly_ore if account else None
    reserved = account.insurance_reserved if account else False
    return rate.expected_monthly_ore(gross, insurance_reserved=reserved)


def member_account(member: Member, *, today: dt.date, year: int | None = None) -> Account:
    """The member's months of `year` (default: this year) up to this month: expected,
    paid, excused; the balance; the next due date and amount. Four queries."""
    year = year or today.year
    account = DuesAccount.objects.filter(member=member).first()
    rates = {
        (r.year, r.membership_type): r
        for r in DuesRate.objects.filter(
            year__in=[year, today.year, today.year + 1], membership_type=member.membership_type
        )
    }
    last = month_start(today) if year == today.year else dt.date(year, 12, 1)
    months_window = window(today)
    first = min(dt.date(year, 1, 1), months_window[0])
    paid = dict(
        Payment.objects.filter(
            member=member,
            kind=PaymentKind.DUES,
            period__gte=first,
            period__lte=max(last, months_window[-1]),
        )
        .values_list("period")
        .annotate(total=Sum("amount_ore"))
        .values_list("period", "total")
    )
    excused = set(member.dues_exemptions.filter(period__gte=first).values_list("period", flat=True))
    months = []
    period = dt.date(year, 1, 1)
    while period <= last:
        months.append(
            MonthLine(
                period=period,
                expected_ore=expected_for(member, period, account, rates),
                paid_ore=paid.get(period, 0),
                excused=period in excused,
            )
        )
        period = add_months(period, 1)
    unpaid = [
        m
        for m in months_window
        if month_end(m) >= member.joined_union_on and paid.get(m, 0) <= 0 and m not in excused
    ]
    method = account.payment_method if account else PaymentMethod.INVOICE
    next_due_on, next_due_ore = _next_due(member, account, method, today, rates)
    return Account(
        method=method,
        method_label=PaymentMethod(method).label,
        months=months,
        next_due_on=next_due_on,
        next_due_ore=next_due_ore,
        arrears_months=len(unpaid) if member.status == MemberStatus.ACTIVE else 0,
    )


def _next_due(member, account, method, today, rates) -> tuple[dt.date | None, int | None]:
    if member.status != MemberStatus.ACTIVE:
        return None, None
    if method == PaymentMethod.PAYROLL:
        # Deducted by the employer on the next payday: no date of ours to show.
        return None, expected_for(member, add_months(today, 1), account, rates)
    if method == PaymentMethod.AVTALEGIRO:
        due = today.replace(day=conf.avtalegiro_due_day())
        if due <= today:
            due = add_months(today, 1).replace(day=conf.avtalegiro_due_day())
        return due, expected_for(member, month_start(due), account, rates)
    # Invoices go out quarterly and fall due on the 20th of the quarter's first month.
    quarter = add_months(dt.date(today.year, 1, 1), ((today.month - 1) // 3 + 1) * 3)
    due = quarter.replace(day=20)
    amount = sum(expected_for(member, add_months(quarter, i), account, rates) for i in range(3))
    return due, amount
