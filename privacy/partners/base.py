"""The one base every partner adapter shares.

An adapter turns a `Disclosure` (our event, our field names) into the partner's request
and sends it. It returns nothing on success and raises `PartnerError` otherwise; the
outbox decides about retries from `permanent`. The HTTP transport lives in
`privacy.partners.http`, apart from the field mapping in each adapter.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from django.conf import settings

from . import http
from .errors import PartnerError

if TYPE_CHECKING:
    from privacy.models import Disclosure

__all__ = ["MemberResourceAdapter", "PartnerAdapter", "PartnerError"]


class PartnerAdapter(ABC):
    """Base for one recipient. Subclasses set `slug` and implement `send`."""

    slug: str = ""

    def __init__(self, config: dict[str, str] | None = None) -> None:
        self._config = config

    @property
    def config(self) -> dict[str, str]:
        if self._config is not None:
            return self._config
        return settings.PARTNERS.get(self.slug, {})

    @property
    def base_url(self) -> str:
        url = (self.config.get("url") or "").rstrip("/")
        if not url:
            # Not permanent: the event waits (and ends dead after N attempts) until the
            # partner is configured, so nothing written before that is lost.
            raise PartnerError(f"PARTNER_{self.slug.upper()}_URL is not set.")
        return url

    def headers(self, disclosure: Disclosure) -> dict[str, str]:
        """Headers every request carries: the event id makes repeats idempotent."""
        headers = {
            "Idempotency-Key": str(disclosure.event_id),
            "X-Event-Type": disclosure.event,
        }
        token = self.config.get("token") or ""
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def request(
        self,
        disclosure: Disclosure,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        ok_statuses: tuple[int, ...] = (),
    ) -> http.Response:
        """Send one request and raise `PartnerError` unless it succeeded."""
        response = http.request(
            method,
            self.base_url + path,
            json_body=body,
            headers=self.headers(disclosure),
            timeout=float(getattr(settings, "PARTNER_HTTP_TIMEOUT", 10.0)),
            # The whole call, however slowly the partner answers (see http.py).
            deadline=float(getattr(settings, "PARTNER_HTTP_DEADLINE", 15.0)),
        )
        if response.ok or response.status in ok_statuses:
            return response
        raise PartnerError(
            f"{self.slug}: HTTP {response.status} on {method} {path}",
            permanent=response.is_permanent_failure,
        )

    @abstractmethod
    def send(self, disclosure: Disclosure) -> None:
        """Deliver one event; raise `PartnerError` when it was not delivered."""


# Payload keys that are about the event, not fields of the member.
META_KEYS = frozenset({"eligible", "subscriber_hash", "order"})


def mapped(payload: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    """Return the payload's fields under the partner's names (our names when `mapping`
    is empty); fields the recipient does not receive are not in the payload, so they
    are not in the result either."""
    if not mapping:
        return {key: value for key, value in payload.items() if key not in META_KEYS}
    return {theirs: payload[ours] for ours, theirs in mapping.items() if ours in payload}


class MemberResourceAdapter(PartnerAdapter):
    """Partners with a plain REST resource per member: PUT to upsert, DELETE to erase.

    Subclasses give `resource` (the path below the base URL) and `field_map`; used as
    is (our field names) for a recipient added in admin without a module of its own,
    such as a product partner. Product orders go to `/orders/{id}`."""

    resource = "/members"
    field_map: dict[str, str] = {}

    def __init__(self, config: dict[str, str] | None = None, *, slug: str = "") -> None:
        super().__init__(config)
        if slug:
            self.slug = slug

    def body(self, disclosure: Disclosure) -> dict[str, Any]:
        payload = disclosure.payload
        body = {
            "event_id": str(disclosure.event_id),
            "event": disclosure.event,
            "occurred_at": disclosure.created_at.isoformat(),
            "active": bool(payload.get("eligible", True)),
            **mapped(payload, self.field_map),
        }
        if "order" in payload:
            body["order"] = payload["order"]
        return body

    def send(self, disclosure: Disclosure) -> None:
        path = f"{self.resource}/{disclosure.member_number}"
        if "order" in disclosure.payload:
            path = f"/orders/{disclosure.payload['order']['id']}"
        if disclosure.event == "erased":
            # 404: the partner never had the member, or already erased it.
            self.request(disclosure, "DELETE", path, ok_statuses=(404, 410))
            return
        self.request(disclosure, "PUT", path, self.body(disclosure))
