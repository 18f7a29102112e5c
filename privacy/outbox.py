"""The transactional outbox: what each partner gets, written in the same transaction as
the change, and delivered afterwards by `privacy.deliver_disclosures`.

Writing (`queue_member_event`, `queue_position_event`, `queue_order_event`) decides,
per active `Recipient`, whether the change concerns it (its fields, its rule) and
writes one `Disclosure` row holding only that recipient's fields. After commit a
delivery task is enqueued; if that fails (Redis down), the row waits for the periodic
sweep. Nothing is ever sent from inside the writing transaction.

Delivering lives in `privacy.delivery` (claimed leases, a total deadline per call, a
circuit breaker per partner); its entry points are re-exported here. Sent rows stay:
they are the log of what was shared with whom.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from .delivery import (
    DUE_STATUSES,
    DeliveryResult,
    backoff_seconds,
    deliver_due,
    delivery_backlog,
    enqueue_delivery,
    retry_disclosures,
)
from .models import Disclosure, DisclosureEvent, Recipient, RecipientRule
from .partners import get_adapter

if TYPE_CHECKING:
    from clubs.models import Position
    from members.models import Member, Order

logger = logging.getLogger(__name__)

# The member fields a recipient may be given. Secrets (national id, bank account) are
# deliberately absent: no partner gets them, and the outbox never stores them.
MEMBER_FIELDS = frozenset(
    {
        "member_number",
        "first_name",
        "last_name",
        "birth_date",
        "street",
        "postal_code",
        "city",
        "country",
        "phone",
        "email",
        "membership_type",
        "status",
        "joined_lo_on",
        "joined_union_on",
        "joined_branch_on",
        "resigned_on",
        "resignation_reason",
        "branch",
        "club",
        "employer",
        "allow_email",
        "allow_sms",
        "newsletter",
        "magazine",
        "surveys",
    }
)
# Fields that come from the member's club position (training platform).
POSITION_FIELDS = frozenset({"position", "position_started_on"})

OPEN_ORDER_STATUSES = ("pending", "confirmed")


# --- Writing -------------------------------------------------------------------------


def _json(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def member_value(member: Member, name: str) -> Any:
    """Return one field of the member as the partners get it (JSON-ready)."""
    if name == "branch":
        return member.branch.number if member.branch_id else None
    if name == "club":
        club = member.club
        return club.name if club is not None else None
    if name == "employer":
        employer = member.employer
        return employer.org_number if employer is not None else None
    return _json(getattr(member, name))


def _current_club_position(member: Member) -> Position | None:
    return (
        member.positions.current().filter(club__isnull=False).order_by("-started_on", "-id").first()
    )


def build_payload(
    recipient: Recipient, member: Member, *, position: Position | None = None
) -> dict[str, Any]:
    """Return exactly the recipient's fields of the member (plus the member number,
    which identifies the row on both sides)."""
    payload: dict[str, Any] = {"member_number": member.member_number}
    wanted = set(recipient.fields)
    for name in sorted(wanted & MEMBER_FIELDS):
        payload[name] = member_value(member, name)
    if wanted & POSITION_FIELDS:
        position = position or _current_club_position(member)
        if "position" in wanted:
            payload["position"] = position.title if position else None
        if "position_started_on" in wanted:
            payload["position_started_on"] = _json(position.started_on) if position else None
    return payload


def qualifies(recipient: Recipient, member: Member) -> bool:
    """Whether the recipient's rule admits the member now."""
    if member.status != "active":
        return False
    rule = recipient.rule
    if rule == RecipientRule.ALL_ACTIVE:
        return True
    if rule == RecipientRule.EMAIL_CONSENT:
        return bool(member.allow_email and member.email)
    if rule == RecipientRule.NEWSLETTER:
        return bool(member.email) and (member.newsletter or member.magazine == "digital")
    if rule == RecipientRule.SURVEY_CONSENT:
        return bool(member.surveys and member.email)
    if rule == RecipientRule.NOT_RESERVED:
        return not member.benefits_marketing_reserved
    if rule == RecipientRule.NEW_CLUB_OFFICERS:
        return _current_club_position(member) is not None
    if rule == RecipientRule.ORDERS:
        return member.orders.filter(
            product__partner=recipient, status__in=OPEN_ORDER_STATUSES
        ).exists()
    return False


def _latest_payloads(member_number: int, recipients: Iterable[Recipient]) -> dict[int, dict]:
    """Return, per recipient id, the payload of the newest disclosure of the member
    that still describes the member (not an erasure)."""
    rows = (
        Disclosure.objects.filter(
            member_number=member_number, recipient__in=list(recipients), payload__has_key="eligible"
        )
        .exclude(event=DisclosureEvent.ERASED)
        .order_by("recipient_id", "-id")
        .values_list("recipient_id", "payload")
    )
    latest: dict[int, dict] = {}
    for recipient_id, payload in rows:
        latest.setdefault(recipient_id, payload)
    return latest


def _enrich(recipient: Recipient, payload: dict, previous: dict | None) -> dict:
    enrich = getattr(get_adapter(recipient.slug), "enrich", None)
    return enrich(payload, previous) if enrich else payload


def _decide(
    recipient: Recipient,
    member: Member,
    event: str,
    changed_fields: set[str] | None,
    previous: dict | None,
    *,
    position: Position | None = None,
) -> Disclosure | None:
    """Return the unsaved disclosure the change means for this recipient, or None."""
    known = previous is not None and previous.get("eligible", True)
    admitted = qualifies(recipient, member)
    if not admitted and not known:
        return None
    if admitted and known and changed_fields is not None and event == DisclosureEvent.UPDATED:
        if not (set(changed_fields) & (set(recipient.fields) | {"member_number"})):
            return None
    if admitted and not known:
        event = DisclosureEvent.CREATED
    elif not admitted:
        # The member left the recipient's group: the partner is told to unsubscribe
        # (a resignation stays a resignation, anything else is an update).
        event = DisclosureEvent.RESIGNED if member.status != "active" else DisclosureEvent.UPDATED
    payload = build_payload(recipient, member, position=position)
    payload["eligible"] = admitted
    payload = _enrich(recipient, payload, previous)
    return Disclosure(
        recipient=recipient,
        member=member,
        member_number=member.member_number,
        event=event,
        fields=sorted(k for k in payload if k in set(recipient.fields)),
        payload=payload,
    )


def _write(disclosures: list[Disclosure]) -> list[Disclosure]:
    if not disclosures:
        return []
    now = timezone.now()
    for disclosure in disclosures:
        disclosure.created_at = now
        disclosure.next_attempt_at = now
    created = Disclosure.objects.bulk_create(disclosures)
    ids = [d.pk for d in created if d.pk is not None]
    if not ids:  # Backends that do not return ids from bulk inserts.
        ids = list(
            Disclosure.objects.filter(event_id__in=[d.event_id for d in created]).values_list(
                "pk", flat=True
            )
        )
    transaction.on_commit(partial(enqueue_delivery, ids))
    return created


def queue_member_event(
    *, member: Member, event: str, changed_fields: set[str] | None = None
) -> list[Disclosure]:
    """Write the disclosures a change of the member means, in the caller's transaction.

    `event` is created, updated or resigned; `changed_fields` the field names that
    changed (None: all). A recipient gets a row when the member is in its group and a
    field it receives changed, when the member joins its group (created), or when the
    member leaves it (consent withdrawn, resigned: an update that unsubscribes).
    Returns the rows written."""
    recipients = list(Recipient.objects.filter(active=True).exclude(rule=RecipientRule.ORDERS))
    recipients += list(
        Recipient.objects.filter(
            active=True,
            rule=RecipientRule.ORDERS,
            products__orders__member=member,
        ).distinct()
    )
    if not recipients:
        return []
    if event == DisclosureEvent.CREATED:
        changed_fields = None
    latest = _latest_payloads(member.member_number, recipients)
    disclosures = [
        d
        for recipient in recipients
        if (d := _decide(recipient, member, event, changed_fields, latest.get(recipient.pk)))
    ]
    return _write(disclosures)


def queue_position_event(*, position: Position, event: str) -> list[Disclosure]:
    """Tell the training platform (rule: new club-level officers) about a club position
    that started or changed. Branch-level positions are not shared."""
    if not position.club_id:
        return []
    member = position.member
    recipients = list(Recipient.objects.filter(active=True, rule=RecipientRule.NEW_CLUB_OFFICERS))
    if not recipients:
        return []
    latest = _latest_payloads(member.member_number, recipients)
    # The current club position is what the platform gets (the ended one, if none is
    # left, with the member no longer admitted: an update that unsubscribes).
    shown = _current_club_position(member) or position
    disclosures = []
    for recipient in recipients:
        # A member the platform does not know yet becomes `created` in _decide.
        disclosure = _decide(
            recipient,
            member,
            DisclosureEvent.UPDATED,
            None,
            latest.get(recipient.pk),
            position=shown,
        )
        if disclosure:
            disclosures.append(disclosure)
    return _write(disclosures)


def queue_order_event(*, order: Order, event: str) -> list[Disclosure]:
    """Send a product order to the product's partner: the partner's member fields and
    the order itself (id, product, status, time)."""
    recipient = order.product.partner
    if not recipient.active:
        return []
    member = order.member
    payload = build_payload(recipient, member)
    payload["eligible"] = order.status in OPEN_ORDER_STATUSES
    payload["order"] = {
        "id": order.pk,
        "product": order.product.name,
        "status": order.status,
        "ordered_at": _json(order.ordered_at),
    }
    disclosure = Disclosure(
        recipient=recipient,
        member=member,
        member_number=member.member_number,
        event=event if event in DisclosureEvent.values else DisclosureEvent.UPDATED,
        fields=sorted(k for k in payload if k in set(recipient.fields)) + ["order"],
        payload=payload,
    )
    return _write([disclosure])


def queue_recipient_sync(recipient: Recipient, members: Iterable[Member]) -> list[Disclosure]:
    """Bulk load: write a `created` row for each given member the recipient admits and
    does not already have. Returns the rows written (caller's transaction)."""
    members = list(members)
    numbers = [m.member_number for m in members]
    latest_ids = (
        Disclosure.objects.filter(
            recipient=recipient, member_number__in=numbers, payload__has_key="eligible"
        )
        .exclude(event=DisclosureEvent.ERASED)
        .values("member_number")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    known = {
        number
        for number, payload in Disclosure.objects.filter(id__in=list(latest_ids)).values_list(
            "member_number", "payload"
        )
        if payload.get("eligible", True)
    }
    disclosures = []
    for member in members:
        if member.member_number in known or not qualifies(recipient, member):
            continue
        payload = build_payload(recipient, member)
        payload["eligible"] = True
        payload = _enrich(recipient, payload, None)
        disclosures.append(
            Disclosure(
                recipient=recipient,
                member=member,
                member_number=member.member_number,
                event=DisclosureEvent.CREATED,
                fields=sorted(k for k in payload if k in set(recipient.fields)),
                payload=payload,
            )
        )
    return _write(disclosures)


__all__ = [
    "DUE_STATUSES",
    "DeliveryResult",
    "backoff_seconds",
    "deliver_due",
    "delivery_backlog",
    "enqueue_delivery",
    "queue_member_event",
    "queue_order_event",
    "queue_position_event",
    "queue_recipient_sync",
    "retry_disclosures",
]
