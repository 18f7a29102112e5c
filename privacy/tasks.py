"""Celery tasks for privacy: thin wrappers that load by id, re-check state and call the
outbox or the shredder. Every task is safe to run twice.

A database outage must not drop queued work: both tasks retry on `OperationalError`
(and `InterfaceError`, a connection that died) with exponential backoff. Their time
limits stay well below the broker's visibility timeout (settings), so a task that is
still running is never handed to a second worker."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from config.celery import enqueue

from . import erasure, outbox, sessions

logger = logging.getLogger(__name__)

# Follow-up runs for failed rows are scheduled in the task only when they are due soon;
# longer backoffs are left to the periodic sweep (ETA tasks held for hours in a worker
# would be redelivered by Redis after its visibility timeout anyway).
SHORT_RETRY_SECONDS = 300
# The sweep runs every minute; it stops before the next one starts.
SWEEP_TIME_BUDGET = 50.0
DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY = {
    "autoretry_for": DATABASE_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 12,
}


@shared_task(
    name="privacy.deliver_disclosures",
    bind=True,
    acks_late=True,
    ignore_result=True,
    soft_time_limit=240,
    time_limit=300,
    **RETRY,
)
def deliver_disclosures(self, ids: list[int] | None = None) -> dict[str, int]:
    """Deliver the given outbox rows, or (from beat, without ids) every due row.
    Rows that are no longer due (sent, claimed by another worker) are skipped."""
    result = outbox.deliver_due(ids=ids, time_budget=None if ids else SWEEP_TIME_BUDGET)
    retry_after = result.retry_after
    if result.failed and retry_after is not None and retry_after <= SHORT_RETRY_SECONDS:
        # One follow-up when all of them are due again (a little later, for clock skew).
        outbox.enqueue_delivery(result.failed, countdown=retry_after + 0.05)
    summary = {
        "sent": len(result.sent),
        "failed": len(result.failed),
        "dead": len(result.dead),
        "blocked": len(result.blocked),
    }
    if any(summary.values()):
        logger.info("Disclosure delivery", extra={"counts": summary})
    return summary


@shared_task(
    name="privacy.purge_expired_members",
    bind=True,
    acks_late=True,
    ignore_result=True,
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
    **RETRY,
)
def purge_expired_members(self) -> dict[str, int]:
    """Erase every member due for erasure (daily), in committed batches under a lock,
    for at most PURGE_TIME_BUDGET_SECONDS; if anybody is left, queue the next run. A
    killed run resumes: whoever it erased is gone, the next run finds the rest."""
    run = erasure.purge_run(
        batch_size=int(getattr(settings, "ERASURE_BATCH_SIZE", erasure.BATCH_SIZE)),
        time_budget=float(getattr(settings, "PURGE_TIME_BUDGET_SECONDS", 10 * 60)),
    )
    summary = {"erased": len(run.records), "finished": run.finished, "locked_out": run.locked_out}
    logger.info("Erasure", extra={"counts": summary})
    if not run.finished:
        enqueue("privacy.purge_expired_members")
    return {"erased": len(run.records)}


@shared_task(name="privacy.clear_expired_sessions", ignore_result=True, **RETRY)
def clear_expired_sessions() -> dict[str, int]:
    """Delete expired login sessions and allauth's records of ended ones (daily)."""
    counts = sessions.clear_expired_sessions()
    logger.info("Expired sessions cleared", extra={"counts": counts})
    return counts
