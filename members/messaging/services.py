"""Writes of the messaging area: drafts, sending (now or scheduled), cancelling, the
test send to oneself, and the unsubscribe of one category. Keyword-only, atomic and
validated; the send itself runs in a worker (`delivery.run_send`, task
`members.send_message`), enqueued after commit.

Never logged: message text, e-mail addresses, phone numbers.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clubs.permissions import scope_for
from members import services as member_services
from members.models import Member

from .compose import EmailTemplate
from .delivery import enqueue_send
from .models import Message, MessageStatus, Section
from .segments import rule_for
from .text import LETTER_MAX_LINES, letter_lines, unknown_placeholders

logger = logging.getLogger(__name__)

CONTENT_FIELDS = (
    "subject",
    "body",
    "sms_text",
    "category",
    "send_email",
    "send_sms",
    "send_letter",
)


def messages_for(user, section: str):
    """The messages `user` may open in `section`: central staff every message written
    in the register; an officer only the messages they wrote in Klubbkontoret."""
    scope = scope_for(user)
    if section == Section.REGISTER:
        if not scope.central:
            return Message.objects.none()
        return Message.objects.filter(section=Section.REGISTER)
    if not scope.is_officer:
        return Message.objects.none()
    return Message.objects.filter(section=Section.KLUBB, created_by=user)


def _validate(message: Message) -> None:
    message.full_clean()
    errors: dict[str, list] = {}
    if not message.channels:
        errors.setdefault("send_email", []).append(_("Velg minst én kanal."))
    if (message.send_email or message.send_letter) and not message.body.strip():
        errors.setdefault("body", []).append(_("Skriv teksten til e-posten eller brevet."))
    if message.send_letter and message.body.strip():
        lines = letter_lines(message.subject, message.body)
        if lines > LETTER_MAX_LINES:
            errors.setdefault("body", []).append(
                _(
                    "Teksten er for lang til brev på én side (omtrent %(lines)s linjer, "
                    "høyst %(max)s). Kort den ned, eller send uten brev."
                )
                % {"lines": lines, "max": LETTER_MAX_LINES}
            )
    if message.send_sms and not (message.sms_text or message.body).strip():
        errors.setdefault("sms_text", []).append(_("Skriv SMS-teksten."))
    for name in ("subject", "body", "sms_text"):
        unknown = unknown_placeholders(getattr(message, name))
        if unknown:
            errors.setdefault(name, []).append(
                _("Ukjente felt: %(names)s.") % {"names": ", ".join(f"{{{n}}}" for n in unknown)}
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def message_create(*, by, section: str, data: dict[str, Any], segment: dict) -> Message:
    """Save a new draft; returns it."""
    message = Message(created_by=by, section=section, segment=segment)
    for name in CONTENT_FIELDS:
        if name in data:
            setattr(message, name, data[name])
    _validate(message)
    message.save()
    return message


@transaction.atomic
def message_update(*, message: Message, by, data: dict[str, Any], segment: dict) -> Message:
    """Change a draft; a message that is scheduled or sent cannot be changed."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if not message.is_editable:
        raise ValidationError(_("Bare utkast kan endres."))
    for name in CONTENT_FIELDS:
        if name in data:
            setattr(message, name, data[name])
    message.segment = segment
    _validate(message)
    message.save()
    return message


@transaction.atomic
def message_send(*, message: Message, by, at: dt.datetime | None = None) -> Message:
    """Send the draft now, or at `at` (scheduled, cancellable until it starts).
    The recipients are decided when the send starts, in the author's scope then."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status != MessageStatus.DRAFT:
        raise ValidationError(_("Meldingen er allerede sendt eller planlagt."))
    _validate(message)
    now = timezone.now()
    if at is not None and at > now:
        message.status = MessageStatus.SCHEDULED
        message.scheduled_at = at
    else:
        message.status = MessageStatus.SENDING
        message.scheduled_at = now
    message.save(update_fields=["status", "scheduled_at", "updated_at"])
    if message.status == MessageStatus.SENDING:
        transaction.on_commit(partial(enqueue_send, message.pk))
    return message


@transaction.atomic
def message_cancel(*, message: Message, by) -> Message:
    """Cancel a scheduled message (or one queued but not yet started)."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    not_started = message.status == MessageStatus.SCHEDULED or (
        message.status == MessageStatus.SENDING and message.started_at is None
    )
    if not not_started:
        raise ValidationError(_("Meldingen kan ikke avbrytes: sendingen har startet."))
    message.status = MessageStatus.CANCELLED
    message.cancelled_at = timezone.now()
    message.save(update_fields=["status", "cancelled_at", "updated_at"])
    return message


def message_test_send(*, message: Message, by, member: dict) -> None:
    """E-mail the message, as `member` would get it, to the author's own login address.
    Raises ValidationError when the author has no address."""
    to = (getattr(by, "email", "") or "").strip()
    if not to:
        raise ValidationError(_("Innloggingen din har ingen e-postadresse."))
    # The unsubscribe links in a test are dummies: the author's mail client must not
    # unsubscribe the member the test was written as.
    email = EmailTemplate.for_message(message).build(member, to=to, preview=True)
    email.subject = f"[{_('TEST')}] {email.subject}"
    email.send()
    logger.info("Test send of message %s by user %s.", message.pk, by.pk)


def dispatch_due(now: dt.datetime | None = None) -> int:
    """The sweep (beat, every minute): start scheduled messages whose time has come, and
    resume sends whose worker is gone (its lease ran out). Returns how many it queued."""
    now = now or timezone.now()
    due = Message.objects.filter(status=MessageStatus.SCHEDULED, scheduled_at__lte=now)
    due.update(status=MessageStatus.SENDING)
    stalled = Message.objects.filter(status=MessageStatus.SENDING).exclude(lease_until__gte=now)
    ids = list(stalled.values_list("pk", flat=True))
    for message_id in ids:
        enqueue_send(message_id)
    return len(ids)


# --- Unsubscribe -----------------------------------------------------------------------


def member_unsubscribe(*, member_id: int, category: str) -> bool:
    """Turn off `category`'s preference for the member (no login: a signed link).
    Only that preference changes. Returns whether anything changed."""
    rule = rule_for(category)
    if not rule.unsubscribe_field:
        return False
    with transaction.atomic():
        member = Member.objects.select_for_update().filter(pk=member_id).first()
        if member is None:
            return False
        if getattr(member, rule.unsubscribe_field) == rule.unsubscribe_value:
            return False
        choices = {
            name: getattr(member, name)
            for name in (
                "allow_email",
                "allow_sms",
                "newsletter",
                "magazine",
                "surveys",
                "benefits_marketing_reserved",
            )
        }
        choices[rule.unsubscribe_field] = rule.unsubscribe_value
        member_services.member_set_preferences(member=member, by=None, **choices)
    logger.info("Member %s unsubscribed from %s.", member_id, category)
    return True
