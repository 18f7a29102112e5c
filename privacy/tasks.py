"""Celery tasks for privacy: thin wrappers that load by id, re-check state and call the
outbox or the shredder. Every task is safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

from . import erasure, outbox

logger = logging.getLogger(__name__)

# Follow-up runs for failed rows are scheduled in the task only when they are due soon;
# longer backoffs are left to the periodic sweep (ETA tasks held for hours in a worker
# would be redelivered by Redis after its visibility timeout anyway).
SHORT_RETRY_SECONDS = 300
# The sweep runs every minute; it stops before the next one starts.
SWEEP_TIME_BUDGET = 50.0


@shared_task(
    name="privacy.deliver_disclosures",
    bind=True,
    acks_late=True,
    ignore_result=True,
    soft_time_limit=240,
    time_limit=300,
)
def deliver_disclosures(self, ids: list[int] | None = None) -> dict[str, int]:
    """Deliver the given outbox rows, or (from beat, without ids) every due row.
    Rows that are no longer due (sent, locked by another worker) are skipped."""
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
        logger.info("Disclosure delivery: %s", summary)
    return summary


@shared_task(
    name="privacy.purge_expired_members",
    bind=True,
    acks_late=True,
    ignore_result=True,
    soft_time_limit=3 * 3600,
    time_limit=3 * 3600 + 300,
)
def purge_expired_members(self) -> dict[str, int]:
    """Erase every member due for erasure (daily). A second run finds nobody."""
    records = erasure.purge_expired_members()
    summary = {"erased": len(records)}
    logger.info("Erasure: %s", summary)
    return summary
