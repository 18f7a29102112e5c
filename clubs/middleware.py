"""Officers and staff: MFA before any officer or staff page, and an idle timeout."""

import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .permissions import needs_mfa

# Pages that show other people's member data; MFA must be set up before they open.
PROTECTED_PREFIXES = ("/klubbkontoret/", "/medlemsregister/", "/statistikk/", "/admin/")
SESSION_KEY = "officer_last_seen"
MFA_CHECKED_KEY = "officer_mfa_checked"
TOUCH_EVERY = 60  # seconds
MFA_RECHECK_EVERY = 300  # seconds


def has_mfa(user) -> bool:
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def _mfa_ok(request, now: float) -> bool:
    """Whether the user has MFA set up, re-checked in the database every few minutes
    rather than on every page (removing MFA takes effect within MFA_RECHECK_EVERY)."""
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
                return redirect(f"{reverse('account_login')}?next={request.path}")
            # Writing the session on every request would cost an UPDATE per page; a
            # minute's precision is plenty for a 30-minute idle limit.
            if last_seen is None or now - last_seen > TOUCH_EVERY:
                request.session[SESSION_KEY] = now
            if request.path.startswith(PROTECTED_PREFIXES) and not _mfa_ok(request, now):
                messages.warning(
                    request,
                    _("Du må sette opp tofaktorautentisering før du kan åpne denne siden."),
                )
                return redirect("mfa_index")
        return self.get_response(request)
