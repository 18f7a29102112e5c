"""Mailchimp (Marketing API v3): e-mail to members and union officers.

`PARTNER_MAILCHIMP_URL` is the audience's list URL, for example
`https://us21.api.mailchimp.com/3.0/lists/<list_id>`; the token is the API key (sent as
HTTP Basic, as Mailchimp expects). Members are upserted with
`PUT /lists/{list_id}/members/{subscriber_hash}`, the hash being the MD5 of the
lower-cased e-mail address *Mailchimp knows*: the outbox puts the hash of the address it
last sent in the payload, so a changed address updates the same contact. Erasure is
`POST /lists/{list_id}/members/{subscriber_hash}/actions/delete-permanent`.
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any

from .base import PartnerAdapter, PartnerError, mapped

if TYPE_CHECKING:
    from privacy.models import Disclosure


def subscriber_hash(email: str) -> str:
    """Mailchimp's id for a list member: MD5 of the lower-cased address."""
    return hashlib.md5(email.strip().lower().encode(), usedforsecurity=False).hexdigest()


MERGE_FIELDS = {
    "first_name": "FNAME",
    "last_name": "LNAME",
    "member_number": "MEMBERNO",
    "branch": "BRANCH",
    "club": "CLUB",
    "membership_type": "MTYPE",
}


class MailchimpAdapter(PartnerAdapter):
    slug = "mailchimp"

    def headers(self, disclosure: Disclosure) -> dict[str, str]:
        headers = super().headers(disclosure)
        headers.pop("Authorization", None)
        token = self.config.get("token") or ""
        if token:
            basic = base64.b64encode(f"medlemsportal:{token}".encode()).decode()
            headers["Authorization"] = f"Basic {basic}"
        return headers

    @staticmethod
    def enrich(payload: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
        """Add the subscriber hash of the address Mailchimp has (the one sent last)."""
        known = (previous or {}).get("email") or payload.get("email") or ""
        if known:
            payload["subscriber_hash"] = subscriber_hash(known)
        return payload

    def body(self, disclosure: Disclosure) -> dict[str, Any]:
        payload = disclosure.payload
        status = "subscribed" if payload.get("eligible", True) else "unsubscribed"
        merge_fields = {
            key: "" if value is None else value
            for key, value in mapped(payload, MERGE_FIELDS).items()
        }
        return {
            "email_address": payload["email"],
            "status_if_new": status,
            "status": status,
            "merge_fields": merge_fields,
        }

    def send(self, disclosure: Disclosure) -> None:
        payload = disclosure.payload
        member_hash = payload.get("subscriber_hash") or (
            subscriber_hash(payload["email"]) if payload.get("email") else ""
        )
        if not member_hash:
            raise PartnerError("mailchimp: no e-mail address or subscriber hash", permanent=True)
        path = f"/members/{member_hash}"
        if disclosure.event == "erased":
            self.request(disclosure, "POST", path + "/actions/delete-permanent", ok_statuses=(404,))
            return
        if not payload.get("email"):
            raise PartnerError("mailchimp: the member has no e-mail address", permanent=True)
        self.request(disclosure, "PUT", path, self.body(disclosure))
