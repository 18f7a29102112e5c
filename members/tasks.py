"""Celery tasks for the register: thin wrappers around services. Every task is safe to
run twice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone

from config.celery import enqueue

from .dues import invoice_delivery as dues_invoice_delivery
from .dues import queries as dues_queries
from .dues import services as dues_services
from .dues import tax as dues_tax
from .joining import lifecycle
from .messaging import delivery
from .messaging import services as messaging_services
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


@shared_task(
    name="members.apply_lifecycle",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def apply_lifecycle(on: str | None = None) -> dict:
    """Daily: carry out resignations whose date has come, delete join applications past
    their retention, give position holders missing grants. Running it twice changes
    nothing the second time."""
    return lifecycle.run_daily(today=dt.date.fromisoformat(on) if on else None)


@shared_task(
    name="members.send_message",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def send_message(message_id: int) -> int:
    """Send (a slice of) one message; a send longer than a slice re-enqueues itself.
    Only the holder of the message's lease sends, so a duplicate task does nothing."""
    return delivery.run_send(message_id=message_id).sent


@shared_task(name="members.dispatch_messages", acks_late=True, ignore_result=True)
def dispatch_messages() -> int:
    """Beat, every minute: start due scheduled messages, resume abandoned sends."""
    return messaging_services.dispatch_due()


# --- dues (members/dues/) ----------------------------------------------------------------


@shared_task(name="members.import_ocr_file", acks_late=True, ignore_result=True, time_limit=30 * 60)
def import_ocr_file(path: str) -> int | None:
    """Import the OCR file at `path` (a file Nets delivered). A transmission already
    imported is refused by the service, so a retry changes nothing."""
    file = Path(path)
    try:
        return dues_services.ocr_import(data=file.read_bytes(), filename=file.name, by=None).pk
    except ValidationError:
        return None


@shared_task(name="members.avtalegiro_claims", acks_late=True, ignore_result=True)
def avtalegiro_claims(period: str | None = None) -> int:
    """Next month's AvtaleGiro claims (or the ISO month `period`); made once per month."""
    month = (
        dt.date.fromisoformat(period)
        if period
        else dues_queries.add_months(timezone.localdate(), 1)
    )
    return dues_services.avtalegiro_claims(period=month).pk


@shared_task(name="members.strike_off_non_payers", acks_late=True, ignore_result=True)
def strike_off_non_payers() -> int:
    """Monthly: remind members who are behind. Striking off is for staff to confirm on
    the review page (the reminder starts the notice period); reminders are sent once."""
    return dues_services.send_reminders(today=timezone.localdate())


@shared_task(name="members.tax_report", acks_late=True, ignore_result=True, time_limit=30 * 60)
def tax_report(year: int | None = None) -> int:
    """Yearly (January): the report of last year's directly paid dues."""
    return dues_tax.tax_report_create(year=year or timezone.localdate().year - 1, by=None).pk


@shared_task(
    name="members.send_invoices",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def send_invoices(run_id: int | None = None) -> int:
    """E-mail the unsent invoices of a run (or of every run) in batches. An invoice is
    sent once, so a duplicate or retried task sends only what is still unsent; what is
    left when the time budget is used (or after a failure) is queued again."""
    result = dues_invoice_delivery.send_run(run_id=run_id, budget_seconds=15 * 60)
    if result.remaining:
        enqueue(
            "members.send_invoices",
            kwargs={"run_id": run_id},
            countdown=300 if result.failed else 0,
        )
    return result.sent
