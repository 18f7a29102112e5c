"""Seeds what hangs off a member: positions, earlier unions, benefits,
reservations and orders."""

from __future__ import annotations

import datetime as dt

from clubs.models import Position
from members.models import (
    BenefitEnrolment,
    BenefitReservation,
    MemberStatus,
    Order,
    PreviousMembership,
)

from .data import BRANCH_TITLES, CLUB_TITLES
from .values import (
    date_between,
)


class RelatedSeeding:
    """Positions, earlier unions, benefits, reservations and orders."""

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
                started = date_between(rng, max(holder["joined_union_on"], start_floor), self.today)
                positions.append(
                    Position(member_id=holder["id"], title=title, club=club, started_on=started)
                )
                # An earlier holder of the same position, for history.
                if rng.random() < 0.3 and len(members) > 1:
                    before = rng.choice(members)
                    begun = date_between(rng, before["joined_union_on"], started)
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
                        started_on=date_between(
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
                from_date = date_between(
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
