"""Messages to members: the text is kept once per message (`Message`), and one row per
recipient and channel (`MessageRecipient`) records what was sent, when and with what
result. Registered with the `members` app (imported at the bottom of members.models).

The recipient rows are what makes a send resumable: a worker claims a few rows in a
short committed transaction, sends them, and marks each one sent as soon as the SMTP
server or SMS gateway accepted it. No address or phone number is copied here; they are
read from the member when the row is sent, so an erased member leaves nothing behind.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageCategory(models.TextChoices):
    INFORMATION = "information", _("Informasjon")
    NEWSLETTER = "newsletter", _("Nyhetsbrev")
    BENEFITS = "benefits", _("Medlemsfordeler")
    NOTICE = "notice", _("Varsel (ikke markedsføring)")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-post")
    SMS = "sms", _("SMS")
    LETTER = "letter", _("Brev")


class MessageStatus(models.TextChoices):
    DRAFT = "draft", _("Utkast")
    SCHEDULED = "scheduled", _("Planlagt")
    SENDING = "sending", _("Sendes")
    SENT = "sent", _("Sendt")
    CANCELLED = "cancelled", _("Avbrutt")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Venter")
    CLAIMED = "claimed", _("Under sending")
    SENT = "sent", _("Sendt")
    FAILED = "failed", _("Feilet")


class Section(models.TextChoices):
    """Where the message was written: the staff register or Klubbkontoret."""

    REGISTER = "register", _("Medlemsregisteret")
    KLUBB = "klubb", _("Klubbkontoret")


class Message(models.Model):
    subject = models.CharField(_("emne"), max_length=200)
    body = models.TextField(_("tekst"), blank=True)
    sms_text = models.TextField(_("SMS-tekst"), blank=True)
    category = models.CharField(
        _("kategori"),
        max_length=20,
        choices=MessageCategory.choices,
        default=MessageCategory.INFORMATION,
    )
    send_email = models.BooleanField(_("e-post"), default=True)
    send_sms = models.BooleanField(_("SMS"), default=False)
    send_letter = models.BooleanField(_("brev"), default=False)
    # The segment's filters (see segments.py); rebuilt in the author's scope at send time.
    segment = models.JSONField(_("utvalg"), default=dict, blank=True)
    section = models.CharField(max_length=10, choices=Section.choices, default=Section.REGISTER)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("skrevet av"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=MessageStatus.choices, default=MessageStatus.DRAFT
    )
    scheduled_at = models.DateTimeField(_("sendes"), null=True, blank=True)
    started_at = models.DateTimeField(_("startet"), null=True, blank=True)
    finished_at = models.DateTimeField(_("ferdig"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("avbrutt"), null=True, blank=True)
    # All recipient rows exist (building is resumable too).
    built = models.BooleanField(default=False)
    # The worker that holds the send, until when: a killed worker's lease runs out and
    # the sweep hands the send to another.
    lease_owner = models.CharField(max_length=36, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("melding")
        verbose_name_plural = _("meldinger")
        indexes = [models.Index(fields=["status", "scheduled_at"], name="message_status_idx")]

    def __str__(self) -> str:
        return self.subject

    @property
    def channels(self) -> list[str]:
        return [
            channel
            for channel, wanted in (
                (Channel.EMAIL, self.send_email),
                (Channel.SMS, self.send_sms),
                (Channel.LETTER, self.send_letter),
            )
            if wanted
        ]

    @property
    def is_editable(self) -> bool:
        return self.status == MessageStatus.DRAFT


class MessageRecipient(models.Model):
    """One member and one channel of one message: the delivery record the member sees
    on "Mine data". Erasure of the member deletes it (CASCADE)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="recipients")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="messages_received"
    )
    channel = models.CharField(_("kanal"), max_length=10, choices=Channel.choices)
    state = models.CharField(
        _("resultat"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sendt"), null=True, blank=True)
    # A short error code or SMTP/HTTP status; never an address, number or text.
    error = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("mottaker")
        verbose_name_plural = _("mottakere")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "member", "channel"], name="one_row_per_recipient_channel"
            )
        ]
        indexes = [
            models.Index(fields=["message", "state", "channel"], name="recipient_state_idx"),
            models.Index(fields=["member", "sent_at"], name="recipient_member_idx"),
        ]
