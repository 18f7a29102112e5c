"""Officers, staff and admins: a second factor used in *this* session before any page,
and an idle timeout.

Having an authenticator is not enough: a session that got in with the password alone
(for example through a login form that skipped MFA) has no MFA authentication record
and is sent to confirm with the second factor, or to set one up, before anything else
opens. Only the account pages (login, MFA set-up and confirmation, logout) stay open.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .mfa_enrolment import enrolment_paths, link_required
from .permissions import (
    bankid_authenticated,
    has_mfa,
    is_officer,
    mfa_authenticated,
    needs_mfa,
)

# Paths an officer may open before the second factor: where it is set up and checked.
OPEN_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz", "/favicon.ico")
SESSION_KEY = "officer_last_seen"
MFA_CHECKED_KEY = "officer_mfa_checked"
TOUCH_EVERY = 60  # seconds
MFA_RECHECK_EVERY = 300  # seconds


def _authenticator_still_there(request, now: float) -> bool:
    """Whether the user still has an authenticator, re-checked in the database every
    few minutes rather than on every page (removing one takes effect within
    MFA_RECHECK_EVERY)."""
    checked = request.session.get(MFA_CHECKED_KEY)
    if checked is not None and now - checked < MFA_RECHECK_EVERY:
        return True
    if not has_mfa(request.user):
        request.session.pop(MFA_CHECKED_KEY, None)
        return False
    request.session[MFA_CHECKED_KEY] = now
    return True


class OfficerSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and needs_mfa(user):
            now = time.time()
            last_seen = request.session.get(SESSION_KEY)
            if last_seen is not None and now - last_seen > settings.OFFICER_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, _("Du ble logget ut etter 30 minutter uten aktivitet."))
                return redirect(f"{reverse('account_login')}?{urlencode({'next': request.path})}")
            # Writing the session on every request would cost an UPDATE per page; a
            # minute's precision is plenty for a 30-minute idle limit.
            if last_seen is None or now - last_seen > TOUCH_EVERY:
                request.session[SESSION_KEY] = now
            if request.path in enrolment_paths() and link_required(request):
                # A first authenticator only after the e-mailed link (clubs/mfa_enrolment.py).
                return redirect("mfa_enrolment")
            if not request.path.startswith(OPEN_PREFIXES):
                refusal = self._second_factor_missing(request, now)
                if refusal is not None:
                    return refusal
        return self.get_response(request)

    def _second_factor_missing(self, request, now: float):
        if settings.OFFICERS_REQUIRE_BANKID and is_officer(request.user):
            if bankid_authenticated(request):
                return None
            # The union requires BankID for officers: TOTP is not enough.
            logout(request)
            messages.warning(request, _("Tillitsvalgte må logge inn med BankID."))
            return redirect(f"{reverse('account_login')}?{urlencode({'next': request.path})}")
        if bankid_authenticated(request):
            return None
        if mfa_authenticated(request) and _authenticator_still_there(request, now):
            return None
        if not has_mfa(request.user):
            messages.warning(
                request,
                _("Du må sette opp tofaktorautentisering før du kan åpne denne siden."),
            )
            return redirect("mfa_index")
        messages.info(request, _("Bekreft med tofaktorautentisering før du går videre."))
        return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': request.path})}")
