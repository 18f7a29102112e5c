"""Writes to the organisation side that central staff make from the register: access
grants. Keyword-only, atomic, validated with `full_clean()`, with a history row naming
who made the change."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AccessGrant, AccessLevel, Branch, Club


def _save(grant: AccessGrant, *, by, reason: str) -> None:
    grant.full_clean()
    grant._history_user = by if getattr(by, "is_authenticated", False) else None
    grant._change_reason = reason
    grant.save()


@transaction.atomic
def grant_create(
    *,
    user,
    level: str | AccessLevel,
    by,
    branch: Branch | None = None,
    club: Club | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    note: str = "",
) -> AccessGrant:
    """Give `user` access at `level` (the branch or club it needs, nothing else) and
    return the grant. Raises ValidationError for a scope that does not fit the level."""
    grant = AccessGrant(
        user=user,
        level=level,
        branch=branch,
        club=club,
        valid_from=valid_from or timezone.localdate(),
        valid_to=valid_to,
        note=(note or "").strip(),
    )
    _save(grant, by=by, reason="grant_create")
    return grant


@transaction.atomic
def grant_end(*, grant: AccessGrant, by, on: dt.date | None = None) -> AccessGrant:
    """End a grant and return it. `on` is the last day with access; the default,
    yesterday, takes access away at once. A grant that has not started by then is
    removed. Raises ValidationError if it has already ended by `on`."""
    on = on or timezone.localdate() - dt.timedelta(days=1)
    grant = AccessGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.valid_to is not None and grant.valid_to <= on:
        raise ValidationError(_("Tilgangen er allerede avsluttet."), code="already_ended")
    if on < grant.valid_from:
        # A grant that has not started yet cannot end before it begins without an
        # invalid date range; it never gave access, so it is removed (history keeps it).
        grant._history_user = by if getattr(by, "is_authenticated", False) else None
        grant._change_reason = "grant_end"
        grant.delete()
        return grant
    grant.valid_to = on
    _save(grant, by=by, reason="grant_end")
    return grant
