"""The send itself, run by the `members.send_message` task: build the recipient rows,
then claim and send them in batches, at the configured rate, resumable at any point.

Resuming without duplicates: a worker first takes the message's *lease* (one worker per
message; a killed worker's lease runs out after MESSAGING_LEASE_SECONDS). It claims a
batch of rows in a short committed transaction, sends them one by one and commits each
row as sent the moment the SMTP server (or SMS gateway) has accepted it. A new lease
holder puts rows still claimed by the dead worker back to pending: none of them was
accepted, except possibly the single one whose acceptance and commit were cut apart by
the kill (that one is resent, with the same Message-ID). Nothing is ever held in a
long transaction, and the web process only enqueues.

The rows are built when the send starts, but a large send at a gentle rate takes hours:
each batch re-reads its members' choices and addresses, and a member who has turned the
channel off since is not sent to (their row is dropped: nothing was delivered).

A send runs at most MESSAGING_SLICE_SECONDS per task and then re-enqueues itself, so a
70,000-member send at a gentle rate neither blocks a worker nor hits the task limits.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from config.celery import enqueue
from members.models import Member

from .compose import EmailTemplate, sms_text
from .models import Channel, DeliveryState, Message, MessageRecipient, MessageStatus
from .segments import Routing, members_in, routing_for
from .sms import PartnerError, send_sms

logger = logging.getLogger(__name__)

TASK = "members.send_message"
BUILD_CHUNK = 5_000
SMTP_TIMEOUT = 30
MEMBER_FIELDS = ("pk", "first_name", "last_name", "member_number", "club__name", "email", "phone")


def enqueue_send(message_id: int, *, countdown: float = 0) -> bool:
    """Queue the send; never raises (the sweep picks the message up otherwise)."""
    try:
        enqueue(TASK, kwargs={"message_id": message_id}, countdown=countdown)
    except Exception:
        logger.warning("Could not enqueue message %s; the sweep will.", message_id, exc_info=True)
        return False
    return True


# --- Lease ---------------------------------------------------------------------------


def _lease_seconds() -> int:
    return settings.MESSAGING_LEASE_SECONDS


def take_lease(message_id: int, owner: str) -> bool:
    now = timezone.now()
    taken = (
        Message.objects.filter(pk=message_id)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=owner))
        .update(lease_owner=owner, lease_until=now + dt.timedelta(seconds=_lease_seconds()))
    )
    return bool(taken)


def renew_lease(message_id: int, owner: str) -> bool:
    """Extend our lease; False when another worker has taken the message over."""
    until = timezone.now() + dt.timedelta(seconds=_lease_seconds())
    return bool(Message.objects.filter(pk=message_id, lease_owner=owner).update(lease_until=until))


class Lease:
    """Our hold on one message during the send loop, renewed every third of its length
    (one UPDATE, not one per row); raises LeaseLost when another worker has it."""

    def __init__(self, message_id: int, owner: str) -> None:
        self.message_id = message_id
        self.owner = owner
        self.renewed = time.monotonic()
        self.every = _lease_seconds() / 3

    def keep(self, *, now: bool = False) -> None:
        if not now and time.monotonic() - self.renewed < self.every:
            return
        if not renew_lease(self.message_id, self.owner):
            raise LeaseLost
        self.renewed = time.monotonic()


def release_lease(message_id: int, owner: str) -> None:
    Message.objects.filter(pk=message_id, lease_owner=owner).update(
        lease_owner="", lease_until=None
    )


# --- Rate limit ----------------------------------------------------------------------


class RateLimiter:
    """At most MESSAGING_RATE_PER_MINUTE sends per minute across every worker (a counter
    per short window in the shared cache: Redis in production). Windows are one second
    (or 60/rate seconds for slow rates), so the relay sees an even stream, not a burst
    at the start of each minute."""

    def __init__(self, per_minute: int | None = None) -> None:
        self.per_minute = settings.MESSAGING_RATE_PER_MINUTE if per_minute is None else per_minute
        if self.per_minute > 0:
            self.window = max(1.0, 60.0 / self.per_minute)
            self.allowed = max(1, round(self.per_minute * self.window / 60.0))

    def wait(self) -> None:
        if self.per_minute <= 0:
            return
        while True:
            now = time.time()
            slot = int(now // self.window)
            key = f"messaging:rate:{slot}"
            cache.add(key, 0, timeout=int(self.window) + 5)
            try:
                used = cache.incr(key)
            except ValueError:  # expired between add and incr
                continue
            if used <= self.allowed:
                return
            time.sleep(max(0.0, (slot + 1) * self.window - now))


# --- Building the rows ---------------------------------------------------------------


def build_recipients(message: Message, owner: str) -> int:
    """Write one row per member and channel, in chunks of short transactions; a
    rebuild after a kill skips the rows already there. Returns rows written."""
    if message.created_by is None:
        return 0
    members = members_in(message.segment, message.created_by).order_by("pk")
    routing = routing_for(message)
    written = 0
    for channel in message.channels:
        after = 0
        selected = members.filter(routing.for_channel(channel))
        while ids := list(selected.filter(pk__gt=after).values_list("pk", flat=True)[:BUILD_CHUNK]):
            after = ids[-1]
            with transaction.atomic():
                rows = MessageRecipient.objects.bulk_create(
                    [MessageRecipient(message=message, member_id=i, channel=channel) for i in ids],
                    ignore_conflicts=True,
                    batch_size=1000,
                )
            written += len(rows)
            if not renew_lease(message.pk, owner):
                raise LeaseLost
    Message.objects.filter(pk=message.pk).update(built=True)
    return written


class LeaseLost(Exception):
    """Another worker took the message over; this one stops."""


# --- Sending -------------------------------------------------------------------------


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    retry: int = 0
    withdrawn: int = 0
    stopped: str = ""
    errors: list[str] = field(default_factory=list)


def _claim(message_id: int, size: int) -> list[int]:
    with transaction.atomic():
        pending = MessageRecipient.objects.filter(
            message_id=message_id, state=DeliveryState.PENDING
        ).exclude(channel=Channel.LETTER)
        ids = list(
            pending.select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        if ids:
            MessageRecipient.objects.filter(pk__in=ids).update(
                state=DeliveryState.CLAIMED, claimed_at=timezone.now()
            )
    return ids


def _mark(row_id: int, state: str, *, error: str = "", attempts_up: bool = True) -> None:
    update: dict = {"state": state, "error": error[:100]}
    if attempts_up:
        update["attempts"] = F("attempts") + 1
    if state == DeliveryState.SENT:
        update["sent_at"] = timezone.now()
    MessageRecipient.objects.filter(pk=row_id).update(**update)


class _Smtp:
    """One SMTP connection, reopened after a failure."""

    def __init__(self) -> None:
        self.connection: Any = None

    def send(self, email) -> None:
        if self.connection is None:
            # A relay that hangs must not hold the worker past its lease (Django's
            # default is no timeout at all).
            timeout = getattr(settings, "EMAIL_TIMEOUT", None) or SMTP_TIMEOUT
            self.connection = get_connection(fail_silently=False, timeout=timeout)
            self.connection.open()
        email.connection = self.connection
        try:
            email.send()
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:  # noqa: S110 - closing a broken connection may fail too
                pass
            self.connection = None


def _members_for(rows: dict, routing: Routing) -> dict[tuple[int, str], dict]:
    """The batch's members who may still get the message by their row's channel, read
    now: a member who turned a channel off (or lost an address) after the rows were
    built is not sent to. Keyed by (member id, channel); one query per channel."""
    by_channel: dict[str, set[int]] = {}
    for member_id, channel, _attempts in rows.values():
        by_channel.setdefault(channel, set()).add(member_id)
    allowed: dict[tuple[int, str], dict] = {}
    for channel, member_ids in by_channel.items():
        for row in (
            Member.objects.filter(pk__in=member_ids)
            .filter(routing.for_channel(channel))
            .order_by()
            .values(*MEMBER_FIELDS)
        ):
            allowed[(row["pk"], channel)] = row
    return allowed


def _send_rows(message: Message, ids: list[int], ctx: dict, outcome: Outcome) -> None:
    rows = {
        pk: (member_id, channel, attempts)
        for pk, member_id, channel, attempts in MessageRecipient.objects.filter(
            pk__in=ids
        ).values_list("pk", "member_id", "channel", "attempts")
    }
    allowed = _members_for(rows, ctx["routing"])
    # Rows of members who withdrew their consent (or were erased) since the build:
    # nothing was sent to them, so no delivery record stays either.
    withdrawn = {pk for pk, (m, channel, _a) in rows.items() if (m, channel) not in allowed}
    if withdrawn:
        MessageRecipient.objects.filter(pk__in=withdrawn).delete()
        outcome.withdrawn += len(withdrawn)
    max_attempts = settings.MESSAGING_MAX_ATTEMPTS
    for row_id in ids:
        if row_id not in rows or row_id in withdrawn:
            continue  # erased meanwhile: the row went with the member
        # Checked per row, not per batch: at a slow rate one batch can outlast the
        # lease, and a worker that no longer holds it must not send another row.
        ctx["lease"].keep()
        if time.monotonic() > ctx["deadline"]:
            outcome.stopped = "slice"
            return
        member_id, channel, tries = rows[row_id]
        member = allowed[(member_id, channel)]
        ctx["limiter"].wait()
        try:
            if channel == Channel.EMAIL:
                ctx["smtp"].send(ctx["email"].build(member, to=member["email"], row_id=row_id))
            else:
                send_sms(
                    event_id=f"melding-{message.pk}-{row_id}",
                    phone=member["phone"],
                    text=sms_text(message, member),
                )
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as error:
            code = _smtp_code(error)
            permanent = code is None or code >= 500
            _fail(row_id, f"smtp {code or '?'}", permanent, tries, max_attempts, outcome)
            continue
        except PartnerError as error:
            _fail(row_id, error.message, error.permanent, tries, max_attempts, outcome)
            if not error.permanent:
                outcome.stopped = "sms_unavailable"
                return
            continue
        except (smtplib.SMTPException, OSError) as error:
            # The relay is down or hung up: stop here, the rest waits for the next try.
            _fail(row_id, type(error).__name__, False, tries, max_attempts, outcome)
            outcome.stopped = "smtp_unavailable"
            return
        _mark(row_id, DeliveryState.SENT)
        outcome.sent += 1


def _smtp_code(error) -> int | None:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in error.recipients.values()]
        return codes[0] if codes else None
    return getattr(error, "smtp_code", None)


def _fail(row_id, error: str, permanent: bool, attempts: int, max_attempts: int, outcome) -> None:
    if permanent or attempts + 1 >= max_attempts:
        _mark(row_id, DeliveryState.FAILED, error=error)
        outcome.failed += 1
    else:
        _mark(row_id, DeliveryState.PENDING, error=error)
        outcome.retry += 1


def _finish_if_done(message_id: int) -> bool:
    open_rows = MessageRecipient.objects.filter(
        message_id=message_id, state__in=[DeliveryState.PENDING, DeliveryState.CLAIMED]
    )
    if open_rows.exists():
        return False
    Message.objects.filter(pk=message_id, status=MessageStatus.SENDING).update(
        status=MessageStatus.SENT, finished_at=timezone.now()
    )
    return True


def run_send(*, message_id: int, slice_seconds: float | None = None) -> Outcome:
    """Do (part of) one send; returns what happened. Safe to call any number of times,
    from any number of workers at once: only the lease holder sends."""
    outcome = Outcome()
    owner = str(uuid.uuid4())
    now = timezone.now()
    # A scheduled message whose time has come starts here (the sweep or its ETA).
    Message.objects.filter(
        pk=message_id, status=MessageStatus.SCHEDULED, scheduled_at__lte=now
    ).update(status=MessageStatus.SENDING)
    if not take_lease(message_id, owner):
        outcome.stopped = "leased"
        return outcome
    try:
        message = Message.objects.select_related("created_by").get(pk=message_id)
        if message.status != MessageStatus.SENDING:
            outcome.stopped = "not_sending"
            return outcome
        if message.started_at is None:
            Message.objects.filter(pk=message_id).update(started_at=now)
        if not message.built:
            build_recipients(message, owner)
        # Ours now: rows a dead worker had claimed go back to the queue.
        MessageRecipient.objects.filter(message_id=message_id, state=DeliveryState.CLAIMED).update(
            state=DeliveryState.PENDING
        )
        # Letters are "sent" when they are in the print file (the letters PDF).
        MessageRecipient.objects.filter(
            message_id=message_id, channel=Channel.LETTER, state=DeliveryState.PENDING
        ).update(state=DeliveryState.SENT, sent_at=timezone.now(), attempts=1)
        _send_loop(message, owner, outcome, slice_seconds)
    except LeaseLost:
        outcome.stopped = "lease_lost"
        return outcome
    finally:
        # Rows claimed but not attempted (a stop mid-batch) go back to the queue.
        if outcome.stopped != "lease_lost":
            MessageRecipient.objects.filter(
                message_id=message_id, state=DeliveryState.CLAIMED
            ).update(state=DeliveryState.PENDING)
        release_lease(message_id, owner)
    if outcome.stopped == "slice":
        # Carry on in a fresh task. When the relay or gateway was down, the sweep
        # (every minute) tries again instead: the lease is free, the rows wait.
        enqueue_send(message_id)
    logger.info(
        "Message %s: %d sent, %d failed, %d to retry, %d withdrawn (%s).",
        message_id,
        outcome.sent,
        outcome.failed,
        outcome.retry,
        outcome.withdrawn,
        outcome.stopped or "done",
    )
    return outcome


def _relax_commits() -> bool:
    """On PostgreSQL, commit the "sent" marks without waiting for the WAL flush. A killed
    worker loses nothing by it (the commit is already in the server); only a crash of
    the database server itself could forget the last fraction of a second of marks, and
    those e-mails would be sent again. Worth it: a flush per e-mail caps a send at the
    disk's fsync rate."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    return True


def _send_loop(message: Message, owner: str, outcome: Outcome, slice_seconds) -> None:
    if slice_seconds is None:
        slice_seconds = getattr(settings, "MESSAGING_SLICE_SECONDS", 600)
    deadline = time.monotonic() + slice_seconds
    ctx: dict[str, Any] = {
        "limiter": RateLimiter(),
        "smtp": _Smtp(),
        "email": EmailTemplate.for_message(message),
        "routing": routing_for(message),
        "lease": Lease(message.pk, owner),
        "deadline": deadline,
    }
    relaxed = _relax_commits()
    try:
        while True:
            ctx["lease"].keep(now=True)
            if Message.objects.filter(pk=message.pk, status=MessageStatus.CANCELLED).exists():
                outcome.stopped = "cancelled"
                return
            ids = _claim(message.pk, settings.MESSAGING_BATCH_SIZE)
            if not ids:
                if _finish_if_done(message.pk):
                    return
                outcome.stopped = "retry_later"
                return
            _send_rows(message, ids, ctx, outcome)
            if outcome.stopped:
                return
    finally:
        ctx["smtp"].close()
        if relaxed:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
