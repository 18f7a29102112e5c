"""Running it: the health check reports the outbox, central staff see the outbox per
partner and retry dead events after a confirmation, every request and job is one JSON
log line without personal data, and the broker never hands a running task to a second
worker."""

import datetime as dt
import json
import logging

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from config.logging import JsonFormatter, mask
from privacy import outbox
from privacy.models import Disclosure, DisclosureStatus
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(settings):
    settings.PARTNERS = {}  # nothing is delivered: the rows wait
    with transaction.atomic():
        member = MemberFactory(allow_email=True)
        rows = outbox.queue_member_event(member=member, event="created")
    Disclosure.objects.update(
        created_at=timezone.now() - dt.timedelta(minutes=10),
        next_attempt_at=timezone.now() + dt.timedelta(hours=1),
    )
    return rows


def test_the_health_check_reports_the_backlog_and_the_oldest_waiting_age(client, waiting):
    Disclosure.objects.filter(pk=waiting[0].pk).update(status=DisclosureStatus.DEAD)

    body = client.get("/healthz").json()

    assert body["database"] == "ok"
    outbox_status = body["outbox"]
    assert outbox_status["dead"] == 1
    assert outbox_status["pending"] + outbox_status["failed"] == len(waiting) - 1
    assert 590 <= outbox_status["oldest_pending_seconds"] <= 700
    assert outbox_status["status"] == "ok"


def test_the_health_check_calls_an_outbox_late_after_the_limit(client, waiting, settings):
    settings.OUTBOX_LATE_SECONDS = 60

    assert client.get("/healthz").json()["outbox"]["status"] == "late"


def test_central_staff_see_the_outbox_per_partner(client_for, central_staff, waiting):
    dead = waiting[0]
    Disclosure.objects.filter(pk=dead.pk).update(
        status=DisclosureStatus.DEAD, attempts=8, last_error="lo: HTTP 500 on PUT /x"
    )

    response = client_for(central_staff).get(reverse("privacy:outbox"))

    assert response.status_code == 200
    page = response.content.decode()
    assert dead.recipient.name in page
    assert "HTTP 500" in page
    assert reverse("privacy:outbox_retry", args=[dead.recipient.slug]) in page


@pytest.mark.parametrize("role", ["member", "club_officer", "branch_officer"])
def test_nobody_else_sees_the_outbox(client_for, request, role):
    user = request.getfixturevalue(role)

    assert client_for(user).get(reverse("privacy:outbox")).status_code == 404


def test_a_retry_asks_first_and_then_requeues_the_dead_events(
    client_for, central_staff, waiting, settings
):
    dead = waiting[0]
    Disclosure.objects.filter(pk=dead.pk).update(status=DisclosureStatus.DEAD, attempts=8)
    client = client_for(central_staff)
    url = reverse("privacy:outbox_retry", args=[dead.recipient.slug])

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert Disclosure.objects.get(pk=dead.pk).status == DisclosureStatus.DEAD

    response = client.post(url)
    assert response.status_code == 302
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (DisclosureStatus.PENDING, 0)


def test_the_broker_never_redelivers_a_task_that_may_still_run():
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    app.loader.import_default_modules()
    limits = [
        task.time_limit or app.conf.task_time_limit
        for name, task in app.tasks.items()
        if not name.startswith("celery.")
    ]
    assert limits and visibility > max(limits)
    from privacy.tasks import SHORT_RETRY_SECONDS

    assert visibility > SHORT_RETRY_SECONDS


def test_the_log_line_of_a_request_is_json_without_personal_data(client_for, central_staff, caplog):
    formatter = JsonFormatter()
    client = client_for(central_staff)
    with caplog.at_level(logging.INFO, logger="medlemsportal.request"):
        client.get("/medlemsregister/?q=ola.nordmann@example.no&fnr=01017012345")

    [record] = [r for r in caplog.records if r.name == "medlemsportal.request"]
    line = json.loads(formatter.format(record))
    assert line["path"] == "/medlemsregister/"
    assert line["status"] == 200
    assert line["user_id"] == central_staff.pk
    assert line["duration_ms"] > 0
    assert line["view"]
    text = formatter.format(record)
    assert "example.no" not in text and "01017012345" not in text and "?" not in text


def test_messages_are_masked_before_they_reach_the_log():
    record = logging.LogRecord(
        "x", logging.WARNING, __file__, 1, "Feil for %s, konto %s, fnr %s", None, None
    )
    record.args = ("kari@example.no", "1234.56.78903", "01017012345")

    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == "Feil for [skjult], konto [skjult], fnr [skjult]"
    assert mask("medlem 100001") == "medlem 100001"  # member numbers are ids, not secrets


def test_a_job_writes_one_line_with_its_counts(caplog, settings):
    from privacy.tasks import deliver_disclosures

    with caplog.at_level(logging.INFO, logger="medlemsportal.job"):
        deliver_disclosures.delay()

    [record] = [r for r in caplog.records if r.name == "medlemsportal.job"]
    line = json.loads(JsonFormatter().format(record))
    assert line["task"] == "privacy.deliver_disclosures"
    assert line["counts"] == {"sent": 0, "failed": 0, "dead": 0, "blocked": 0}
    assert line["duration_ms"] >= 0
