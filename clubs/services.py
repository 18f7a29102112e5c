"""Writes to the organisation side that central staff make from the register: access
grants. Keyword-only, atomic, validated with `full_clean()`, with a history row naming
who made the change."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from config.site import site_url

from .models import AccessGrant, AccessLevel, Branch, Club

logger = logging.getLogger(__name__)

ACTIVATION_INVALID_MESSAGE = _(
    "Lenken er ugyldig eller allerede brukt, eller den hører til en annen innlogging. "
    "Be forbundskontoret om en ny."
)


def activation_token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def _send_activation_link(grant: AccessGrant, token: str) -> None:
    """Mail the activation link to the holder's login address, after commit."""
    context = {
        "grant": grant,
        "scope": grant.club or grant.branch or "",
        "url": site_url(reverse("klubb:grant_activate", args=[token])),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("clubs/email/grant_activation_subject.txt").split())
        body = render_to_string("clubs/email/grant_activation.txt", context)
    address = grant.user.email

    def send() -> None:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        except Exception:
            logger.exception("Could not send the activation link of grant %s", grant.pk)

    transaction.on_commit(send)


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
    return the grant. It takes effect when the holder opens the link mailed to them and
    confirms with the second factor (`grant_activate`). Raises ValidationError for a
    scope that does not fit the level."""
    token = secrets.token_urlsafe(32)
    grant = AccessGrant(
        user=user,
        level=level,
        branch=branch,
        club=club,
        valid_from=valid_from or timezone.localdate(),
        valid_to=valid_to,
        note=(note or "").strip(),
        activation_token_hash=activation_token_hash(token),
    )
    _save(grant, by=by, reason="grant_create")
    _send_activation_link(grant, token)
    return grant


@transaction.atomic
def grant_resend_activation(*, grant: AccessGrant, by) -> AccessGrant:
    """A new activation link (the old one stops working). Raises ValidationError for a
    grant already in use."""
    grant = AccessGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.activated_at is not None:
        raise ValidationError(_("Tilgangen er allerede tatt i bruk."), code="active")
    token = secrets.token_urlsafe(32)
    grant.activation_token_hash = activation_token_hash(token)
    _save(grant, by=by, reason="grant_resend_activation")
    _send_activation_link(grant, token)
    return grant


def grants_for_activation(*, token: str, user) -> list[AccessGrant]:
    """The pending grant this link belongs to, if it is `user`'s; else an empty list."""
    if not token:
        return []
    return list(
        AccessGrant.objects.awaiting_activation()
        .filter(activation_token_hash=activation_token_hash(token), user=user)
        .select_related("club", "branch")
    )


@transaction.atomic
def grant_activate(*, token: str, user) -> AccessGrant:
    """Take the grant behind `token` into use. The caller has checked that this session
    passed the second factor. Raises ValidationError for a wrong or used link."""
    grants = grants_for_activation(token=token, user=user)
    if not grants:
        raise ValidationError(ACTIVATION_INVALID_MESSAGE, code="invalid")
    grant = AccessGrant.objects.select_for_update().get(pk=grants[0].pk)
    grant.activated_at = timezone.now()
    grant.activation_token_hash = ""
    _save(grant, by=user, reason="grant_activate")
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
