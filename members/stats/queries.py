"""Read-only aggregates for the statistics dashboard (/statistikk/).

Every member-based figure starts from `Member.objects.visible_to(user)`, narrowed to the
branches the user may see statistics for. Each aggregate is ONE SQL query with GROUP BY
(no query per month or per row), so the dashboard costs the same number of queries for
12 months as for 60. Two kinds of figures come from the nightly snapshot tables instead
of live rows, and say so on the page:

- dues paid per month before the current month (`DuesSnapshot`): adding up millions of
  payments on every page view is what makes other dashboards slow;
- arrears (`MembershipSnapshot.arrears`) and history for months whose data the three-year
  erasure may already have removed (`MembershipSnapshot`, when snapshots exist).

Those tables are filled by the nightly job in `snapshots.py`; who may see what and the
page's filters are in `filters.py`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import cached_property

from django.db.models import (
    Count,
    DateField,
    Exists,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from clubs.models import Branch, Club, Position, PositionTitle
from members.models import (
    DuesRate,
    DuesSnapshot,
    Member,
    MembershipSnapshot,
    MembershipType,
    MemberStatus,
    Payment,
    PaymentKind,
    ResignationReason,
)

from .filters import (
    AGE_BANDS,
    REQUIRED_CLUB_TITLES,
    TOP_RECRUITERS,
    Filters,
    StatsScope,
    add_months,
    age_band_expression,
    allowed_branches,
    month_start,
    suppress,
)


class Dashboard:
    """All figures of the dashboard for one user and one set of filters. Every
    aggregate is a cached property that runs exactly one query the first time it is
    read, so a page or a CSV download runs only what it shows."""

    def __init__(self, user, scope: StatsScope, filters: Filters, *, branches=None):
        self.user = user
        self.scope = scope
        self.filters = filters
        if branches is not None:
            self.branches = branches

    # --- the gate ---------------------------------------------------------------
    @cached_property
    def visible(self):
        """The members this user may see statistics for, before filters."""
        members = Member.objects.visible_to(self.user)
        if not self.scope.central:
            members = members.filter(branch_id__in=self.scope.branch_ids)
        return members

    @cached_property
    def organisation(self):
        """Members for organisation figures (clubs, positions): branch filter only."""
        members = self.visible
        if self.filters.branch_id:
            members = members.filter(branch_id=self.filters.branch_id)
        return members

    @cached_property
    def members(self):
        """Members after all filters: where every member aggregate starts."""
        members = self.organisation
        if self.filters.membership_type:
            members = members.filter(membership_type=self.filters.membership_type)
        return members

    def _snapshot_scope(self, queryset, *, type_field: str = "membership_type"):
        """Narrow a snapshot queryset (no members in it) to the same branches/type."""
        if self.filters.branch_id:
            queryset = queryset.filter(branch_id=self.filters.branch_id)
        elif not self.scope.central:
            queryset = queryset.filter(branch_id__in=self.scope.branch_ids)
        if self.filters.membership_type:
            queryset = queryset.filter(**{type_field: self.filters.membership_type})
        return queryset

    # --- queries ------------------------------------------------------------------
    @cached_property
    def branches(self) -> dict[int, Branch]:
        return allowed_branches(self.scope)

    @cached_property
    def composition(self) -> list[dict]:
        """Members by status × type × branch × age band (one GROUP BY)."""
        return list(
            self.members.annotate(age_band=age_band_expression(self.filters.today))
            .values("status", "membership_type", "branch_id", "age_band")
            .annotate(n=Count("*"))
            .order_by()
        )

    @cached_property
    def clubs(self) -> dict[int | None, int]:
        """Active members per club id (one GROUP BY on the club/status index; the
        names come from `club_rows`)."""
        rows = (
            self.members.filter(status=MemberStatus.ACTIVE)
            .values("club_id")
            .annotate(n=Count("*"))
            .order_by()
        )
        return {row["club_id"]: row["n"] for row in rows}

    @cached_property
    def joins(self) -> list[dict]:
        """Joins per month and type, with how many were recruited (one GROUP BY)."""
        f = self.filters
        return list(
            self.members.filter(
                joined_union_on__gte=f.start, joined_union_on__lt=add_months(f.end, 1)
            )
            .annotate(month=TruncMonth("joined_union_on", output_field=DateField()))
            .values("month", "membership_type")
            .annotate(n=Count("*"), recruited=Count("id", filter=Q(recruited_by__isnull=False)))
            .order_by()
        )

    @cached_property
    def resignations(self) -> list[dict]:
        """Resignations per month, type and reason (one GROUP BY)."""
        f = self.filters
        return list(
            self.members.filter(resigned_on__gte=f.start, resigned_on__lt=add_months(f.end, 1))
            .annotate(month=TruncMonth("resigned_on", output_field=DateField()))
            .values("month", "membership_type", "resignation_reason")
            .annotate(n=Count("*"))
            .order_by()
        )

    @cached_property
    def recruiters(self) -> list[dict]:
        """The members who recruited most in the period (one GROUP BY). `named` says
        whether the recruiter is in the user's own statistics scope: only then is the
        name shown."""
        f = self.filters
        named = (
            Value(True)
            if self.scope.central
            else Exists(self.visible.filter(pk=OuterRef("recruited_by_id")))
        )
        return list(
            self.members.filter(
                recruited_by__isnull=False,
                joined_union_on__gte=f.start,
                joined_union_on__lt=add_months(f.end, 1),
            )
            .values("recruited_by_id", "recruited_by__first_name", "recruited_by__last_name")
            .annotate(n=Count("*"), named=named)
            .order_by("-n", "recruited_by__last_name", "recruited_by_id")[:TOP_RECRUITERS]
        )

    @cached_property
    def dues(self) -> list[dict]:
        """Dues per period month (one query): the current month live from Payment,
        earlier months from the nightly DuesSnapshot."""
        f = self.filters
        live = Payment.objects.filter(
            kind=PaymentKind.DUES, period__gte=f.end, period__lt=add_months(f.end, 1)
        )
        if self.members.query.has_filters():
            # Only payments of members in scope; an unrestricted scope (central staff,
            # no filters) also keeps the payments of erased members.
            live = live.filter(member_id__in=self.members.values("pk"))
        live = (
            live.values("period")
            .annotate(
                paid=Sum("amount_ore"),
                payments=Count("*"),
                computed=Value(None, output_field=DateField()),
            )
            .order_by()
        )
        summed = self._snapshot_scope(
            DuesSnapshot.objects.filter(period__gte=f.start, period__lt=f.end)
        )
        summed = (
            summed.values("period")
            .annotate(paid=Sum("paid_ore"), payments=Sum("payments"), computed=Max("computed_on"))
            .order_by()
        )
        return list(live.union(summed, all=True))

    @cached_property
    def rates(self) -> dict[tuple[int, str], DuesRate]:
        years = {month.year for month in self.filters.months_list}
        return {
            (rate.year, rate.membership_type): rate
            for rate in DuesRate.objects.filter(year__in=years)
        }

    @cached_property
    def arrears_rows(self) -> list[dict]:
        """Arrears per branch from the latest snapshot (one query)."""
        latest = MembershipSnapshot.objects.order_by("-taken_on").values("taken_on")[:1]
        rows = self._snapshot_scope(MembershipSnapshot.objects.filter(taken_on=Subquery(latest)))
        return list(
            rows.values("branch_id")
            .annotate(
                arrears=Sum("arrears"),
                active=Sum("count", filter=Q(status=MemberStatus.ACTIVE)),
                taken_on=Max("taken_on"),
            )
            .order_by()
        )

    @cached_property
    def history_rows(self) -> list[dict]:
        """Month-end snapshots for months the erasure may have thinned (one query)."""
        f = self.filters
        before = min(f.history_before, add_months(f.end, 1))
        last_per_month = (
            MembershipSnapshot.objects.filter(taken_on__gte=f.start, taken_on__lt=before)
            .annotate(month=TruncMonth("taken_on", output_field=DateField()))
            .values("month")
            .annotate(last=Max("taken_on"))
            .values("last")
        )
        rows = self._snapshot_scope(
            MembershipSnapshot.objects.filter(taken_on__in=Subquery(last_per_month))
        )
        return list(
            rows.values("taken_on", "membership_type", "status", "resignation_reason")
            .annotate(
                count=Sum("count"),
                joined=Sum("joined"),
                recruited=Sum("recruited"),
                resigned=Sum("resigned"),
            )
            .order_by()
        )

    @cached_property
    def club_rows(self) -> list[dict]:
        """The clubs with members in scope: name, branch number, and for each title
        whether someone holds it today (one query, one row per club)."""
        today = self.filters.today
        flags = {
            title: Exists(
                Position.objects.current(today).filter(club_id=OuterRef("pk"), title=title)
            )
            for title in PositionTitle.values
        }
        return list(
            Club.objects.filter(Exists(self.organisation.filter(club_id=OuterRef("pk"))))
            .values("pk", "name", "branch__number")
            .annotate(**flags)
            .order_by()
        )

    @property
    def club_coverage(self) -> dict[str, int]:
        coverage = {"total": len(self.club_rows)}
        for title in PositionTitle.values:
            coverage[title] = sum(1 for row in self.club_rows if row[title])
        return coverage

    @cached_property
    def position_holders(self) -> dict[str, int]:
        """Current positions by title, held by members in scope (one GROUP BY)."""
        positions = Position.objects.current(self.filters.today)
        if self.organisation.query.has_filters():
            positions = positions.filter(Exists(self.organisation.filter(pk=OuterRef("member_id"))))
        rows = positions.values("title").annotate(n=Count("*")).order_by()
        return {row["title"]: row["n"] for row in rows}

    # --- figures built from the rows (no queries) -----------------------------------
    def _sum_by(self, key: str, rows=None, *, where=None) -> dict:
        totals: dict = defaultdict(int)
        for row in self.composition if rows is None else rows:
            if where is None or where(row):
                totals[row[key]] += row["n"]
        return totals

    @property
    def by_status(self) -> list[tuple[str, str, int]]:
        totals = self._sum_by("status")
        return [(value, label, totals.get(value, 0)) for value, label in MemberStatus.choices]

    def _active(self, row) -> bool:
        return row["status"] == MemberStatus.ACTIVE

    @property
    def active_total(self) -> int:
        return sum(n for _v, _l, n in self.by_status if _v == MemberStatus.ACTIVE)

    @property
    def by_type(self) -> list[tuple[str, str, int]]:
        totals = self._sum_by("membership_type", where=self._active)
        return [(value, label, totals.get(value, 0)) for value, label in MembershipType.choices]

    @property
    def by_branch(self) -> list[tuple[Branch, int]]:
        totals = self._sum_by("branch_id", where=self._active)
        return [
            (branch, totals[pk])
            for pk, branch in self.branches.items()
            if totals.get(pk) or self.filters.branch_id in (None, pk)
        ]

    @property
    def by_age(self) -> list[tuple[str, int]]:
        totals = self._sum_by("age_band", where=self._active)
        return [(label, totals.get(str(low), 0)) for low, _high, label in AGE_BANDS]

    @property
    def by_club(self) -> list[dict]:
        """Clubs largest first; counts under five suppressed (club level)."""
        counts = self.clubs
        rows = [
            {"club": row["name"], "branch": row["branch__number"], "n": counts[row["pk"]]}
            for row in self.club_rows
            if counts.get(row["pk"])
        ]
        if counts.get(None):
            rows.append({"club": _("Uten klubb"), "branch": "", "n": counts[None]})
        rows.sort(key=lambda r: (-r["n"], str(r["club"])))
        for row in rows:
            row["shown"] = suppress(row["n"])
        return rows

    @cached_property
    def history_months(self) -> dict[dt.date, dict]:
        """Per month before `history_before`: the figures of its last snapshot."""
        months: dict[dt.date, dict] = {}
        for row in self.history_rows:
            month = month_start(row["taken_on"])
            entry = months.setdefault(
                month,
                {
                    "taken_on": row["taken_on"],
                    "joins": 0,
                    "recruited": 0,
                    "reasons": defaultdict(int),
                    "active_by_type": defaultdict(int),
                },
            )
            entry["joins"] += row["joined"]
            entry["recruited"] += row["recruited"]
            if row["resignation_reason"]:
                entry["reasons"][row["resignation_reason"]] += row["resigned"]
            if row["status"] == MemberStatus.ACTIVE:
                entry["active_by_type"][row["membership_type"]] += row["count"]
        return months

    @cached_property
    def movement(self) -> list[dict]:
        """Per month: joins, recruited, resignations by reason, net growth, and active
        members at the month's end. Months before the erasure horizon use their
        snapshot when there is one; the month-end count is otherwise worked backwards
        from today's count and the later joins and resignations."""
        f = self.filters
        joins: dict = defaultdict(lambda: defaultdict(int))
        recruited: dict = defaultdict(int)
        for row in self.joins:
            joins[row["month"]][row["membership_type"]] += row["n"]
            recruited[row["month"]] += row["recruited"]
        leaves: dict = defaultdict(lambda: defaultdict(int))
        reasons: dict = defaultdict(lambda: defaultdict(int))
        for row in self.resignations:
            leaves[row["month"]][row["membership_type"]] += row["n"]
            reasons[row["month"]][row["resignation_reason"] or ResignationReason.RESIGNED] += row[
                "n"
            ]
        active_now = self._sum_by("membership_type", where=self._active)
        types = [value for value, _label in MembershipType.choices]
        running = {t: active_now.get(t, 0) for t in types}
        result = []
        for month in reversed(f.months_list):
            snapshot = self.history_months.get(month)
            entry = {
                "month": month,
                "joins": sum(joins[month].values()),
                "recruited": recruited[month],
                "reasons": dict(reasons[month]),
                "active_by_type": dict(running),
                "source": "live",
            }
            if month < f.history_before:
                if snapshot:
                    entry.update(
                        joins=snapshot["joins"],
                        recruited=snapshot["recruited"],
                        reasons=dict(snapshot["reasons"]),
                        active_by_type={t: snapshot["active_by_type"].get(t, 0) for t in types},
                        source="snapshot",
                    )
                else:
                    entry["source"] = "incomplete"
            entry["resignations"] = sum(entry["reasons"].values())
            entry["net"] = entry["joins"] - entry["resignations"]
            entry["active"] = sum(entry["active_by_type"].values())
            result.append(entry)
            # Step back to the end of the previous month: undo this month's movement.
            for t in types:
                running[t] = running[t] - joins[month].get(t, 0) + leaves[month].get(t, 0)
        result.reverse()
        return result

    @property
    def has_incomplete_history(self) -> bool:
        return any(entry["source"] == "incomplete" for entry in self.movement)

    @property
    def reason_totals(self) -> list[tuple[str, str, int]]:
        totals: dict = defaultdict(int)
        for entry in self.movement:
            for reason, n in entry["reasons"].items():
                totals[reason] += n
        return [(value, label, totals.get(value, 0)) for value, label in ResignationReason.choices]

    @property
    def top_recruiters(self) -> list[dict]:
        """The top recruiters by name; those outside the user's area are not named and
        are folded into one row (how many recruiters, their recruits together), so the
        list never shows rows that differ in nothing."""
        named = [row for row in self.recruiters if row["named"]]
        others = [row for row in self.recruiters if not row["named"]]
        rows = [
            {
                "name": f"{row['recruited_by__first_name']} {row['recruited_by__last_name']}",
                "n": row["n"],
                "shown": suppress(row["n"]),
            }
            for row in named
        ]
        if others:
            total = sum(row["n"] for row in others)
            rows.append(
                {
                    "name": ngettext(
                        "%(count)d verver utenfor ditt område",
                        "%(count)d ververe utenfor ditt område",
                        len(others),
                    )
                    % {"count": len(others)},
                    "n": total,
                    "shown": suppress(total),
                }
            )
        return rows

    def expected_for(self, month: dt.date, active_by_type: dict[str, int]) -> int | None:
        """Expected dues for a month: members of each type × that year's rate. Flat
        rates as they are; percentage rates at their cap (pay is not in the register),
        so for ordinary members this is an upper estimate. None without rates."""
        total = 0
        found = False
        for membership_type, count in active_by_type.items():
            rate = self.rates.get((month.year, membership_type))
            if rate is None:
                continue
            found = True
            total += count * rate.expected_monthly_ore()
        return total if found else None

    @cached_property
    def dues_months(self) -> list[dict]:
        paid = {row["period"]: row for row in self.dues}
        result = []
        for entry in self.movement:
            month = entry["month"]
            row = paid.get(month, {})
            amount = int(row.get("paid") or 0)
            expected = self.expected_for(month, entry["active_by_type"])
            result.append(
                {
                    "month": month,
                    "paid": amount,
                    "payments": int(row.get("payments") or 0),
                    "expected": expected,
                    "share": (amount / expected) if expected else None,
                }
            )
        return result

    @property
    def dues_computed_on(self) -> dt.date | None:
        dates = [row["computed"] for row in self.dues if row.get("computed")]
        return max(dates) if dates else None

    @property
    def arrears(self) -> dict:
        rows = self.arrears_rows
        by_branch = {row["branch_id"]: row for row in rows}
        return {
            "taken_on": max((row["taken_on"] for row in rows), default=None),
            "total": sum(row["arrears"] or 0 for row in rows),
            "active": sum(row["active"] or 0 for row in rows),
            "branches": [
                (
                    branch,
                    by_branch[pk]["arrears"] or 0,
                    by_branch[pk]["active"] or 0,
                )
                for pk, branch in self.branches.items()
                if pk in by_branch
            ],
        }

    @property
    def positions(self) -> list[dict]:
        coverage = self.club_coverage
        holders = self.position_holders
        total = coverage["total"]
        result = []
        for value, label in PositionTitle.choices:
            required = value in REQUIRED_CLUB_TITLES
            result.append(
                {
                    "title": label,
                    "filled": holders.get(value, 0),
                    "clubs_with": coverage[value],
                    "vacant": (total - coverage[value]) if required else None,
                }
            )
        return result

    @property
    def club_total(self) -> int:
        return self.club_coverage["total"]
