"""Celery tasks for the register: thin wrappers around services. Every task is safe to
run twice."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from .stats import snapshots


@shared_task(
    name="members.take_membership_snapshot",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def take_membership_snapshot(on: str | None = None) -> int:
    """Snapshot the day just ended (beat runs this at 01:30), or the ISO date `on`.
    The day's rows are replaced, so a retry or a second run writes the same rows."""
    day = dt.date.fromisoformat(on) if on else timezone.localdate() - dt.timedelta(days=1)
    return snapshots.take_membership_snapshot(on=day)
