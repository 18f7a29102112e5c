"""Delivering the outbox: `privacy.deliver_disclosures` sends due `Disclosure` rows
through each recipient's adapter.

No database lock is ever held across network I/O. A worker *claims* a batch of due rows
in one short committed transaction (a lease: status `sending`, the attempt counted, and
`next_attempt_at` set to when the lease runs out), sends them with no transaction open,
and records the outcomes in a second short transaction. A worker killed mid-send leaves
its rows `sending` with the attempt counted; when the lease runs out they are due again
for any worker (the partner dedupes by the event id, sent as the idempotency key). The
outcome is written only while the lease is still ours (`next_attempt_at` unchanged), so a
late worker never overwrites what a newer one recorded.

Per member and recipient, events go in the order they happened: a row is claimed only
when every earlier row of its stream is sent. A batch holds at most one row per stream,
so a batch's rows can go to different partners side by side (one thread per partner):
a slow partner delays only its own rows, and after a few failures in a row its circuit
opens, its rows stay due untouched until the circuit's cool-down has passed, and the
other partners' rows flow on.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, F, Min, OuterRef
from django.utils import timezone

from config.celery import enqueue

from .models import Disclosure, DisclosureEvent, DisclosureStatus
from .partners import PartnerError, get_adapter

logger = logging.getLogger(__name__)

# Due when `next_attempt_at` has come: waiting, failed (backoff over), or claimed by a
# worker whose lease ran out (it died or hung).
DUE_STATUSES = (DisclosureStatus.PENDING, DisclosureStatus.FAILED, DisclosureStatus.SENDING)
UNSENT_STATUSES = (
    DisclosureStatus.PENDING,
    DisclosureStatus.FAILED,
    DisclosureStatus.SENDING,
    DisclosureStatus.DEAD,
)
# Partners sent to at once by one worker process.
MAX_PARTNER_THREADS = 8


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def lease_seconds() -> float:
    """How long a claimed batch is ours: long enough for a few calls at their deadline;
    a row whose call could not finish inside the lease is handed back unsent."""
    return _setting("DISCLOSURE_LEASE_SECONDS", 120.0)


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter after `attempts` failed tries: half the delay
    fixed, half random, so partners coming back are not hit by every row at once."""
    base = _setting("DISCLOSURE_BACKOFF_SECONDS", 30.0)
    cap = _setting("DISCLOSURE_BACKOFF_MAX_SECONDS", 6 * 3600)
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 - jitter, not security


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


# --- The circuit breaker ----------------------------------------------------------------


class CircuitBreaker:
    """Per partner, in this process: after `threshold` temporary failures in a row the
    circuit opens for `cooldown` seconds, and then one call probes whether the partner
    is back (one more failure opens it again at once)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[int, int] = defaultdict(int)
        self._open_until: dict[int, float] = {}

    @property
    def threshold(self) -> int:
        return int(_setting("PARTNER_BREAKER_FAILURES", 3))

    @property
    def cooldown(self) -> float:
        return _setting("PARTNER_BREAKER_SECONDS", 60.0)

    def is_open(self, recipient_id: int) -> bool:
        with self._lock:
            return self._open_until.get(recipient_id, 0.0) > time.monotonic()

    def open_ids(self) -> list[int]:
        now = time.monotonic()
        with self._lock:
            return [rid for rid, until in self._open_until.items() if until > now]

    def succeeded(self, recipient_id: int) -> None:
        with self._lock:
            self._failures.pop(recipient_id, None)
            self._open_until.pop(recipient_id, None)

    def failed(self, recipient_id: int) -> bool:
        """Count a temporary failure; returns whether the circuit is now open."""
        with self._lock:
            self._failures[recipient_id] += 1
            if self._failures[recipient_id] >= self.threshold:
                self._open_until[recipient_id] = time.monotonic() + self.cooldown
                return True
            return False

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()
            self._open_until.clear()


breaker = CircuitBreaker()


# --- Claim, send, record ----------------------------------------------------------------


@dataclass
class DeliveryResult:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)
    blocked: list[int] = field(default_factory=list)
    # Rows handed back unsent (their partner's circuit opened, or the lease ran short).
    released: list[int] = field(default_factory=list)
    # Seconds until every row that failed in this run is due again.
    retry_after: float | None = None

    def merge(self, other: DeliveryResult) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.dead += other.dead
        self.blocked += other.blocked
        self.released += other.released
        if other.retry_after is not None:
            self.retry_after = max(self.retry_after or 0.0, other.retry_after)


def _earlier_unsent():
    """An earlier row of the same member for the same recipient that is not sent."""
    return Disclosure.objects.filter(
        recipient_id=OuterRef("recipient_id"),
        member_number=OuterRef("member_number"),
        pk__lt=OuterRef("pk"),
    ).exclude(status=DisclosureStatus.SENT)


def _due(scope, now):
    return scope.filter(status__in=DUE_STATUSES, next_attempt_at__lte=now)


@dataclass
class _Claimed:
    row: Disclosure
    status_before: str


def _claim(scope, *, limit: int, skip: Iterable[int], lease_until: dt.datetime) -> list[_Claimed]:
    """Claim up to `limit` due rows, the first unsent of each stream, in one short
    transaction: count the attempt and take the lease. Rows another worker is claiming
    right now are skipped (SKIP LOCKED on PostgreSQL)."""
    now = timezone.now()
    max_attempts = int(_setting("DISCLOSURE_MAX_ATTEMPTS", 8))
    query = (
        _due(scope, now)
        .exclude(pk__in=list(skip))
        .exclude(recipient_id__in=breaker.open_ids())
        .filter(~Exists(_earlier_unsent()))
        .select_related("recipient")
        .order_by("pk")
    )
    if connection.vendor == "postgresql":
        query = query.select_for_update(skip_locked=True, of=("self",))
    claimed: list[_Claimed] = []
    with transaction.atomic():
        rows = list(query[:limit])
        exhausted = [row for row in rows if row.attempts >= max_attempts]
        for row in exhausted:
            # Its last attempt was claimed by a worker that never reported back.
            row.status = DisclosureStatus.DEAD
            row.last_error = "Arbeidsprosessen stoppet under siste forsøk."
        if exhausted:
            Disclosure.objects.bulk_update(exhausted, ["status", "last_error"])
        live = [row for row in rows if row.attempts < max_attempts]
        for row in live:
            claimed.append(_Claimed(row, row.status))
            row.status = DisclosureStatus.SENDING
            row.attempts += 1
            row.next_attempt_at = lease_until
        if live:
            # One statement for the whole batch (the rows are locked by us).
            Disclosure.objects.filter(pk__in=[row.pk for row in live]).update(
                status=DisclosureStatus.SENDING,
                attempts=F("attempts") + 1,
                next_attempt_at=lease_until,
            )
    return claimed


# Outcomes of one send: None (delivered), a PartnerError, or RELEASED (not sent).
RELEASED = "released"


def _send_stream(rows: list[_Claimed], lease_until: float) -> list[tuple[_Claimed, object]]:
    """Send one partner's rows of a batch in order (runs in a thread; no database)."""
    outcomes: list[tuple[_Claimed, object]] = []
    deadline = _setting("PARTNER_HTTP_DEADLINE", 15.0)
    for claimed in rows:
        recipient_id = claimed.row.recipient_id
        # Never start a call that could outlive the lease, or to a partner that is down.
        if breaker.is_open(recipient_id) or time.monotonic() + deadline > lease_until:
            outcomes.append((claimed, RELEASED))
            continue
        try:
            get_adapter(claimed.row.recipient.slug).send(claimed.row)
        except PartnerError as error:
            if not error.permanent:
                breaker.failed(recipient_id)
            outcomes.append((claimed, error))
        except Exception as error:  # A bug in an adapter must not lose the row.
            logger.exception("Adapter %s raised", claimed.row.recipient.slug)
            outcomes.append((claimed, PartnerError(f"{error.__class__.__name__}")))
        else:
            breaker.succeeded(recipient_id)
            outcomes.append((claimed, None))
    return outcomes


def _send(claimed: list[_Claimed], lease_until: float) -> list[tuple[_Claimed, object]]:
    by_partner: dict[int, list[_Claimed]] = defaultdict(list)
    for item in claimed:
        by_partner[item.row.recipient_id].append(item)
    streams = list(by_partner.values())
    if len(streams) == 1:
        return _send_stream(streams[0], lease_until)
    outcomes: list[tuple[_Claimed, object]] = []
    with ThreadPoolExecutor(max_workers=min(MAX_PARTNER_THREADS, len(streams))) as pool:
        for part in pool.map(partial(_send_stream, lease_until=lease_until), streams):
            outcomes += part
    return outcomes


def _record(
    outcomes: list[tuple[_Claimed, object]], lease_until: dt.datetime, result: DeliveryResult
) -> None:
    """Write what happened, only to rows whose lease is still ours."""
    now = timezone.now()
    max_attempts = int(_setting("DISCLOSURE_MAX_ATTEMPTS", 8))
    ours = Disclosure.objects.filter(status=DisclosureStatus.SENDING, next_attempt_at=lease_until)
    sent = [c.row for c, outcome in outcomes if outcome is None]
    with transaction.atomic():
        plain = [row.pk for row in sent if row.event != DisclosureEvent.ERASED]
        if plain:
            ours.filter(pk__in=plain).update(
                status=DisclosureStatus.SENT, sent_at=now, last_error=""
            )
        for row in sent:
            if row.event == DisclosureEvent.ERASED:
                # The partner has erased the member: the log keeps only the member number.
                ours.filter(pk=row.pk).update(
                    status=DisclosureStatus.SENT,
                    sent_at=now,
                    last_error="",
                    payload={"member_number": row.member_number},
                )
        result.sent += [row.pk for row in sent]
        for claimed, outcome in outcomes:
            row = claimed.row
            if outcome is None:
                continue
            if outcome == RELEASED:
                ours.filter(pk=row.pk).update(
                    status=claimed.status_before, attempts=row.attempts - 1, next_attempt_at=now
                )
                result.released.append(row.pk)
                continue
            assert isinstance(outcome, PartnerError)
            error = outcome.message[:500]
            if outcome.permanent or row.attempts >= max_attempts:
                ours.filter(pk=row.pk).update(status=DisclosureStatus.DEAD, last_error=error)
                result.dead.append(row.pk)
                logger.warning("Disclosure %s is dead: %s", row.event_id, error)
            else:
                delay = backoff_seconds(row.attempts)
                ours.filter(pk=row.pk).update(
                    status=DisclosureStatus.FAILED,
                    last_error=error,
                    next_attempt_at=now + dt.timedelta(seconds=delay),
                )
                result.failed.append(row.pk)
                result.retry_after = max(result.retry_after or 0.0, delay)


def deliver_due(
    *, ids: Iterable[int] | None = None, batch_size: int = 200, time_budget: float | None = None
) -> DeliveryResult:
    """Deliver due rows (with `ids`: those rows and the later events of the same
    members and recipients; else every due row), oldest first, in batches. A row that
    fails is not tried again in the same run. Stops after `time_budget` seconds; what is
    left waits for the next run."""
    started = time.monotonic()
    result = DeliveryResult()
    scope = Disclosure.objects.all()
    id_list: list[int] | None = None
    if ids is not None:
        id_list = list(ids)
        streams = Disclosure.objects.filter(pk__in=id_list)
        scope = scope.filter(
            member_number__in=list(streams.values_list("member_number", flat=True).distinct()),
            recipient_id__in=list(streams.values_list("recipient_id", flat=True).distinct()),
            pk__gte=min(id_list, default=0),
        )
    tried: set[int] = set()
    while True:
        lease = lease_seconds()
        lease_until = timezone.now() + dt.timedelta(seconds=lease)
        claimed = _claim(scope, limit=batch_size, skip=tried, lease_until=lease_until)
        if not claimed:
            break
        outcomes = _send(claimed, time.monotonic() + lease - 1.0)
        _record(outcomes, lease_until, result)
        tried.update(c.row.pk for c, outcome in outcomes if outcome is not None)
        if time_budget is not None and time.monotonic() - started > time_budget:
            break
    if id_list:
        now = timezone.now()
        result.blocked = list(
            Disclosure.objects.filter(pk__in=id_list, status__in=DUE_STATUSES)
            .filter(next_attempt_at__lte=now)
            .filter(Exists(_earlier_unsent()))
            .exclude(pk__in=tried)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
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


# --- Monitoring -------------------------------------------------------------------------


def delivery_backlog() -> dict[str, int]:
    """Rows per status other than sent: waiting, sending, failing and dead."""
    counts = dict.fromkeys(DisclosureStatus.values, 0)
    counts.pop(DisclosureStatus.SENT)
    rows = Disclosure.objects.exclude(status=DisclosureStatus.SENT).values("status")
    for row in rows.annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def oldest_pending_age(now: dt.datetime | None = None) -> float | None:
    """Seconds since the oldest row that is not yet sent (and not dead) was written;
    None when nothing waits."""
    oldest = (
        Disclosure.objects.filter(status__in=DUE_STATUSES)
        .aggregate(oldest=Min("created_at"))
        .get("oldest")
    )
    if oldest is None:
        return None
    return max(0.0, ((now or timezone.now()) - oldest).total_seconds())


def outbox_by_recipient(now: dt.datetime | None = None) -> list[dict]:
    """Per recipient: rows waiting (pending, failed, sending), of which failed, dead
    ones, rows held back behind an unsent earlier event, and the age in seconds of
    the oldest waiting row. For the staff's outbox page."""
    from .models import Recipient

    now = now or timezone.now()
    waiting = Disclosure.objects.filter(status__in=DUE_STATUSES)
    stats: dict[int, dict] = {
        r.pk: {"recipient": r, "waiting": 0, "failed": 0, "sending": 0, "dead": 0, "oldest": None}
        for r in Recipient.objects.order_by("name")
    }
    for row in (
        Disclosure.objects.exclude(status=DisclosureStatus.SENT)
        .values("recipient_id", "status")
        .annotate(n=Count("id"), oldest=Min("created_at"))
        .order_by()
    ):
        entry = stats.get(row["recipient_id"])
        if entry is None:
            continue
        if row["status"] == DisclosureStatus.DEAD:
            entry["dead"] += row["n"]
            continue
        entry["waiting"] += row["n"]
        if row["status"] in (DisclosureStatus.FAILED, DisclosureStatus.SENDING):
            entry[row["status"]] += row["n"]
        if entry["oldest"] is None or row["oldest"] < entry["oldest"]:
            entry["oldest"] = row["oldest"]
    held = waiting.filter(Exists(_earlier_unsent().filter(status=DisclosureStatus.DEAD)))
    for row in held.values("recipient_id").annotate(n=Count("id")).order_by():
        if row["recipient_id"] in stats:
            stats[row["recipient_id"]]["held"] = row["n"]
    for entry in stats.values():
        entry.setdefault("held", 0)
        entry["oldest_seconds"] = (
            (now - entry["oldest"]).total_seconds() if entry["oldest"] else None
        )
    return list(stats.values())
