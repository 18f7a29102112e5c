"""The first second factor of an officer, staff member or admin is set up only after an
e-mailed link has been opened in the same session.

Without it, whoever had the password of a privileged login that has no authenticator
yet (a new admin made with `createsuperuser`, an officer whose authenticator was
removed) could log in and enrol *their own* authenticator, and from then on pass every
MFA check. The link goes to the login's address on file; opening it proves the person
at the keyboard reads that mailbox. A BankID session needs no link (BankID is the
stronger proof), and members, who reach only their own data, enrol directly.

The link is signed (no table), bound to the login and to its password and e-mail (a
change of either voids it), and lasts LINK_MAX_AGE; opening it lets this session
enrol for CONFIRMED_FOR.
"""

from __future__ import annotations

import functools
import logging
import time

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.mail import send_mail
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from config.site import site_url

from .permissions import bankid_authenticated, has_mfa, needs_mfa

logger = logging.getLogger(__name__)

SALT = "clubs.mfa_enrolment"
LINK_MAX_AGE = 30 * 60  # seconds
CONFIRMED_KEY = "mfa_enrolment_confirmed"
CONFIRMED_FOR = 15 * 60  # seconds
SENT_KEY = "mfa_enrolment_sent_at"
RESEND_AFTER = 60  # seconds between two links asked for in one session
# allauth's pages that add a first authenticator.
ENROLMENT_URL_NAMES = ("mfa_activate_totp", "mfa_add_webauthn", "mfa_signup_webauthn")


@functools.cache
def enrolment_paths() -> tuple[str, ...]:
    """The paths of ENROLMENT_URL_NAMES that this configuration has (passkey sign-up is
    only there when allauth's MFA_PASSKEY_SIGNUP_ENABLED is)."""
    paths = []
    for name in ENROLMENT_URL_NAMES:
        try:
            paths.append(reverse(name))
        except NoReverseMatch:
            continue
    return tuple(paths)


def _fingerprint(user) -> str:
    return salted_hmac(SALT, f"{user.pk}:{user.password}:{user.email}").hexdigest()[:20]


def make_token(user) -> str:
    return signing.dumps({"u": user.pk, "f": _fingerprint(user)}, salt=SALT)


def token_is_valid(token: str, user) -> bool:
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:  # tampered, or older than LINK_MAX_AGE
        return False
    return data.get("u") == user.pk and constant_time_compare(
        str(data.get("f", "")), _fingerprint(user)
    )


def _confirmed(request) -> bool:
    value = request.session.get(CONFIRMED_KEY) or {}
    return value.get("user") == request.user.pk and value.get("until", 0) > time.time()


def link_required(request) -> bool:
    """Must this session open an e-mailed link before it may add an authenticator?"""
    user = request.user
    return (
        user.is_authenticated
        and needs_mfa(user)
        and not bankid_authenticated(request)
        and not _confirmed(request)
        and not has_mfa(user)
    )


def _masked(email: str) -> str:
    """«ola.nordmann@example.org» → «o…@example.org»: enough to recognise one's own."""
    name, _sep, domain = email.partition("@")
    return f"{name[:1]}…@{domain}" if domain else ""


def _send_link(request) -> None:
    user = request.user
    context = {
        "url": site_url(reverse("mfa_enrolment_confirm", args=[make_token(user)])),
        "minutes": LINK_MAX_AGE // 60,
    }
    subject = " ".join(render_to_string("clubs/email/mfa_enrolment_subject.txt").split())
    body = render_to_string("clubs/email/mfa_enrolment.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


@require_http_methods(["GET", "POST"])
def enrolment(request):
    """Ask for the link (POST), or say where it went."""
    if not link_required(request):
        return redirect("mfa_index")
    if not request.user.email:
        messages.error(
            request, _("Innloggingen har ingen e-postadresse. Kontakt forbundskontoret.")
        )
        return render(request, "clubs/mfa_enrolment.html", {"email": "", "minutes": 0})
    if request.method == "POST":
        sent_at = request.session.get(SENT_KEY, 0)
        if time.time() - sent_at < RESEND_AFTER:
            messages.info(
                request, _("Lenken er nettopp sendt. Vent et minutt før du ber om en ny.")
            )
        else:
            try:
                _send_link(request)
            except Exception:
                logger.exception(
                    "Could not send the MFA enrolment link of user %s", request.user.pk
                )
                messages.error(request, _("Vi fikk ikke sendt e-posten. Prøv igjen om litt."))
            else:
                request.session[SENT_KEY] = time.time()
                messages.success(
                    request,
                    _("Vi har sendt lenken til %(email)s.")
                    % {"email": _masked(request.user.email)},
                )
        return redirect("mfa_enrolment")
    return render(
        request,
        "clubs/mfa_enrolment.html",
        {"email": _masked(request.user.email), "minutes": LINK_MAX_AGE // 60},
    )


@require_GET
def enrolment_confirm(request, token: str):
    """The e-mailed link: valid for this login, it opens enrolment in this session."""
    if not token_is_valid(token, request.user):
        return render(request, "clubs/mfa_enrolment_invalid.html", status=410)
    request.session[CONFIRMED_KEY] = {"user": request.user.pk, "until": time.time() + CONFIRMED_FOR}
    messages.success(request, _("E-postadressen er bekreftet. Sett opp tofaktorautentisering nå."))
    return redirect("mfa_activate_totp")
