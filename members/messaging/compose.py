"""What one recipient gets: the e-mail (with the unsubscribe header and footer), the SMS
text, the letter's context. Rendered under bokmål, whatever language the author used.

The unsubscribe token is signed (django.core.signing) and names the member and the
category, nothing else: it turns off that one category's preference without a login.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from config.site import site_url

from .models import Message
from .segments import rule_for
from .text import fill, values_for

UNSUBSCRIBE_SALT = "members.messaging.unsubscribe"
# Links in e-mails stay valid this long (a member may read old mail).
UNSUBSCRIBE_MAX_AGE = 60 * 60 * 24 * 400
URL_SENTINEL = "__UNSUBSCRIBE_URL__"
PREVIEW_TOKEN = "forhandsvisning"  # noqa: S105 - not a secret: a token that is refused


def unsubscribe_token(*, member_id: int, category: str) -> str:
    return signing.dumps({"m": member_id, "c": category}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """Return (member id, category); raises signing.BadSignature for a bad or old one."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    if not isinstance(data, dict) or not isinstance(data.get("m"), int):
        raise signing.BadSignature("Malformed token.")
    rule_for(data.get("c", ""))  # raises ValueError for an unknown category
    return data["m"], data["c"]


def unsubscribe_urls(*, member_id: int, category: str) -> tuple[str, str]:
    """(the footer link's page, the RFC 8058 one-click endpoint)."""
    token = unsubscribe_token(member_id=member_id, category=category)
    return (
        site_url(reverse("unsubscribe:confirm", args=[token])),
        site_url(reverse("unsubscribe:one_click", args=[token])),
    )


@dataclass
class EmailTemplate:
    """The parts of a message's e-mail that are the same for every recipient, rendered
    once per message (rendering a footer 70,000 times is most of a send's CPU)."""

    message: Message
    footer: str
    can_unsubscribe: bool
    domain: str

    @classmethod
    def for_message(cls, message: Message) -> EmailTemplate:
        rule = rule_for(message.category)
        with translation.override(settings.LANGUAGE_CODE):
            footer = render_to_string(
                "members/messaging/email_footer.txt",
                {
                    "category": message.get_category_display(),
                    "notice": not rule.respects_choices,
                    "can_unsubscribe": bool(rule.unsubscribe_field),
                    "unsubscribe_url": URL_SENTINEL,
                    "preferences_url": site_url(reverse("minside:preferences")),
                },
            )
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "localhost"
        return cls(message, footer, bool(rule.unsubscribe_field), domain)

    def build(
        self,
        member: dict,
        *,
        to: str,
        connection=None,
        row_id: int | None = None,
        preview: bool = False,
    ):
        """The e-mail for one member row (`values_for` keys plus `pk`). A `preview`
        carries links of the right shape whose token does nothing."""
        values = values_for(member)
        subject = " ".join(fill(self.message.subject, values).split())
        headers = {}
        footer = self.footer
        if self.can_unsubscribe:
            if preview:
                page = site_url(reverse("unsubscribe:confirm", args=[PREVIEW_TOKEN]))
                one_click = site_url(reverse("unsubscribe:one_click", args=[PREVIEW_TOKEN]))
            else:
                page, one_click = unsubscribe_urls(
                    member_id=member["pk"], category=self.message.category
                )
            footer = footer.replace(URL_SENTINEL, page)
            headers["List-Unsubscribe"] = f"<{one_click}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        if row_id is not None:
            # The same id on a resend: a receiving system can tell it is one message.
            headers["Message-ID"] = f"<melding-{self.message.pk}-{row_id}@{self.domain}>"
        body = fill(self.message.body, values).rstrip() + "\n\n" + footer
        return EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to],
            headers=headers,
            connection=connection,
        )


def sms_text(message: Message, member: dict) -> str:
    return fill(message.sms_text or message.body, values_for(member)).strip()


def letter_context(message: Message, member: dict) -> dict:
    """One letter's page: the window-envelope address, the category (a notice says it is
    one) and the filled-in text."""
    values = values_for(member)
    return {
        "category": message.get_category_display(),
        "name": f"{member.get('first_name', '')} {member.get('last_name', '')}".strip(),
        "street": member.get("street", ""),
        "postal_code": member.get("postal_code", ""),
        "city": member.get("city", ""),
        "country": member.get("country", "NO"),
        "subject": fill(message.subject, values),
        "body": fill(message.body, values),
    }
