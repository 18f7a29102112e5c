"""The Celery app. Tasks live in each app's tasks.py; the beat schedule is here, in code."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("medlemsportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "purge-expired-members": {
        "task": "privacy.purge_expired_members",
        "schedule": crontab(hour=2, minute=15),
    },
    "clear-expired-sessions": {
        "task": "privacy.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=5),
    },
    "deliver-disclosures-sweep": {
        "task": "privacy.deliver_disclosures",
        "schedule": 60.0,
    },
    "dispatch-messages": {
        "task": "members.dispatch_messages",
        "schedule": 60.0,
    },
    "membership-lifecycle": {
        "task": "members.apply_lifecycle",
        "schedule": crontab(hour=0, minute=20),
    },
    "membership-snapshot": {
        "task": "members.take_membership_snapshot",
        "schedule": crontab(hour=1, minute=30),
    },
    "avtalegiro-claims": {
        "task": "members.avtalegiro_claims",
        "schedule": crontab(day_of_month=1, hour=5, minute=0),
    },
    "strike-off-non-payers": {
        "task": "members.strike_off_non_payers",
        "schedule": crontab(day_of_month=5, hour=6, minute=0),
    },
    "tax-report": {
        "task": "members.tax_report",
        "schedule": crontab(month_of_year=1, day_of_month=15, hour=4, minute=0),
    },
}


def enqueue(name: str, *, kwargs: dict | None = None, **options):
    """Queue the task registered under `name`. Modules whose work a task wraps enqueue
    through this instead of importing their own `tasks.py`, which imports them: the
    dependency runs one way only. Eager mode (no REDIS_URL, tests) runs it in-process."""
    if name not in app.tasks:
        # The tasks modules are imported by the worker at start; in the web process
        # they may not be yet.
        app.loader.import_default_modules()
    return app.tasks[name].apply_async(kwargs=kwargs or {}, **options)
