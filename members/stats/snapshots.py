"""The nightly snapshot job: the derived, person-free tables the dashboard reads for
dues per month, arrears and months that the three-year erasure may already have emptied."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import (
    Count,
    Exists,
    Max,
    OuterRef,
    Q,
    Sum,
)

from members.models import (
    DuesSnapshot,
    Member,
    MembershipSnapshot,
    MemberStatus,
    Payment,
    PaymentKind,
)

from . import cache as stats_cache
from .filters import ARREARS_MONTHS, DUES_REFRESH_MONTHS, add_months, month_start


# --- the nightly snapshot -------------------------------------------------------------
def _arrears_filter(on: dt.date) -> Q:
    recent = Payment.objects.filter(
        member_id=OuterRef("pk"),
        kind=PaymentKind.DUES,
        paid_on__gt=on - relativedelta(months=ARREARS_MONTHS),
        paid_on__lte=on,
    )
    return Q(status=MemberStatus.ACTIVE) & ~Q(Exists(recent))


@transaction.atomic
def take_membership_snapshot(*, on: dt.date) -> int:
    """Write the snapshot of day `on` (replacing any earlier one for that day, so a
    second run changes nothing) and refresh the dues sums. Returns the rows written."""
    first = month_start(on)
    rows = (
        Member.objects.filter(joined_union_on__lte=on)
        .values("branch_id", "membership_type", "status", "resignation_reason")
        .annotate(
            n=Count("*"),
            joined=Count("id", filter=Q(joined_union_on__gte=first)),
            recruited=Count("id", filter=Q(joined_union_on__gte=first, recruited_by__isnull=False)),
            resigned=Count("id", filter=Q(resigned_on__gte=first, resigned_on__lte=on)),
            arrears=Count("id", filter=_arrears_filter(on)),
        )
        .order_by()
    )
    MembershipSnapshot.objects.filter(taken_on=on).delete()
    MembershipSnapshot.objects.bulk_create(
        [
            MembershipSnapshot(
                taken_on=on,
                branch_id=row["branch_id"],
                membership_type=row["membership_type"],
                status=row["status"],
                resignation_reason=row["resignation_reason"] or "",
                count=row["n"],
                joined=row["joined"],
                recruited=row["recruited"],
                resigned=row["resigned"],
                arrears=row["arrears"],
            )
            for row in rows
        ]
    )
    _refresh_dues_snapshot(on)
    # The dashboards cached before this snapshot would mix old and new figures.
    transaction.on_commit(stats_cache.invalidate)
    return len(rows)


def _refresh_dues_snapshot(on: dt.date) -> None:
    """Recompute the dues sums for recent periods (late and payroll payments keep
    arriving) and for every period not summed yet; older sums stay as they are."""
    refresh_from = add_months(month_start(on), -DUES_REFRESH_MONTHS)
    newest_frozen = DuesSnapshot.objects.filter(period__lt=refresh_from).aggregate(
        last=Max("period")
    )["last"]
    payments = Payment.objects.filter(kind=PaymentKind.DUES, period__gte=refresh_from)
    if newest_frozen is None:
        payments = Payment.objects.filter(kind=PaymentKind.DUES)
    sums = (
        payments.values("period", "member__branch_id", "member__membership_type")
        .annotate(paid=Sum("amount_ore"), n=Count("*"))
        .order_by()
    )
    stale = DuesSnapshot.objects.all()
    if newest_frozen is not None:
        stale = stale.filter(period__gte=refresh_from)
    stale.delete()
    DuesSnapshot.objects.bulk_create(
        [
            DuesSnapshot(
                period=row["period"],
                branch_id=row["member__branch_id"],
                membership_type=row["member__membership_type"] or "",
                paid_ore=row["paid"] or 0,
                payments=row["n"],
                computed_on=on,
            )
            for row in sums
        ],
        batch_size=1000,
    )
