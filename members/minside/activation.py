"""Activation of a Min side login: who may claim a membership, how guessing is
stopped, and when the login is linked.

- The member number is ASCII digits only and the throttle counts per resolved member
  (and per IP), so "0100003", full-width or other Unicode digits are one counter.
- A member whose counter is used up is never locked out: a correct identity then needs
  a one-time code sent to the e-mail address on file, and every answer reads the same
  whether the identity was right or not (it also costs the IP the same attempt, so the
  IP limit cannot be used to tell a right identity from a wrong one).
- Failures also count over a long window: a 15-minute window alone would let someone
  try 5 national ids every quarter of an hour, all ~400-1,600 valid ids of a birth date
  within days. Wrong e-mail codes are counted too, and a code dies after a few.
- The login is linked to the member only after its own e-mail address is confirmed
  (`activation_complete`, called by allauth's adapter), and the member is told by
  e-mail, at the address on file, that a login was linked.
"""

from __future__ import annotations

import hmac
import logging
import secrets

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members import services
from members.models import ActivationClaim, Member, MemberInvitation, MemberStatus
from members.validators import normalize_national_id

from .services import (
    IDENTITY_MESSAGE,
    INVITATION_INVALID_MESSAGE,
    absolute_url,
    mail_member,
    token_hash,
)

logger = logging.getLogger(__name__)

ACTIVATION_ATTEMPTS = 5
ACTIVATION_WINDOW_SECONDS = 15 * 60
# Over the long window a member gets a few more failures, then every activation needs
# the e-mailed code until the window ends (which costs the real member nothing).
LONG_ATTEMPTS = 10
LONG_WINDOW_SECONDS = 30 * 24 * 3600
# Wrong codes before the code is void (a new one is mailed on the next right identity).
CODE_ATTEMPTS = 5
# An IP gets more attempts than a member (several members behind one office NAT), but
# a bound all the same.
IP_ATTEMPTS = 10
CODE_VALID_SECONDS = 30 * 60

LOCKED_MESSAGE = _(
    "Av sikkerhetshensyn trenger vi en engangskode. Stemmer opplysningene, har vi sendt "
    "den til e-postadressen som er registrert på medlemskapet ditt. Skriv inn koden og "
    "send skjemaet på nytt. Har vi ingen e-postadresse på deg, kontakt forbundet."
)
THROTTLED_MESSAGE = _(
    "For mange forsøk fra denne maskinen. Vent et kvarter og prøv igjen, eller kontakt "
    "forbundet for å få en invitasjonslenke."
)
MEMBER_NUMBER_MESSAGE = _("Medlemsnummeret består bare av sifrene 0–9.")


def parse_member_number(value: str) -> int | None:
    """The member number as an int, or None unless it is 1–10 ASCII digits (spaces
    allowed). str.isdigit() alone would accept full-width and other scripts' digits."""
    digits = (value or "").replace(" ", "")
    if not digits or len(digits) > 10 or not (digits.isascii() and digits.isdigit()):
        return None
    return int(digits)


def _member_key(number: int, *, window: str = "") -> str:
    """The throttle key of a member number: the member's primary key when it exists,
    so every spelling of the number shares one counter."""
    pk = Member.objects.filter(member_number=number).values_list("pk", flat=True).first()
    key = f"minside:activation:member:{pk}" if pk else f"minside:activation:nr:{number}"
    return f"{key}:{window}" if window else key


def _ip_key(ip: str) -> str:
    return f"minside:activation:ip:{ip}"


def _count(key: str) -> int:
    return cache.get(key) or 0


def _increment(key: str, seconds: int | None = None) -> int:
    """Count one more in the window of `key` (ACTIVATION_WINDOW_SECONDS unless given);
    returns the new count."""
    seconds = seconds or ACTIVATION_WINDOW_SECONDS
    # add() starts a window; incr() keeps its expiry.
    if cache.add(key, 1, seconds):
        return 1
    try:
        return cache.incr(key)
    except ValueError:
        cache.set(key, 1, seconds)
        return 1


def ip_throttled(ip: str) -> bool:
    return _count(_ip_key(ip)) >= IP_ATTEMPTS


def member_locked(number: int) -> bool:
    return (
        _count(_member_key(number)) >= ACTIVATION_ATTEMPTS
        or _count(_member_key(number, window="long")) >= LONG_ATTEMPTS
    )


def record_failure(*, number: int, ip: str) -> None:
    _increment(_ip_key(ip))
    _increment(_member_key(number))
    _increment(_member_key(number, window="long"), LONG_WINDOW_SECONDS)


def find_member(*, number: int, national_id: str) -> Member | None:
    """Return the active member without a login who has this number AND national id,
    or None. Every kind of None gets one message, so nothing tells whether a member
    number exists."""
    return (
        Member.objects.by_national_id(normalize_national_id(national_id))
        .filter(member_number=number, status=MemberStatus.ACTIVE, user__isnull=True)
        .first()
    )


def _code_key(member: Member) -> str:
    return f"minside:activation:code:{member.pk}"


def send_code(member: Member) -> None:
    """Mail a one-time code to the address on file (once per validity window)."""
    if not member.email or cache.get(_code_key(member)):
        return
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(_code_key(member), token_hash(code), CODE_VALID_SECONDS)
    mail_member(to=member.email, template="activation_code", context={"code": code})


def _code_tries_key(member: Member) -> str:
    return f"minside:activation:code-tries:{member.pk}"


def code_matches(member: Member, code: str) -> bool:
    """Whether `code` is the member's current code (used up if so). After
    CODE_ATTEMPTS wrong codes the code is void, so it cannot be guessed."""
    stored = cache.get(_code_key(member))
    if not stored or not code:
        return False
    if hmac.compare_digest(stored, token_hash(code.strip())):
        cache.delete_many([_code_key(member), _code_tries_key(member)])
        return True
    if _increment(_code_tries_key(member), CODE_VALID_SECONDS) >= CODE_ATTEMPTS:
        cache.delete_many([_code_key(member), _code_tries_key(member)])
    return False


@transaction.atomic
def invitation_use(*, invitation: MemberInvitation) -> None:
    """Mark the invitation used; raises ValidationError if it is no longer valid."""
    used = MemberInvitation.objects.filter(
        pk=invitation.pk, used_at__isnull=True, expires_at__gt=timezone.now()
    ).update(used_at=timezone.now())
    if not used:
        raise ValidationError(INVITATION_INVALID_MESSAGE, code="invitation")


@transaction.atomic
def activation_claim(*, member: Member, user, invitation: MemberInvitation | None = None):
    """Record that the new login `user` proved to be `member`. Nothing is linked yet:
    that waits for the login's e-mail address to be confirmed."""
    fresh = Member.objects.select_for_update().get(pk=member.pk)
    if fresh.user_id is not None or fresh.status != MemberStatus.ACTIVE:
        raise ValidationError(IDENTITY_MESSAGE, code="identity")
    if invitation is not None:
        invitation_use(invitation=invitation)
    claim = ActivationClaim(member=fresh, user=user, invitation=invitation)
    claim.full_clean()
    claim.save()
    return claim


@transaction.atomic
def member_link_user(*, member: Member, user) -> Member:
    """Give the member their login. Raises ValidationError when the member is no longer
    active or already has a login (two activations racing)."""
    fresh = Member.objects.select_for_update().get(pk=member.pk)
    if fresh.user_id is not None or fresh.status != MemberStatus.ACTIVE:
        raise ValidationError(IDENTITY_MESSAGE, code="identity")
    if Member.objects.filter(user=user).exists():
        raise ValidationError(IDENTITY_MESSAGE, code="identity")
    services.member_update_profile(member=fresh, by=user, data={"user": user})
    return fresh


def activation_complete(*, user, email: str) -> Member | None:
    """The login's e-mail address is confirmed: link the claimed member and tell them
    at the address on file. Returns the member, or None when nothing was waiting (or
    the member got a login another way meanwhile)."""
    with transaction.atomic():
        claim = (
            ActivationClaim.objects.select_for_update()
            .select_related("member")
            .filter(user=user)
            .first()
        )
        if claim is None:
            return None
        member = claim.member
        claim.delete()
        try:
            with transaction.atomic():
                linked = member_link_user(member=member, user=user)
        except ValidationError:
            logger.info("Activation of member %s not linked: no longer possible", member.pk)
            return None
        notify_login_linked(linked)
        return linked


def notify_login_linked(member: Member) -> None:
    """Tell the member, at the address on file, that a login was linked (after commit)."""
    mail_member(
        to=member.email,
        template="login_linked",
        context={
            "first_name": member.first_name,
            "at": timezone.localtime(),
            "login_url": absolute_url("/accounts/login/"),
        },
    )
