"""Min side's own table: a login waiting to be linked to its member. Registered with the
`members` app (imported by `members.models`)."""

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
