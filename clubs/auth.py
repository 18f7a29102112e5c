"""allauth adapters: how logins, re-authentication and MFA secrets work here.

- Re-authentication asks for the second factor (TOTP, recovery code or passkey) first
  for anyone who has one: a password alone never unlocks a national id.
- TOTP secrets and recovery-code seeds are encrypted at rest with the field keys
  (`FIELD_ENCRYPTION_KEYS`), like national ids, and rotate with them.
- A confirmed e-mail address completes a pending Min side activation (the login is
  linked to the member only after its address is proven).
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter

from members import crypto

# Fernet tokens always start with this (version byte 0x80, base64): a stored value
# without it predates encryption and is read as it is until the migration rewrites it.
FERNET_PREFIX = "gAAAAA"


class AccountAdapter(DefaultAccountAdapter):
    def get_reauthentication_methods(self, user) -> list[dict]:
        methods = super().get_reauthentication_methods(user)
        second_factor = [m for m in methods if m["id"] != "reauthenticate"]
        # With a second factor, the password is not offered at all: a stolen password
        # must not be enough to reveal anything.
        return second_factor or methods

    def send_mail(self, template_prefix, email, context) -> None:
        """allauth's e-mails name the portal from settings (SITE_NAME), never the host
        the request came in on ("Hei fra 127.0.0.1:8101!"), and never a username."""
        from django.conf import settings

        context = {**context, "portal_name": settings.SITE_NAME}
        context.pop("username", None)
        super().send_mail(template_prefix, email, context)

    def get_login_redirect_url(self, request) -> str:
        """Each role starts on its own page: central staff in the register, officers in
        Klubbkontoret, members on Min side. An explicit `?next=` still wins (allauth
        reads it before asking the adapter)."""
        from django.urls import reverse

        from members.models import Member

        from .permissions import scope_for

        user = request.user
        scope = scope_for(user)
        if scope.central:
            return reverse("register:search")
        if scope.is_officer:
            return reverse("klubb:roster")
        if Member.objects.filter(user=user).exists():
            return reverse("minside:index")
        return super().get_login_redirect_url(request)

    def confirm_email(self, request, email_address) -> None:
        super().confirm_email(request, email_address)
        from members.minside.activation import activation_complete

        activation_complete(user=email_address.user, email=email_address.email)


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(FERNET_PREFIX):
            return encrypted_text
        return crypto.decrypt(encrypted_text)
