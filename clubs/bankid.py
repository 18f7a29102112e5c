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

What allauth checks and what we add: allauth sends PKCE and a single-use `state`, and
checks the ID token's issuer, audience and expiry. It sends no `nonce`, and it trusts an
ID token from the token endpoint without checking its signature (OpenID Connect Core
3.1.3.7 allows that over TLS). We send a nonce and require it back, and verify every
ID token's signature against the broker's published keys before allauth reads it.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass

import jwt
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base.constants import AuthError
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from requests import RequestException

from members import crypto
from members.validators import normalize_national_id, validate_national_id

logger = logging.getLogger(__name__)

PROVIDER_ID = "bankid"
INTENT_SESSION_KEY = "bankid_intent"
PREFILL_SESSION_KEY = "bankid_prefill"
PREFILL_SECONDS = 15 * 60
# Claims that hold the national id at the common brokers, after the configured one.
NATIONAL_ID_CLAIMS = ("pid", "nin", "socialno", "norwegian_nin")
# Public-key signatures only: never "none", never HMAC with the client secret.
ID_TOKEN_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
CLOCK_LEEWAY_SECONDS = 30


class BankIDRefused(Exception):
    """The token does not prove what we need (level, national id, nonce); says why."""


class IDTokenRefused(OAuth2Error):
    """The broker's ID token failed a check; `reason` says which, for the person."""

    def __init__(self, reason: str) -> None:
        super().__init__("BankID ID token refused")
        self.reason = reason


@dataclass(frozen=True)
class Identity:
    national_id: str
    first_name: str
    last_name: str
    acr: str

    def __repr__(self) -> str:  # never the national id, even in a traceback
        return f"Identity(acr={self.acr!r})"


@sensitive_variables("claims", "raw", "national_id")
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


def check_nonce(claims: dict, state: dict | None) -> None:
    """Raise BankIDRefused unless the token carries the nonce this login sent. The state
    (and its nonce) is used once, so an ID token from an earlier login, or one made for
    another browser, never matches."""
    expected = str((state or {}).get("nonce") or "")
    got = str(claims.get("nonce") or "")
    if not expected or not secrets.compare_digest(got.encode(), expected.encode()):
        raise BankIDRefused(
            _("Innloggingen hørte ikke til denne økten (den kan ha vært brukt før). Start på nytt.")
        )


@sensitive_variables("raw")
def verify_id_token(raw: str, *, openid_config: dict, client_id: str, session) -> dict:
    """The ID token's claims once its signature (against the broker's JWKS), issuer,
    audience and expiry are checked; IDTokenRefused (with a reason for the person)
    otherwise."""
    bad_signature = _("Svaret fra BankID var ikke signert av BankID-tjenesten vi bruker.")
    try:
        header = jwt.get_unverified_header(raw)
    except jwt.PyJWTError:
        raise IDTokenRefused(_("Vi fikk et ugyldig svar fra BankID.")) from None
    algorithm = header.get("alg")
    if algorithm not in ID_TOKEN_ALGORITHMS:
        raise IDTokenRefused(bad_signature)
    response = session.get(openid_config["jwks_uri"])
    response.raise_for_status()
    keys = [k for k in response.json().get("keys", []) if k.get("use", "sig") == "sig"]
    if header.get("kid"):
        keys = [k for k in keys if k.get("kid") == header["kid"]]
    if len(keys) != 1 or keys[0].get("alg", algorithm) != algorithm:
        raise IDTokenRefused(bad_signature)
    try:
        key = jwt.PyJWK(keys[0], algorithm=algorithm).key
        claims = jwt.decode(
            raw,
            key=key,
            algorithms=[algorithm],
            audience=client_id,
            issuer=openid_config["issuer"],
            leeway=CLOCK_LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "exp", "iat", "sub"]},
        )
    except jwt.InvalidSignatureError:
        raise IDTokenRefused(bad_signature) from None
    except jwt.ExpiredSignatureError:
        raise IDTokenRefused(_("BankID-innloggingen var utløpt. Prøv igjen.")) from None
    except jwt.InvalidIssuerError:
        raise IDTokenRefused(_("Innloggingen kom ikke fra BankID-tjenesten vi bruker.")) from None
    except jwt.InvalidAudienceError:
        raise IDTokenRefused(
            _("Innloggingen var laget for en annen tjeneste enn medlemsportalen.")
        ) from None
    except jwt.PyJWTError:
        raise IDTokenRefused(_("Vi fikk et ugyldig svar fra BankID.")) from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise IDTokenRefused(_("Innloggingen var laget for en annen tjeneste enn medlemsportalen."))
    return claims


class BankIDProvider(OpenIDConnectProvider):
    """allauth's OpenID Connect provider for the BankID app: asks for the configured
    level whatever a link's `?auth_params=` says, and sends a nonce kept in the login's
    state (with the intent the public request form set), so both are used once."""

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        auth_params = kwargs.pop("auth_params", None)
        auth_params = dict(self.get_auth_params() if auth_params is None else auth_params)
        nonce = secrets.token_urlsafe(32)
        auth_params["acr_values"] = self.get_auth_params().get(
            "acr_values", settings.BANKID_ACR_VALUES[0]
        )
        auth_params["nonce"] = nonce
        intent = request.session.pop(INTENT_SESSION_KEY, "login")
        return super().redirect(
            request,
            process,
            next_url,
            data,
            auth_params=auth_params,
            nonce=nonce,
            intent=intent,
            **kwargs,
        )


def _claims(extra_data: dict) -> dict:
    """The ID token's claims, with the userinfo's (if fetched, and about the same
    `sub`) on top. The nonce and the assurance level come from the signed ID token only."""
    id_token = dict(extra_data.get("id_token") or {})
    userinfo = dict(extra_data.get("userinfo") or {})
    claims = dict(id_token)
    if userinfo.get("sub") == id_token.get("sub"):
        claims.update(userinfo)
    claims["acr"], claims["nonce"] = id_token.get("acr"), id_token.get("nonce")
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

    login(request, user, backend="config.auth_backends.ModelBackend")
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


def refusal(request, reason: str):
    """The page that says, in plain words, why BankID was not accepted."""
    return render(request, "account/bankid_refused.html", {"reason": reason}, status=403)


def _is_bankid(provider) -> bool:
    return getattr(getattr(provider, "app", None), "provider_id", None) == PROVIDER_ID


def _failure_reason(exception, extra_context: dict) -> str:
    if isinstance(exception, IDTokenRefused):
        return exception.reason
    if exception is None and "callback_view" in extra_context and "state" not in extra_context:
        # allauth found no state for the callback: used before, expired or never ours.
        return _(
            "Innloggingen var allerede brukt eller hadde gått ut på tid. "
            "Start innloggingen på nytt."
        )
    if isinstance(exception, RequestException):
        return _("Vi fikk ikke kontakt med BankID. Prøv igjen om litt.")
    return _("BankID-innloggingen kunne ikke fullføres. Prøv igjen.")


class BankIDAdapter(DefaultSocialAccountAdapter):
    """Every BankID login ends here, before allauth would look up, create or save a
    social account: the response is ours, and nothing of the token is kept."""

    def get_provider(self, request, provider, client_id=None):
        found = super().get_provider(request, provider, client_id=client_id)
        if _is_bankid(found) and not isinstance(found, BankIDProvider):
            return BankIDProvider(request, app=found.app)
        return found

    def get_requests_session(self):
        # allauth reads the token endpoint's ID token without checking its signature:
        # this hook checks it as the response arrives, before allauth sees it.
        session = super().get_requests_session()
        session.hooks["response"].append(self._verify_bankid_token_response)
        return session

    def _verify_bankid_token_response(self, response, *args, **kwargs) -> None:
        if response.request.method != "POST" or not response.ok:
            return
        try:
            body = response.json()
        except ValueError:
            return
        raw = body.get("id_token") if isinstance(body, dict) else None
        if not raw:
            return
        app = self.get_app(None, provider=PROVIDER_ID)
        provider = BankIDProvider(None, app=app)
        plain = super().get_requests_session()
        discovery = plain.get(provider.server_url)
        discovery.raise_for_status()
        openid_config = discovery.json()
        if response.url != openid_config.get("token_endpoint"):
            return
        # The discovery document must name the issuer we configured (Discovery 4.3);
        # otherwise a document at our URL could vouch for another issuer's tokens.
        configured = app.settings["server_url"]
        if "/.well-known/" not in configured and (
            str(openid_config.get("issuer", "")).rstrip("/") != configured.rstrip("/")
        ):
            raise IDTokenRefused(_("Innloggingen kom ikke fra BankID-tjenesten vi bruker."))
        verify_id_token(raw, openid_config=openid_config, client_id=app.client_id, session=plain)

    @sensitive_variables("claims")
    def pre_social_login(self, request, sociallogin) -> None:
        if sociallogin.account.provider != PROVIDER_ID:
            return super().pre_social_login(request, sociallogin)
        claims = _claims(sociallogin.account.extra_data)
        sociallogin.account.extra_data = {}
        sociallogin.account.uid = ""
        state = sociallogin.state or {}
        try:
            check_nonce(claims, state)
            identity = identity_from_claims(claims)
        except BankIDRefused as refused:
            logger.info("BankID login refused: %s", refused)
            raise ImmediateHttpResponse(refusal(request, str(refused))) from None
        if state.get("intent") == "access_request":
            raise ImmediateHttpResponse(access_request_by_bankid(request, identity))
        raise ImmediateHttpResponse(login_by_bankid(request, sociallogin, identity))

    def is_open_for_signup(self, request, sociallogin) -> bool:
        # Logins are made by login_by_bankid, never by allauth's social signup.
        return False

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        if not _is_bankid(provider) or error == AuthError.CANCELLED:
            return super().on_authentication_error(
                request, provider, error=error, exception=exception, extra_context=extra_context
            )
        # The broker's error text may echo request data: log its kind only.
        reason = _failure_reason(exception, extra_context or {})
        logger.warning(
            "BankID authentication failed: %s (%s)",
            error,
            type(exception).__name__ if exception else "no state",
        )
        raise ImmediateHttpResponse(refusal(request, reason))
