"""Min side's own tables: staff invitations to create a login, a login waiting to be
linked to its member, a new e-mail address waiting to be confirmed. Registered with the
`members` app (imported by, and importable from, `members.models`)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivationClaim(models.Model):
    """A new login waiting for its e-mail address to be confirmed: only then is it
    linked to the member it proved to be (Min side activation)."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activation_claim"
    )
    invitation = models.ForeignKey(
        "members.MemberInvitation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("aktivering som venter på e-postbekreftelse")
        verbose_name_plural = _("aktiveringer som venter på e-postbekreftelse")


class MemberInvitation(models.Model):
    """A single-use, expiring link staff send so a member can create a login."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    # Empty for invitations the system sends (an application accepted automatically).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitasjon")
        verbose_name_plural = _("invitasjoner")


class PendingEmailChange(models.Model):
    """A new e-mail address that takes effect only once the member has verified it."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="pending_email_changes"
    )
    new_email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
