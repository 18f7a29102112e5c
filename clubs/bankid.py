"""Log in with BankID: allauth's OpenID Connect provider (provider id `bankid`) through a
broker (ID-porten, Signicat, Idura/Criipto), configured from the environment.

The ID token's national id is used for one thing: to find the member by its keyed hash.
It is never stored (allauth would keep the token's claims on a SocialAccount: no social
account is ever saved), never put in the session, a log, a URL or an error page. A
BankID login at the required assurance level (`acr`) counts as the second factor.

- A member with a login is logged in; a member without one gets a login linked at once
  (BankID proves the identity: no member number, no e-mail round trip).
- Anyone else is offered the join form with name and national id from BankID, kept
  encrypted in the server-side cache under a random key for a quarter of an hour.
- With the intent "access request" (set by the public request form) nobody is logged in:
  the request is registered for the member, or answered "we hold nothing".
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from members import crypto
from members.validators import normalize_national_id, validate_national_id

logger = logging.getLogger(__name__)

PROVIDER_ID = "bankid"
INTENT_SESSION_KEY = "bankid_intent"
PREFILL_SESSION_KEY = "bankid_prefill"
PREFILL_SECONDS = 15 * 60
# Claims that hold the national id at the common brokers, after the configured one.
NATIONAL_ID_CLAIMS = ("pid", "nin", "socialno", "norwegian_nin")


class BankIDRefused(Exception):
    """The token does not prove what we need (level, national id); says why."""


@dataclass(frozen=True)
class Identity:
    national_id: str
    first_name: str
    last_name: str
    acr: str

    def __repr__(self) -> str:  # never the national id, even in a traceback
        return f"Identity(acr={self.acr!r})"


def identity_from_claims(claims: dict) -> Identity:
    """The person the token names, or BankIDRefused when the assurance level is not one
    we accept or the national id is missing or invalid."""
    acr = str(claims.get("acr") or "")
    if acr not in settings.BANKID_ACR_VALUES:
        raise BankIDRefused(_("Innloggingen hadde ikke høyt nok sikkerhetsnivå."))
    names = (settings.BANKID_NATIONAL_ID_CLAIM, *NATIONAL_ID_CLAIMS)
    raw = next((str(claims[name]) for name in names if claims.get(name)), "")
    national_id = normalize_national_id(raw)
    try:
        validate_national_id(national_id)
    except ValidationError:
        raise BankIDRefused(_("Vi fikk ikke et gyldig fødselsnummer fra BankID.")) from None
    return Identity(
        national_id=national_id,
        first_name=str(claims.get("given_name") or ""),
        last_name=str(claims.get("family_name") or ""),
        acr=acr,
    )


def _claims(extra_data: dict) -> dict:
    """The ID token's claims, with the userinfo's (if fetched) on top."""
    claims = dict(extra_data.get("id_token") or {})
    claims.update(extra_data.get("userinfo") or {})
    if not claims:
        claims = dict(extra_data)
    return claims


def _safe_next(request, url: str | None, default: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


def _join_url() -> str:
    try:
        return reverse("joining:join")
    except NoReverseMatch:
        return reverse("home")


def _start_page(user) -> str:
    from .permissions import scope_for

    scope = scope_for(user)
    if scope.central:
        return reverse("register:search")
    if scope.is_officer:
        return reverse("klubb:roster")
    return reverse("minside:index")


def record_bankid_login(request, user, identity: Identity) -> None:
    """Log `user` in and record that this session used BankID at `identity.acr`."""
    from allauth.account.internal.flows.login import record_authentication

    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    record_authentication(request, user, "socialaccount", provider=PROVIDER_ID, acr=identity.acr)


def _user_for_member(member):
    """A new login for a member who has none: linked at once, no password (BankID or a
    password reset later). The member is told at the address on file."""
    from members.minside.activation import member_link_user, notify_login_linked

    user_model = get_user_model()
    user = user_model.objects.create_user(
        username=f"bankid-{secrets.token_hex(8)}", email=member.email or "", password=None
    )
    member_link_user(member=member, user=user)
    notify_login_linked(member)
    return user


def login_by_bankid(request, sociallogin, identity: Identity):
    """The response to a BankID login: logged in (with a login made if needed), or
    sent to the join form for someone who is not a member."""
    from members.models import Member, MemberStatus

    member = (
        Member.objects.by_national_id(identity.national_id)
        .select_related("user")
        .order_by("-joined_union_on")
        .first()
    )
    if member is not None and member.user is not None and member.user.is_active:
        user = member.user
    elif member is not None and member.status == MemberStatus.ACTIVE and member.user is None:
        user = _user_for_member(member)
    else:
        # Not a member (or a former one: rejoining goes through the join form too).
        store_prefill(request, identity)
        return HttpResponseRedirect(_join_url())
    record_bankid_login(request, user, identity)
    target = _safe_next(request, sociallogin.get_redirect_url(request), _start_page(user))
    return HttpResponseRedirect(target)


def access_request_by_bankid(request, identity: Identity):
    """Register an access request proven with BankID; nobody is logged in."""
    from members.models import Member
    from privacy.models import RequestChannel, RequestKind
    from privacy.services import request_create, request_nothing_held

    member = Member.objects.by_national_id(identity.national_id).first()
    if member is not None:
        dsr = request_create(
            member=member,
            kind=RequestKind.ACCESS,
            channel=RequestChannel.BANKID,
            details=_("Innsynsbegjæring fra nettsiden, identitet bekreftet med BankID."),
            payload={"identity": "bankid"},
        )
        held = True
    else:
        dsr = request_nothing_held(channel=RequestChannel.BANKID)
        held = False
    return render(
        request, "privacy/access_request_done.html", {"dsr": dsr, "held": held, "bankid": True}
    )


def store_prefill(request, identity: Identity) -> None:
    """Keep name and national id for the join form: encrypted, in the server-side cache
    under a random key that is all the session holds."""
    key = secrets.token_urlsafe(24)
    payload = json.dumps(
        {
            "national_id": identity.national_id,
            "first_name": identity.first_name,
            "last_name": identity.last_name,
        }
    )
    cache.set(f"bankid:prefill:{key}", crypto.encrypt(payload), PREFILL_SECONDS)
    request.session[PREFILL_SESSION_KEY] = key


def bankid_prefill(request) -> dict | None:
    """What BankID proved for the join form ({national_id, first_name, last_name}), or
    None. The join form shows these and does not let them be changed."""
    key = request.session.get(PREFILL_SESSION_KEY)
    if not key:
        return None
    token = cache.get(f"bankid:prefill:{key}")
    if not token:
        request.session.pop(PREFILL_SESSION_KEY, None)
        return None
    return json.loads(crypto.decrypt(token))


def forget_prefill(request) -> None:
    key = request.session.pop(PREFILL_SESSION_KEY, None)
    if key:
        cache.delete(f"bankid:prefill:{key}")


class BankIDAdapter(DefaultSocialAccountAdapter):
    """Every BankID login ends here, before allauth would look up, create or save a
    social account: the response is ours, and nothing of the token is kept."""

    def pre_social_login(self, request, sociallogin) -> None:
        if sociallogin.account.provider != PROVIDER_ID:
            return super().pre_social_login(request, sociallogin)
        claims = _claims(sociallogin.account.extra_data)
        sociallogin.account.extra_data = {}
        sociallogin.account.uid = ""
        try:
            identity = identity_from_claims(claims)
        except BankIDRefused as refusal:
            logger.info("BankID login refused: %s", refusal)
            raise ImmediateHttpResponse(
                render(request, "account/bankid_refused.html", {"reason": str(refusal)}, status=403)
            ) from None
        intent = request.session.pop(INTENT_SESSION_KEY, "login")
        if intent == "access_request":
            raise ImmediateHttpResponse(access_request_by_bankid(request, identity))
        raise ImmediateHttpResponse(login_by_bankid(request, sociallogin, identity))

    def is_open_for_signup(self, request, sociallogin) -> bool:
        # Logins are made by login_by_bankid, never by allauth's social signup.
        return False

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        # The broker's error text may echo request data: log its kind only.
        logger.warning("BankID authentication failed: %s", getattr(error, "name", error))
        return super().on_authentication_error(
            request, provider, error=error, exception=exception, extra_context=extra_context
        )
