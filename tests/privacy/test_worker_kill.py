"""A worker killed with SIGKILL in the middle of delivery or of a purge: after a
restart everything completes, nothing is lost, and nothing is done twice that the
partner cannot dedupe (the event id is the idempotency key).

Real Celery worker processes on the test database and Redis, as in test_worker.py.
Locally skipped without PostgreSQL and Redis; in CI they must run."""

import datetime as dt
import importlib
import os
import re
import signal
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
from privacy.models import Disclosure, DisclosureStatus, ErasureRecord, Recipient
from privacy.partners import ADAPTERS
from tests.factories import MemberFactory
from tests.privacy.test_erasure import resigned
from tests.privacy.test_worker import use_broker, wait_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]

ROOT = Path(__file__).resolve().parents[2]


class SlowPartner:
    """Answers after `delay` seconds the first time it sees an event, at once after."""

    def __init__(self, delay=2.0):
        self.delay = delay
        self.lock = threading.Lock()
        self.requests: Counter = Counter()
        self.started = threading.Event()

    def __call__(self, request):
        key = request.headers.get("Idempotency-Key", "")
        with self.lock:
            self.requests[key] += 1
            first = self.requests[key] == 1
        if first:
            self.started.set()
            time.sleep(self.delay)
        return Response("{}", status=200)


@pytest.fixture
def slow_partner():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    handler = SlowPartner()
    server.expect_request(re.compile(".*")).respond_with_handler(handler)
    server.start()
    handler.server = server
    yield handler
    server.clear()
    server.stop()


class Worker:
    def __init__(self, env, log):
        self.env = env
        self.log = log
        self.process = None

    def start(self):
        out = self.log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own venv's celery
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL reaches the child too
        )
        deadline = time.monotonic() + 60
        while b"ready." not in self.log.read_bytes().split(b"--- restart ---")[-1]:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                pytest.fail("The Celery worker did not start:\n" + self.log.read_text()[-3000:])
            time.sleep(0.2)

    def kill(self):
        """SIGKILL the whole worker (main process and its pool child), no cleanup."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        with self.log.open("ab") as out:
            out.write(b"\n--- restart ---\n")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker_factory(needs_postgres, needs_redis, tmp_path):
    import redis

    redis.Redis.from_url(needs_redis).delete("celery", "unacked", "unacked_index")
    db = connection.settings_dict
    base_env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": needs_redis,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DEBUG": "1",  # the test's development keys
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "FIELD_HASH_KEY": settings.FIELD_HASH_KEY,
        "CONN_MAX_AGE": "0",
        "LOG_LEVEL": "INFO",
    }
    workers = []

    def make(**env):
        worker = Worker({**base_env, **env}, tmp_path / f"worker{len(workers)}.log")
        workers.append(worker)
        return worker

    previous = app.conf.broker_url
    use_broker(needs_redis)
    yield make
    for worker in workers:
        worker.stop()
    use_broker(previous)
    app.conf.task_always_eager = True


def recipients():
    migration = importlib.import_module("privacy.migrations.0003_recipients")
    for data in migration.RECIPIENTS:
        data = dict(data)
        Recipient.objects.update_or_create(slug=data.pop("slug"), defaults=data)


def test_a_delivery_killed_mid_call_is_sent_again_after_the_lease_with_a_true_count(
    worker_factory, slow_partner
):
    recipients()
    env = {
        f"PARTNER_{slug.upper()}_URL": slow_partner.server.url_for(f"/{slug}") for slug in ADAPTERS
    }
    worker = worker_factory(
        DISCLOSURE_LEASE_SECONDS="5",
        PARTNER_HTTP_DEADLINE="3",
        DISCLOSURE_BACKOFF_SECONDS="0.2",
        **env,
    )
    worker.start()
    with transaction.atomic():
        member = MemberFactory(allow_email=True, surveys=False)
        outbox.queue_member_event(member=member, event="created")
    rows = Disclosure.objects.filter(member=member)

    assert slow_partner.started.wait(20), worker.log.read_text()[-3000:]
    worker.kill()  # while the partner is still answering

    in_flight = rows.filter(status=DisclosureStatus.SENDING)
    assert in_flight.exists()
    assert set(in_flight.values_list("attempts", flat=True)) == {1}
    worker.start()
    time.sleep(5)  # the lease runs out
    app.send_task("privacy.deliver_disclosures")  # the sweep, as beat sends it

    wait_until(
        lambda: set(rows.values_list("status", flat=True)) == {DisclosureStatus.SENT},
        timeout=60,
        worker=worker,
    )
    for row in rows:
        key = str(row.event_id)
        # At most one request per attempt (a call killed before it left counts as an
        # attempt too); the partner dedupes repeats by the key.
        assert 1 <= slow_partner.requests[key] <= row.attempts
    assert max(rows.values_list("attempts", flat=True)) == 2
    assert any(slow_partner.requests[str(row.event_id)] == 2 for row in rows)


def test_a_purge_killed_halfway_resumes_and_erases_everyone_once(worker_factory):
    today = dt.date.today()
    for _ in range(200):
        resigned(resigned_on=today - dt.timedelta(days=3 * 366 + 2))
    worker = worker_factory(ERASURE_BATCH_SIZE="5", PARTNERS="")
    worker.start()

    app.send_task("privacy.purge_expired_members")
    wait_until(lambda: ErasureRecord.objects.count() >= 10, timeout=60, worker=worker)
    worker.kill()

    erased = ErasureRecord.objects.count()
    assert 0 < erased < 200
    assert Member.objects.count() + erased == 200  # whole batches only
    worker.start()
    app.send_task("privacy.purge_expired_members")  # tomorrow's run (or the redelivery)

    wait_until(lambda: not Member.objects.exists(), timeout=120, worker=worker)
    numbers = list(ErasureRecord.objects.values_list("member_number", flat=True))
    assert len(numbers) == len(set(numbers)) == 200
