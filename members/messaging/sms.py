"""SMS through the gateway, as an adapter on the partner base.

The request is shaped like a common Norwegian SMS gateway's JSON API (Link Mobility's
`POST /sms/send`: `source`, `destination`, `userData`, `refId`); URL and token come
from `PARTNER_SMS_URL` / `PARTNER_SMS_TOKEN`, the sender name from `SMS_SENDER_NAME`.
The recipient row's id goes as the idempotency key, so a retried request is not a
second SMS at a gateway that honours it. Errors name the HTTP status, never the number
or the text.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from privacy.partners.base import PartnerAdapter, PartnerError

__all__ = ["OutgoingSms", "PartnerError", "SmsGatewayAdapter", "send_sms"]


@dataclass(frozen=True)
class OutgoingSms:
    """One SMS to one member. `event_id` and `event` are what the partner base puts in
    its headers (Idempotency-Key, X-Event-Type)."""

    event_id: str
    phone: str
    text: str
    event: str = "sms"


class SmsGatewayAdapter(PartnerAdapter):
    slug = "sms"

    def body(self, sms: OutgoingSms) -> dict:
        sender = settings.SMS_SENDER_NAME
        return {
            "source": sender,
            # Alphanumeric sender names are at most 11 characters.
            "sourceTON": "ALPHANUMERIC" if not sender.lstrip("+").isdigit() else "MSISDN",
            "destination": sms.phone,
            "userData": sms.text,
            "refId": sms.event_id,
        }

    def send(self, disclosure) -> None:  # type: ignore[override]
        """Send one SMS (`disclosure` is an OutgoingSms); raises PartnerError."""
        sms: OutgoingSms = disclosure
        response = self.request(sms, "POST", "/sms/send", self.body(sms))  # type: ignore[arg-type]
        try:
            answer = response.json() or {}
        except ValueError:
            answer = {}
        # The gateway answers 2xx with a result code; 1005 = queued, 1000-series = OK.
        code = answer.get("resultCode") if isinstance(answer, dict) else None
        if code is not None and not 1000 <= int(code) < 1100:
            raise PartnerError(f"sms: result code {int(code)}", permanent=True)


def send_sms(*, event_id: str, phone: str, text: str) -> None:
    SmsGatewayAdapter().send(OutgoingSms(event_id=event_id, phone=phone, text=text))
