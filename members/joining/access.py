"""Positions carry their access: when a position starts, the title's rule
(`PositionAccessRule`) decides whether its holder gets a club or branch grant, made
through `clubs.services.grant_create` (which mails the holder a link; the grant takes
effect once they confirm it with their second factor). When the position ends, that
grant ends the same day.

Called by `members.services.position_start` / `position_end` inside their transaction;
this module must not import `members.services` (which imports it).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from clubs import services as club_services
from clubs.models import AccessLevel, Position

from .models import PositionAccessRule, PositionGrant


def level_for(position: Position) -> str | None:
    """The access level the position's title gives where it is held, or None."""
    level = AccessLevel.CLUB if position.club_id else AccessLevel.BRANCH
    exists = PositionAccessRule.objects.filter(title=position.title, level=level).exists()
    return level if exists else None


@transaction.atomic
def position_grant_start(*, position: Position, by) -> PositionGrant | None:
    """Give the holder of a current position the grant its title carries (once).
    Nothing for a title without a rule, or a holder without a login yet (the daily
    job catches up once they have one). Returns the link row, or None."""
    if position.ended_on is not None and position.ended_on < timezone.localdate():
        return None
    if PositionGrant.objects.filter(position=position).exists():
        return None
    level = level_for(position)
    user = position.member.user
    if level is None or user is None:
        return None
    grant = club_services.grant_create(
        user=user,
        level=level,
        by=by,
        club=position.club if level == AccessLevel.CLUB else None,
        branch=position.branch if level == AccessLevel.BRANCH else None,
        valid_from=max(position.started_on, timezone.localdate()),
        valid_to=position.ended_on,
        note=f"{position.get_title_display()} (verv)",
    )
    return PositionGrant.objects.create(position=position, grant=grant)


@transaction.atomic
def position_grant_end(*, position: Position, by, on: dt.date) -> None:
    """End the grant the position created, on the position's last day."""
    link = PositionGrant.objects.select_related("grant").filter(position=position).first()
    if link is None:
        return
    grant = link.grant
    if grant.valid_to is not None and grant.valid_to <= on:
        return
    club_services.grant_end(grant=grant, by=by, on=on)


def position_grants_sync(*, by=None, today: dt.date | None = None) -> int:
    """Give grants to holders of current positions who have none yet (they got a
    login after the position started, or a rule was added). Returns how many."""
    today = today or timezone.localdate()
    positions = (
        Position.objects.current(today)
        .filter(access_link__isnull=True, member__user__isnull=False, member__status="active")
        .select_related("member__user", "club", "branch")
    )
    count = 0
    for position in positions:
        if position_grant_start(position=position, by=by) is not None:
            count += 1
    return count
