"""Writes a member makes on Min side, and the things around them: activation of a
login, invitations from staff, verified e-mail changes, product orders, the stale-form
check around profile and preference changes, and requests (rectification, resignation,
erasure).

Changes to the member record itself go through `members.services` (history, validation,
partner outbox); this module adds what is particular to self-service. Every function
is keyword-only and atomic; e-mails are sent after commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from config.site import site_url
from members import services
from members.models import (
    Member,
    MemberInvitation,
    MemberStatus,
    Order,
    OrderStatus,
    PendingEmailChange,
    Product,
)

logger = logging.getLogger(__name__)

INVITATION_VALID_FOR = dt.timedelta(days=14)
EMAIL_CHANGE_VALID_FOR = dt.timedelta(days=2)
OPEN_ORDER_STATUSES = (OrderStatus.PENDING, OrderStatus.CONFIRMED)

STALE_MESSAGE = _(
    "Opplysningene dine ble endret et annet sted (for eksempel i en annen fane) etter at "
    "du åpnet skjemaet. Ingenting er lagret. Se over de oppdaterte opplysningene og prøv "
    "igjen."
)
IDENTITY_MESSAGE = _(
    "Vi kunne ikke bekrefte medlemskapet med disse opplysningene. Sjekk medlemsnummeret "
    "og fødselsnummeret. Har du allerede en innlogging, kan du logge inn eller be om nytt "
    "passord. Får du det ikke til, kontakt forbundet."
)


class StaleFormError(ValidationError):
    """The member changed after the form was rendered; nothing was saved."""

    def __init__(self):
        super().__init__(STALE_MESSAGE, code="stale")


def _token() -> tuple[str, str]:
    """Return a new random URL token and the sha256 we store instead of it."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def absolute_url(path: str, request=None) -> str:
    """Return an absolute URL for links in e-mails."""
    if request is None:
        from allauth.core import context

        request = context.request
    if request is not None:
        return request.build_absolute_uri(path)
    return site_url(path)


def mail_member(*, to: str, template: str, context: dict[str, Any]) -> None:
    """Send a bokmål e-mail after the transaction commits (never for a rollback)."""
    if not to:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(
            render_to_string(f"members/email/{template}_subject.txt", context).split()
        )
        body = render_to_string(f"members/email/{template}.txt", context)

    def send() -> None:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
        except Exception:
            # The address is personal data: log only which mail failed.
            logger.exception("Could not send the %s e-mail", template)

    transaction.on_commit(send)


def version_of(member: Member) -> str:
    """The token a form carries to detect that the member changed since it was shown."""
    return member.updated_at.isoformat() if member.updated_at else ""


def _lock_fresh(member: Member, expected_version: str | None) -> Member:
    """Lock the member row and check it is unchanged since the form was rendered.
    Returns the locked, fresh member (the caller's object may be stale)."""
    fresh = Member.objects.select_for_update().get(pk=member.pk)
    if expected_version is not None and version_of(fresh) != expected_version:
        raise StaleFormError()
    return fresh


# --- Activation ------------------------------------------------------------------


# --- Invitations -----------------------------------------------------------------

INVITATION_INVALID_MESSAGE = _(
    "Lenken er ugyldig, utløpt eller allerede brukt. Be forbundet om en ny invitasjon, "
    "eller aktiver med medlemsnummer og fødselsnummer."
)


@transaction.atomic
def invitation_create(*, member: Member, by, request=None) -> str:
    """Create a single-use invitation (valid 14 days), e-mail it to the member and
    return the link. Only the token's sha256 is stored. Earlier unused invitations for
    the member stop working."""
    if member.user_id is not None:
        raise ValidationError(_("Medlemmet har allerede en innlogging."), code="has_login")
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError(_("Bare aktive medlemmer kan inviteres."), code="not_active")
    now = timezone.now()
    MemberInvitation.objects.filter(member=member, used_at__isnull=True).update(expires_at=now)
    token, digest = _token()
    invitation = MemberInvitation(
        member=member,
        token_hash=digest,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        expires_at=now + INVITATION_VALID_FOR,
    )
    invitation.full_clean()
    invitation.save()
    url = absolute_url(reverse("minside:invitation", args=[token]), request)
    mail_member(
        to=member.email,
        template="invitation",
        context={"member": member, "url": url, "expires_at": invitation.expires_at},
    )
    return url


def invitation_lookup(token: str | None = None, *, pk: int | None = None):
    """Return the unused, unexpired invitation for the token (or id) whose member is
    active and has no login yet, or None."""
    if not token and not pk:
        return None
    lookup = {"token_hash": token_hash(token)} if token else {"pk": pk}
    return (
        MemberInvitation.objects.select_related("member")
        .filter(
            **lookup,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            member__status=MemberStatus.ACTIVE,
            member__user__isnull=True,
        )
        .first()
    )


# --- Profile and preferences -----------------------------------------------------


@transaction.atomic
def profile_update(
    *, member: Member, by, data: dict[str, Any], expected_version: str | None, request=None
) -> tuple[Member, PendingEmailChange | None]:
    """Save address and phone through the register's service; a new e-mail address is
    only stored once verified (a link is sent to it). Raises StaleFormError or
    ValidationError and saves nothing on either. Returns the member and the pending
    e-mail change, if one was started."""
    fresh = _lock_fresh(member, expected_version)
    data = dict(data)
    new_email = (data.pop("email", None) or "").strip().lower()
    services.member_update_profile(member=fresh, by=by, data=data)
    pending = None
    if new_email and new_email != (fresh.email or "").lower():
        pending = email_change_request(member=fresh, new_email=new_email, request=request)
    return fresh, pending


@transaction.atomic
def preferences_update(
    *, member: Member, by, expected_version: str | None, **choices: Any
) -> Member:
    """Set the communication choices (see `services.member_set_preferences`) unless the
    member changed since the form was shown. Returns the member."""
    fresh = _lock_fresh(member, expected_version)
    return services.member_set_preferences(member=fresh, by=by, **choices)


# --- E-mail change ---------------------------------------------------------------


@transaction.atomic
def email_change_request(*, member: Member, new_email: str, request=None) -> PendingEmailChange:
    """Start a change of the member's e-mail: a link goes to the new address, and the
    old address is told. Earlier pending changes stop working. Returns the change."""
    now = timezone.now()
    PendingEmailChange.objects.filter(member=member, confirmed_at__isnull=True).update(
        expires_at=now
    )
    token, digest = _token()
    change = PendingEmailChange(
        member=member,
        new_email=new_email,
        token_hash=digest,
        expires_at=now + EMAIL_CHANGE_VALID_FOR,
    )
    change.full_clean()
    change.save()
    url = absolute_url(reverse("minside:email_confirm", args=[token]), request)
    context = {
        "member": member,
        "url": url,
        "new_email": new_email,
        "expires_at": change.expires_at,
    }
    mail_member(to=new_email, template="email_change", context=context)
    mail_member(to=member.email, template="email_change_notice", context=context)
    return change


@transaction.atomic
def email_change_confirm(*, member: Member, token: str, by) -> Member:
    """Apply the pending change the token belongs to (only the member's own, once, in
    time). Raises ValidationError otherwise. Returns the member."""
    change = (
        PendingEmailChange.objects.select_for_update()
        .filter(
            member=member,
            token_hash=token_hash(token),
            confirmed_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
    if change is None:
        raise ValidationError(
            _("Lenken er ugyldig, utløpt eller allerede brukt. Endre e-postadressen på nytt."),
            code="invalid_link",
        )
    change.confirmed_at = timezone.now()
    change.save(update_fields=["confirmed_at"])
    fresh = Member.objects.select_for_update().get(pk=member.pk)
    updated = services.member_update_profile(member=fresh, by=by, data={"email": change.new_email})
    _login_email_follow(user=fresh.user, email=change.new_email)
    return updated


def _login_email_follow(*, user, email: str) -> None:
    """Make the confirmed address the login's address too, so the member has one
    address (the link proved it belongs to them). Skipped when another login already
    uses it; the account page then shows both addresses and says which is which."""
    from allauth.account.models import EmailAddress

    if user is None:
        return
    if EmailAddress.objects.filter(email__iexact=email).exclude(user=user).exists():
        return
    address, _created = EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True}
    )
    if not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])
    address.set_as_primary()
    EmailAddress.objects.filter(user=user).exclude(pk=address.pk).delete()


# --- Orders ----------------------------------------------------------------------

DOUBLE_ORDER_MESSAGE = _("Du har allerede en åpen bestilling av dette produktet.")


def _queue_order(order: Order, event: str) -> None:
    from privacy.outbox import queue_order_event

    queue_order_event(order=order, event=event)


@transaction.atomic
def order_create(*, member: Member, product: Product, by) -> Order:
    """Order a product for the member and queue it for the product's partner.
    Raises ValidationError for a second open order of the same product (also when two
    submits race: the database constraint decides). Returns the order."""
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError(_("Bare aktive medlemmer kan bestille."), code="not_active")
    if not product.active:
        raise ValidationError(_("Produktet kan ikke bestilles nå."), code="inactive")
    if Order.objects.filter(
        member=member, product=product, status__in=OPEN_ORDER_STATUSES
    ).exists():
        raise ValidationError(DOUBLE_ORDER_MESSAGE, code="double_order")
    order = Order(member=member, product=product, status=OrderStatus.PENDING)
    order._history_user = by if getattr(by, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError:
        raise ValidationError(DOUBLE_ORDER_MESSAGE, code="double_order") from None
    _queue_order(order, "created")
    mail_member(
        to=member.email, template="order_received", context={"member": member, "order": order}
    )
    return order


@transaction.atomic
def order_cancel(*, order: Order, by) -> Order:
    """Cancel a pending order (the partner is told). Raises ValidationError when the
    partner has already handled it. Returns the order."""
    locked = (
        Order.objects.select_for_update()
        .select_related("product__partner", "member")
        .get(pk=order.pk)
    )
    if locked.status != OrderStatus.PENDING:
        raise ValidationError(
            _("Bestillingen er allerede behandlet og kan ikke kanselleres her."),
            code="not_pending",
        )
    locked.status = OrderStatus.CANCELLED
    locked._history_user = by if getattr(by, "is_authenticated", False) else None
    locked.save(update_fields=["status", "updated_at"])
    _queue_order(locked, "updated")
    return locked


# --- Requests --------------------------------------------------------------------


def _request_create(**kwargs):
    from privacy.services import request_create

    return request_create(channel="min_side", **kwargs)


def open_request_exists(member: Member, kind: str) -> bool:
    from privacy.models import DataSubjectRequest, RequestStatus

    return DataSubjectRequest.objects.filter(
        member=member,
        kind=kind,
        status__in=(RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS, RequestStatus.APPROVED),
    ).exists()


@transaction.atomic
def rectification_request(*, member: Member, by, fields: list[str], details: str):
    """Ask staff to correct read-only data (name, national id). Returns the request."""
    if not details.strip():
        raise ValidationError({"details": _("Skriv hva som er feil og hva som er riktig.")})
    return _request_create(
        member=member,
        kind="rectification",
        details=details.strip(),
        payload={"fields": list(fields)},
        by=by,
    )


@transaction.atomic
def erasure_request(*, member: Member, by, details: str = ""):
    """Ask to be erased before the three years after resignation are up (only for
    former members). Returns the request."""
    if member.status == MemberStatus.ACTIVE:
        raise ValidationError(
            _("Du må være utmeldt før du kan be om sletting."), code="still_active"
        )
    if open_request_exists(member, "erasure"):
        raise ValidationError(
            _("Du har allerede bedt om sletting. Vi behandler henvendelsen."), code="duplicate"
        )
    return _request_create(member=member, kind="erasure", details=details.strip(), by=by)
