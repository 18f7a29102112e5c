"""What the statistics may cover and how they are narrowed: the scope of a user, the
filters of a page, the suppression of small counts and the shared date helpers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.db.models import (
    Case,
    CharField,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clubs.models import Branch, PositionTitle
from clubs.permissions import scope_for

PERIOD_CHOICES = (12, 24, 36, 60)
DEFAULT_MONTHS = 24
# Breakdowns at club level and below show counts under this as "<5", so that no
# single member can be singled out.
SUPPRESS_BELOW = 5
SUPPRESSED = "<5"
ARREARS_MONTHS = 3
TOP_RECRUITERS = 10
# Dues snapshots older than this are frozen: after an erasure they keep the member's
# branch and type, which a recomputation could no longer know.
DUES_REFRESH_MONTHS = 12
# Members resigned more than three years ago are erased (privacy.erasure.RETENTION).
RETENTION = relativedelta(years=3)

# (lowest age, first age above the band, label); ages on the day the dashboard is shown.
AGE_BANDS = (
    (0, 25, _("Under 25")),
    (25, 35, _("25–34")),
    (35, 45, _("35–44")),
    (45, 55, _("45–54")),
    (55, 67, _("55–66")),
    (67, 200, _("67 og eldre")),
)
# Titles every club is expected to have filled; a club without one is a vacancy.
REQUIRED_CLUB_TITLES = (
    PositionTitle.KLUBBLEDER,
    PositionTitle.NESTLEDER,
    PositionTitle.KASSERER,
    PositionTitle.VERNEOMBUD,
)


def suppress(count: int) -> int | str:
    """Return `count`, or "<5" when it is 1–4 (zero singles out nobody)."""
    return SUPPRESSED if 0 < count < SUPPRESS_BELOW else count


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    return day + relativedelta(months=months)


@dataclass(frozen=True)
class StatsScope:
    """Whose statistics a user may see: the whole union, or some branches."""

    central: bool
    branch_ids: frozenset[int] = field(default_factory=frozenset)


def stats_scope(user) -> StatsScope | None:
    """Return the user's statistics scope, or None when they may not see statistics.
    Central staff see the union, branch officers their branches; club officers and
    members see none (a club is too small for statistics that do not single out)."""
    scope = scope_for(user)
    if scope.central:
        return StatsScope(central=True)
    if scope.branch_ids:
        return StatsScope(central=False, branch_ids=scope.branch_ids)
    return None


@dataclass(frozen=True)
class Filters:
    branch_id: int | None = None
    membership_type: str = ""
    months: int = DEFAULT_MONTHS
    today: dt.date = field(default_factory=timezone.localdate)

    @property
    def end(self) -> dt.date:
        """The first day of the current month: the last month shown."""
        return month_start(self.today)

    @property
    def start(self) -> dt.date:
        return add_months(self.end, -(self.months - 1))

    @property
    def months_list(self) -> list[dt.date]:
        return [add_months(self.start, i) for i in range(self.months)]

    @property
    def history_before(self) -> dt.date:
        """Months before this may have lost members to the three-year erasure: their
        figures come from snapshots where there are any."""
        cutoff = self.today - RETENTION
        return add_months(month_start(cutoff), 1)

    def as_query(self) -> dict[str, str]:
        query = {"months": str(self.months)}
        if self.branch_id:
            query["branch"] = str(self.branch_id)
        if self.membership_type:
            query["type"] = self.membership_type
        return query


def age_band_expression(today: dt.date) -> Case:
    """An SQL CASE giving each member's age band from the birth date."""
    # Youngest band first: the first WHEN that matches wins, so one comparison each.
    # Age < high  <=>  born after today minus `high` years.
    whens = [
        When(birth_date__gt=today - relativedelta(years=high), then=Value(str(low)))
        for low, high, _label in AGE_BANDS[:-1]
    ]
    return Case(*whens, default=Value(str(AGE_BANDS[-1][0])), output_field=CharField())


def allowed_branches(scope: StatsScope) -> dict[int, Branch]:
    """The branches a user may choose and see, by id (one query)."""
    branches = Branch.objects.order_by("number")
    if not scope.central:
        branches = branches.filter(pk__in=scope.branch_ids)
    return {branch.pk: branch for branch in branches}
