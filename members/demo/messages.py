"""Demo messages: two that were sent (with one recipient row per member and channel,
as a real send leaves them) and a draft in Klubbkontoret to try the pages with."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from members.messaging.models import (
    DeliveryState,
    Message,
    MessageCategory,
    MessageRecipient,
    MessageStatus,
    Section,
)
from members.messaging.segments import members_in, routing_for

ANNUAL_MEETING = (
    "Hei {fornavn}!\n\n"
    "Klubben inviterer til årsmøte torsdag 12. mars kl. 18.00 i kantina. På sakslista står "
    "årsberetning, regnskap, valg og innkomne forslag. Forslag sendes styret innen 1. mars.\n\n"
    "Velkommen!\nStyret i {klubb}"
)
SETTLEMENT = (
    "Hei {fornavn}!\n\n"
    "Årets lønnsoppgjør er i havn. Du finner resultatet og hva det betyr for deg på "
    "forbundets nettsider.\n\nHilsen forbundet"
)


class MessageSeeding:
    """Runs after the logins (the messages need their authors)."""

    def messages(self) -> int:
        User = get_user_model()
        staff = User.objects.filter(username="sentral@example.org").first()
        officer = User.objects.filter(username="klubb@example.org").first()
        if staff is None or officer is None or Message.objects.exists():
            return 0
        now = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
        rows = self._sent_message(
            author=officer,
            section=Section.KLUBB,
            subject="Innkalling til årsmøte i {klubb}",
            body=ANNUAL_MEETING,
            category=MessageCategory.INFORMATION,
            channels={"send_email": True, "send_letter": True},
            segment={"clubs": [self.demo_club.pk], "statuses": ["active"]},
            at=now - dt.timedelta(days=12),
        )
        rows += self._sent_message(
            author=staff,
            section=Section.REGISTER,
            subject="Lønnsoppgjøret er klart",
            body=SETTLEMENT,
            category=MessageCategory.INFORMATION,
            channels={"send_email": True, "send_sms": True},
            segment={"branches": [self.demo_club.branch_id], "statuses": ["active"]},
            at=now - dt.timedelta(days=3),
        )
        Message.objects.create(
            subject="Medlemsmøte om pensjon",
            body="Hei {fornavn}!\n\nVi inviterer til medlemsmøte om pensjon.",
            sms_text="Medlemsmøte om pensjon tirsdag kl. 18 i kantina. Velkommen! Klubben",
            category=MessageCategory.INFORMATION,
            send_email=True,
            send_sms=True,
            segment={"clubs": [self.demo_club.pk], "statuses": ["active"]},
            section=Section.KLUBB,
            created_by=officer,
        )
        return rows

    def _sent_message(
        self, *, author, section, subject, body, category, channels, segment, at
    ) -> int:
        message = Message.objects.create(
            subject=subject,
            body=body,
            category=category,
            segment=segment,
            section=section,
            created_by=author,
            status=MessageStatus.SENT,
            scheduled_at=at,
            started_at=at,
            finished_at=at + dt.timedelta(minutes=20),
            built=True,
            send_email=channels.get("send_email", False),
            send_sms=channels.get("send_sms", False),
            send_letter=channels.get("send_letter", False),
        )
        members = members_in(segment, author, today=self.today).order_by("pk")
        routing = routing_for(message)
        rows = []
        for channel in message.channels:
            for n, member_id in enumerate(
                members.filter(routing.for_channel(channel)).values_list("pk", flat=True)
            ):
                # One in fifty bounced, as real sends do.
                failed = channel != "letter" and n % 50 == 49
                rows.append(
                    MessageRecipient(
                        message=message,
                        member_id=member_id,
                        channel=channel,
                        state=DeliveryState.FAILED if failed else DeliveryState.SENT,
                        attempts=1,
                        sent_at=None if failed else at + dt.timedelta(seconds=n // 10),
                        error="smtp 550" if failed else "",
                    )
                )
        MessageRecipient.objects.bulk_create(rows, batch_size=2000)
        return len(rows)
