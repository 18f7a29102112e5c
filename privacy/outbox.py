"""The transactional outbox: what each partner gets, written in the same transaction as
the change, and delivered afterwards by `privacy.deliver_disclosures`.

Writing (`queue_member_event`, `queue_position_event`, `queue_order_event`) decides,
per active `Recipient`, whether the change concerns it (its fields, its rule) and
writes one `Disclosure` row holding only that recipient's fields. After commit a
delivery task is enqueued; if that fails (Redis down), the row waits for the periodic
sweep. Nothing is ever sent from inside the writing transaction.

Delivering (`deliver_due`) sends due rows through the recipient's adapter, one row per
short transaction, locked with SKIP LOCKED on PostgreSQL so workers never send the same
row twice at once, in order per member and recipient, with exponential backoff and a
dead-letter state. Sent rows stay: they are the log of what was shared with whom.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, Max, OuterRef
from django.utils import timezone

from config.celery import enqueue

from .models import Disclosure, DisclosureEvent, DisclosureStatus, Recipient, RecipientRule
from .partners import PartnerError, get_adapter

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

DUE_STATUSES = (DisclosureStatus.PENDING, DisclosureStatus.FAILED)
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


def enqueue_delivery(ids: list[int] | None = None, *, countdown: float | None = None) -> bool:
    """Ask a worker to deliver these rows. Never raises: when the broker is down the
    rows stay due and the periodic sweep delivers them. Returns whether it was queued."""
    try:
        enqueue(
            "privacy.deliver_disclosures",
            kwargs={"ids": ids},
            countdown=countdown or 0,
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.5},
        )
    except Exception:
        logger.warning(
            "Could not enqueue delivery of %d disclosure(s); the sweep will deliver them.",
            len(ids or ()),
            exc_info=True,
        )
        return False
    return True


# --- Delivering ----------------------------------------------------------------------


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter after `attempts` failed tries: half the delay
    fixed, half random, so partners coming back are not hit by every row at once."""
    base = float(getattr(settings, "DISCLOSURE_BACKOFF_SECONDS", 30.0))
    cap = float(getattr(settings, "DISCLOSURE_BACKOFF_MAX_SECONDS", 6 * 3600))
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 - jitter, not security


@dataclass
class DeliveryResult:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)
    blocked: list[int] = field(default_factory=list)
    # Seconds until every row that failed in this run is due again.
    retry_after: float | None = None

    def merge(self, other: DeliveryResult) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.dead += other.dead
        self.blocked += other.blocked
        if other.retry_after is not None:
            self.retry_after = max(self.retry_after or 0.0, other.retry_after)


def _locked(queryset):
    if connection.vendor == "postgresql":
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


def _same_stream(**filters):
    """Other rows of the same member for the same recipient (for an Exists subquery)."""
    return Disclosure.objects.filter(
        recipient_id=OuterRef("recipient_id"), member_number=OuterRef("member_number"), **filters
    )


def _deliver_one(pk: int, result: DeliveryResult) -> Disclosure | None:
    """Deliver one due row in its own transaction. Returns the row when it was sent."""
    now = timezone.now()
    with transaction.atomic():
        # One round trip: lock the row (skipped if another worker has it) and learn
        # whether an earlier event is still unsent and whether a later one waits.
        row = (
            _locked(Disclosure.objects.select_related("recipient"))
            .filter(pk=pk, status__in=DUE_STATUSES, next_attempt_at__lte=now)
            .annotate(
                earlier_unsent=Exists(
                    _same_stream(pk__lt=OuterRef("pk")).exclude(status=DisclosureStatus.SENT)
                ),
                has_follower=Exists(_same_stream(pk__gt=OuterRef("pk"), status__in=DUE_STATUSES)),
            )
            .first()
        )
        if row is None:
            return None  # Another worker has it, or it is done or not due.
        if row.earlier_unsent:
            # Per-member order: this event waits until the one before it is sent.
            result.blocked.append(row.pk)
            return None
        row.attempts += 1
        try:
            get_adapter(row.recipient.slug).send(row)
        except PartnerError as error:
            row.last_error = error.message[:500]
            max_attempts = int(getattr(settings, "DISCLOSURE_MAX_ATTEMPTS", 8))
            if error.permanent or row.attempts >= max_attempts:
                row.status = DisclosureStatus.DEAD
                result.dead.append(row.pk)
                logger.warning("Disclosure %s is dead: %s", row.event_id, row.last_error)
            else:
                row.status = DisclosureStatus.FAILED
                delay = backoff_seconds(row.attempts)
                row.next_attempt_at = timezone.now() + dt.timedelta(seconds=delay)
                result.failed.append(row.pk)
                result.retry_after = max(result.retry_after or 0.0, delay)
            row.save(update_fields=["attempts", "status", "last_error", "next_attempt_at"])
            return None
        row.status = DisclosureStatus.SENT
        row.sent_at = timezone.now()
        row.last_error = ""
        if row.event == DisclosureEvent.ERASED:
            # The partner has erased the member: the log keeps only the member number.
            row.payload = {"member_number": row.member_number}
        row.save(update_fields=["attempts", "status", "sent_at", "last_error", "payload"])
        result.sent.append(row.pk)
        return row


def _next_in_line(row: Disclosure) -> int | None:
    return (
        Disclosure.objects.filter(
            recipient_id=row.recipient_id,
            member_number=row.member_number,
            pk__gt=row.pk,
            status__in=DUE_STATUSES,
            next_attempt_at__lte=timezone.now(),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def deliver_due(
    *, ids: Iterable[int] | None = None, batch_size: int = 200, time_budget: float | None = None
) -> DeliveryResult:
    """Deliver due rows (only `ids` when given, else every due row), oldest first.
    Stops after `time_budget` seconds; what is left waits for the next run."""
    started = time.monotonic()
    result = DeliveryResult()
    due = Disclosure.objects.filter(status__in=DUE_STATUSES, next_attempt_at__lte=timezone.now())
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    last_pk = 0
    while True:
        batch = list(
            due.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not batch:
            break
        for pk in batch:
            sent = _deliver_one(pk, result)
            # Once an event is sent, the member's next event for that partner may go.
            while sent is not None:
                follower = _next_in_line(sent) if getattr(sent, "has_follower", True) else None
                sent = _deliver_one(follower, result) if follower else None
            if time_budget is not None and time.monotonic() - started > time_budget:
                return result
        last_pk = batch[-1]
    return result


def retry_disclosures(pks: Iterable[int]) -> int:
    """Put dead or failed rows back in the queue with a fresh set of attempts (staff
    action). Returns how many rows were reset."""
    pks = list(pks)
    count = Disclosure.objects.filter(
        pk__in=pks, status__in=(DisclosureStatus.DEAD, DisclosureStatus.FAILED)
    ).update(status=DisclosureStatus.PENDING, attempts=0, next_attempt_at=timezone.now())
    if count:
        transaction.on_commit(partial(enqueue_delivery, pks))
    return count


def delivery_backlog() -> dict[str, int]:
    """Rows per status other than sent: waiting, failing and dead (admin, monitoring)."""
    counts = dict.fromkeys(DisclosureStatus.values, 0)
    counts.pop(DisclosureStatus.SENT)
    rows = Disclosure.objects.exclude(status=DisclosureStatus.SENT).values("status")
    for row in rows.annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts
