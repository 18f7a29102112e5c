"""Delivery through a real Celery worker, a real Redis and partners as real HTTP servers.

The worker is a separate process (`celery -A config worker`) reading the PostgreSQL test
database, so these tests commit for real (`transaction=True`). Locally they are skipped
without DATABASE_URL (PostgreSQL) and REDIS_URL; in CI they must run:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/medlem_jobs \\
    REDIS_URL=redis://127.0.0.1:6379/7 .venv/bin/pytest tests/privacy/test_worker.py
"""

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from pytest_httpserver import HTTPServer
from werkzeug import Response

from config.celery import app
from members.models import Member
from privacy import outbox
from privacy.models import Disclosure, DisclosureStatus
from privacy.partners import ADAPTERS
from tests.factories import MemberFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]

ROOT = Path(__file__).resolve().parents[2]
MAX_ATTEMPTS = 3


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Partners:
    """Handler for every partner path: records each request with its idempotency key,
    answers 500 to the first `failures` requests of each event, and accepts an event
    only once per key, as an idempotent partner does."""

    def __init__(self):
        self.lock = threading.Lock()
        self.failures = 0
        self.requests: list[tuple[str, str]] = []
        self.accepted: Counter = Counter()

    def reset(self, *, failures=0):
        with self.lock:
            self.failures = failures
            self.requests.clear()
            self.accepted.clear()

    def __call__(self, request):
        key = request.headers.get("Idempotency-Key", "")
        with self.lock:
            self.requests.append((request.path, key))
            seen = sum(1 for _, k in self.requests if k == key)
            if seen <= self.failures:
                return Response("{}", status=500)
            if not self.accepted[key]:
                self.accepted[key] += 1
            return Response("{}", status=200)


@pytest.fixture(scope="module")
def partners():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    handler = Partners()
    server.expect_request(re.compile(".*")).respond_with_handler(handler)
    server.start()
    handler.server = server
    yield handler
    server.clear()
    server.stop()


def _redis_url() -> str:
    return os.environ.get("REDIS_URL", "")


def _services_up() -> bool:
    if connection.vendor != "postgresql" or not _redis_url():
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(_redis_url(), socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


# The enalyzer partner is down (nothing listens) for the whole module.
DOWN_PORT = closed_port()


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, partners, tmp_path_factory):
    """Start `celery -A config worker` against the test database and Redis; stop it
    afterwards. Yields None when the services are missing (the needs_* fixtures then
    skip locally and fail in CI)."""
    with django_db_blocker.unblock():
        up = _services_up()
        db = connection.settings_dict
    if not up:
        yield None
        return
    import redis

    redis.Redis.from_url(_redis_url()).delete("celery")  # Leftovers of an earlier run.
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": _redis_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        # The worker shares the test's development keys, which only DEBUG accepts.
        "DEBUG": "1",
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "DISCLOSURE_BACKOFF_SECONDS": "0.2",
        "DISCLOSURE_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
        "CONN_MAX_AGE": "0",
        "LOG_LEVEL": "INFO",
    }
    for slug in ADAPTERS:
        env[f"PARTNER_{slug.upper()}_URL"] = partners.server.url_for(f"/{slug}")
        env[f"PARTNER_{slug.upper()}_TOKEN"] = "test-token"
    env["PARTNER_ENALYZER_URL"] = f"http://127.0.0.1:{DOWN_PORT}/enalyzer"
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own venv's celery
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "config",
                "worker",
                "--pool=threads",
                "--concurrency=2",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while b"ready." not in log.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("The Celery worker did not start:\n" + log.read_text()[-3000:])
        time.sleep(0.2)
    process.log = log
    yield process
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def use_broker(url: str) -> None:
    """Point this (test) process's Celery at `url` and stop running tasks eagerly."""
    from kombu import pools

    pools.reset()  # kombu caches producer pools per connection, process-wide.
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url
    app.conf.task_always_eager = False


@pytest.fixture
def live(needs_postgres, needs_redis, worker, partners):
    """Tasks go through Redis to the worker (the recipients are there: `migration_data`)."""
    previous = app.conf.broker_url
    use_broker(needs_redis)
    partners.reset()
    yield partners
    use_broker(previous)
    app.conf.task_always_eager = True


def wait_until(condition, *, timeout=30.0, worker=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    log = worker.log.read_text()[-4000:] if worker is not None else ""
    pytest.fail(f"Timed out waiting.\n{log}")


def new_member(**kwargs) -> Member:
    with transaction.atomic():
        member = MemberFactory(**kwargs)
        outbox.queue_member_event(member=member, event="created")
    return member


def statuses(member):
    return dict(Disclosure.objects.filter(member=member).values_list("recipient__slug", "status"))


def test_a_partner_answering_500_twice_gets_each_event_once_by_idempotency_key(live, worker):
    live.reset(failures=2)

    member = new_member(allow_email=True, surveys=False)

    rows = Disclosure.objects.filter(member=member)
    assert rows.count() == 4
    wait_until(lambda: not rows.exclude(status=DisclosureStatus.SENT).exists(), worker=worker)
    for row in rows:
        keys = [key for _, key in live.requests if key == str(row.event_id)]
        assert keys == [str(row.event_id)] * 3
        assert live.accepted[str(row.event_id)] == 1
        assert row.attempts == 3


def test_a_partner_that_is_down_for_the_whole_run_loses_nothing(live, worker):
    member = new_member(surveys=True)

    enalyzer = Disclosure.objects.get(member=member, recipient__slug="enalyzer")
    wait_until(
        lambda: Disclosure.objects.get(pk=enalyzer.pk).status == DisclosureStatus.DEAD,
        worker=worker,
    )
    enalyzer.refresh_from_db()
    assert enalyzer.attempts == MAX_ATTEMPTS
    assert enalyzer.sent_at is None
    assert enalyzer.last_error
    assert enalyzer.payload["email"] == member.email  # still there, ready for a retry
    wait_until(lambda: list(statuses(member).values()).count(DisclosureStatus.SENT) == 4)
    assert statuses(member)["enalyzer"] == DisclosureStatus.DEAD
    assert not any("/enalyzer" in path for path, _ in live.requests)


def test_an_event_written_while_redis_is_down_is_delivered_by_the_sweep(live, worker, needs_redis):
    assert app.conf.beat_schedule["deliver-disclosures-sweep"]["task"] == (
        "privacy.deliver_disclosures"
    )
    use_broker(f"redis://127.0.0.1:{closed_port()}/0")

    started = time.monotonic()
    member = new_member(allow_email=True)  # commits; the enqueue after commit fails

    assert time.monotonic() - started < 10
    rows = Disclosure.objects.filter(member=member)
    assert rows.count() == 4
    time.sleep(2)
    assert set(rows.values_list("status", flat=True)) == {DisclosureStatus.PENDING}
    assert live.requests == []

    use_broker(needs_redis)  # Redis is back; beat fires the sweep.
    app.send_task("privacy.deliver_disclosures")

    wait_until(
        lambda: set(rows.values_list("status", flat=True)) == {DisclosureStatus.SENT},
        worker=worker,
    )
    assert len(live.requests) == 4
