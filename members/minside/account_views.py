"""The login's own account page (/min-side/konto/): password, e-mail, two-factor
authentication (TOTP, recovery codes, passkeys) and active sessions, in one place.
The pages it links to are allauth's, with Norwegian templates under templates/account/,
templates/mfa/ and templates/usersessions/. Open to every logged-in user: officers and
staff without a membership manage their login here too."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from . import mydata


@never_cache
def account(request):
    user = request.user
    member = mydata.member_for_self(user).first()
    if member is not None:
        member.user = user
    kinds = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    return render(
        request,
        "members/minside/account.html",
        {
            "member": member,
            "section": "account",
            "login_email": user.email,
            "addresses": list(EmailAddress.objects.filter(user=user).order_by("-primary")),
            "has_totp": Authenticator.Type.TOTP in kinds,
            "has_recovery_codes": Authenticator.Type.RECOVERY_CODES in kinds,
            "passkeys": Authenticator.objects.filter(
                user=user, type=Authenticator.Type.WEBAUTHN
            ).count(),
            "sessions": UserSession.objects.filter(user=user).count(),
            "has_password": user.has_usable_password(),
        },
    )
