"""Yes/no questions about access. Which members a user sees is decided only by
`Member.objects.visible_to(user)`; these helpers answer what the user may open."""

import time
from dataclasses import dataclass, field
from functools import wraps

from allauth.account import app_settings as account_settings
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core.exceptions import ReauthenticationRequired
from allauth.mfa.models import Authenticator
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from config.prepared import PreparedQuery

from .models import AccessGrant, AccessLevel


@dataclass(frozen=True)
class Scope:
    """The access a user holds today, from their active grants."""

    central: bool = False
    branch_ids: frozenset[int] = field(default_factory=frozenset)
    club_ids: frozenset[int] = field(default_factory=frozenset)
    # How the access log describes the holder ("club: Name; branch: 12 Name"): stored as
    # keys, translated when shown (privacy.access_log.role_display).
    role: str = ""

    @property
    def is_officer(self) -> bool:
        return bool(self.branch_ids or self.club_ids)

    @property
    def any(self) -> bool:
        return self.central or self.is_officer

    def as_args(self) -> tuple[bool, tuple[int, ...], tuple[int, ...]]:
        """The scope as arguments of a prepared query (config/prepared.py); `of_args`
        turns them back into a scope inside the query's build function."""
        return self.central, tuple(sorted(self.branch_ids)), tuple(sorted(self.club_ids))

    @classmethod
    def of_args(cls, central: bool, branch_ids: tuple, club_ids: tuple) -> "Scope":
        return cls(central=central, branch_ids=frozenset(branch_ids), club_ids=frozenset(club_ids))


# Read on every request of a logged-in user: built and compiled by the ORM once
# (config/prepared.py), with today passed in so that a grant ends at midnight.
_active_grants = PreparedQuery(
    lambda user_id, on: (
        AccessGrant.objects.active(on)
        .filter(user_id=user_id)
        .values_list(
            "level", "branch_id", "club_id", "club__name", "branch__number", "branch__name"
        )
    )
)


def scope_for(user) -> Scope:
    """Return the user's scope, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return Scope()
    cached = getattr(user, "_access_scope", None)
    if cached is not None:
        return cached
    central = False
    branches: set[int] = set()
    clubs: set[int] = set()
    roles: list[str] = []
    rows = _active_grants(user.pk, timezone.localdate())
    for level, branch_id, club_id, club_name, branch_number, branch_name in rows:
        if level == AccessLevel.CENTRAL:
            central = True
        elif level == AccessLevel.BRANCH:
            branches.add(branch_id)
        elif level == AccessLevel.CLUB:
            clubs.add(club_id)
        if len(roles) < 3:
            where = (
                club_name if club_id else (f"{branch_number} {branch_name}" if branch_id else "")
            )
            roles.append(f"{level}: {where}" if where else level)
    scope = Scope(
        central=central or user.is_superuser,
        branch_ids=frozenset(branches),
        club_ids=frozenset(clubs),
        role="; ".join(roles)[:100] if roles else ("admin" if user.is_superuser else ""),
    )
    user._access_scope = scope
    return scope


def is_central_staff(user) -> bool:
    return scope_for(user).central


def is_officer(user) -> bool:
    return scope_for(user).is_officer


def needs_mfa(user) -> bool:
    """Officers and staff must use MFA; members need not."""
    return scope_for(user).any or getattr(user, "is_staff", False)


def can_use_klubbkontoret(user) -> bool:
    """Klubbkontoret is for officers with a branch or club grant. Central staff work in
    the register instead, where they see every member with all data."""
    return scope_for(user).is_officer


def officer_required(view):
    """Open the view only for officers; anyone else logged in gets 403 (the section
    exists, it is just not theirs). Anonymous users never get here: login is required."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_use_klubbkontoret(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def central_staff_required(view):
    """Open the view only for central staff; for everyone else the page does not exist
    (404), so the staff register does not even reveal its own shape."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_central_staff(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def has_mfa(user) -> bool:
    """Has the user set up a second factor (TOTP or a passkey)?"""
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def _mfa_records(request) -> list[dict]:
    """The session's records of a second factor used (TOTP, recovery code or passkey),
    as allauth writes them at login and at re-authentication."""
    return [
        record
        for record in get_authentication_records(request, request.user)
        if record.get("method") == "mfa" or _is_bankid(record)
    ]


def _is_bankid(record: dict) -> bool:
    # A BankID login is recorded only at an accepted assurance level (clubs/bankid.py):
    # it is as strong as password + TOTP.
    return record.get("method") == "socialaccount" and record.get("provider") == "bankid"


def bankid_authenticated(request) -> bool:
    """Did this session log in (or confirm) with BankID?"""
    return any(_is_bankid(r) for r in get_authentication_records(request, request.user))


def session_auth_method(request) -> str:
    """How this session proved who it is, strongest first: bankid, webauthn, totp,
    recovery_codes, password (or "" when unknown), for the access log."""
    records = get_authentication_records(request, getattr(request, "user", None))
    if any(_is_bankid(r) for r in records):
        return "bankid"
    for kind in ("webauthn", "totp", "recovery_codes"):
        if any(r.get("method") == "mfa" and r.get("type") == kind for r in records):
            return kind
    return "password" if any(r.get("method") == "password" for r in records) else ""


def mfa_authenticated(request) -> bool:
    """Did this session pass a second factor (or BankID)? Having an authenticator is
    not enough."""
    return bool(_mfa_records(request))


def recently_authenticated(request) -> bool:
    """Has the user confirmed with a second factor (TOTP, recovery code or passkey)
    within ACCOUNT_REAUTHENTICATION_TIMEOUT? Revealing a national id demands it; a
    password alone does not count."""
    records = _mfa_records(request)
    if not records:
        return False
    newest = max(record.get("at", 0) for record in records)
    return time.time() - newest < account_settings.REAUTHENTICATION_TIMEOUT


def require_recent_authentication(request) -> None:
    """Raise allauth's ReauthenticationRequired unless the second factor is fresh.
    allauth's middleware then asks for it (our adapter offers no password-only way)
    and replays the original POST."""
    if not recently_authenticated(request):
        raise ReauthenticationRequired
