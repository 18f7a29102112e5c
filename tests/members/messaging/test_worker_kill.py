"""A real Celery worker sending a real message to a real SMTP server is killed with
SIGKILL in the middle of the send; a second worker resumes it. Counted at the SMTP
server: everyone got the e-mail exactly once.

The kill lands while the server is receiving one message's DATA, before it answers 250:
by RFC 5321 that message was not accepted, so it must be sent again, and every message
before it was accepted and must not be. Needs PostgreSQL and Redis (skipped locally
without them, required in CI):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/medlemsportal_messaging \\
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/pytest tests/members/messaging/test_worker_kill.py
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app
from members.messaging import services
from members.messaging.models import DeliveryState, Message, MessageStatus, Section
from tests.factories import MemberFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]

ROOT = Path(__file__).resolve().parents[3]
MEMBERS = 60
KILL_AT = 25  # the SMTP server is receiving this message when the worker dies
LEASE_SECONDS = 3


def own_redis_db(url: str) -> str:
    """The same Redis on a database of its own, so no other test's worker (reading
    the shared `celery` queue) takes this test's tasks."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/11"))


def use_broker(url: str) -> None:
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url
    app.conf.task_always_eager = False


def start_worker(log: Path, *, redis_url: str, smtp_port: int) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DEBUG": "1",
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "MESSAGING_RATE_PER_MINUTE": "0",
        "MESSAGING_BATCH_SIZE": "10",
        "MESSAGING_LEASE_SECONDS": str(LEASE_SECONDS),
        "SITE_URL": "http://testserver",
        "CONN_MAX_AGE": "0",
        "LOG_LEVEL": "INFO",
    }
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - our own venv's celery
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "config",
                "worker",
                "--pool=threads",
                "--concurrency=1",
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
    ready = log.read_bytes().count(b"ready.")
    while log.read_bytes().count(b"ready.") <= ready:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("The Celery worker did not start:\n" + log.read_text()[-3000:])
        time.sleep(0.2)
    return process


def wait_until(condition, *, timeout=60.0, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail("Timed out.\n" + (log.read_text()[-4000:] if log else ""))


@pytest.fixture
def live_redis(needs_postgres, needs_redis):
    import redis

    url = own_redis_db(needs_redis)
    redis.Redis.from_url(url).flushdb()
    previous = app.conf.broker_url
    use_broker(url)
    yield url
    use_broker(previous)
    app.conf.task_always_eager = True


def test_a_worker_killed_mid_send_is_resumed_with_no_duplicate_and_no_loss(
    live_redis, smtp_server, tmp_path, central_staff, club
):
    mailbox = smtp_server.mailbox
    mailbox.clear()
    members = MemberFactory.create_batch(MEMBERS, club=club, allow_email=True)
    message = services.message_create(
        by=central_staff,
        section=Section.REGISTER,
        data={"subject": "Til {fornavn}", "body": "Hei {fornavn}", "category": "information"},
        segment={"clubs": [club.pk]},
    )
    log = tmp_path / "worker.log"
    first = start_worker(log, redis_url=live_redis, smtp_port=smtp_server.port)

    def kill_mid_send(number: int) -> bool:
        if number == KILL_AT:
            os.kill(first.pid, signal.SIGKILL)
            return False  # never answered 250: not accepted
        return True

    mailbox.before_accept = kill_mid_send
    services.message_send(message=message, by=central_staff)  # committed: enqueued
    first.wait(timeout=60)
    assert first.returncode == -signal.SIGKILL

    rows = message.recipients
    assert len(mailbox.messages) == KILL_AT - 1
    assert rows.filter(state=DeliveryState.SENT).count() == KILL_AT - 1
    assert rows.filter(state=DeliveryState.CLAIMED).exists()  # the dead worker's batch
    assert Message.objects.get(pk=message.pk).status == MessageStatus.SENDING

    mailbox.before_accept = None
    second = start_worker(log, redis_url=live_redis, smtp_port=smtp_server.port)
    try:
        time.sleep(LEASE_SECONDS + 0.5)  # the dead worker's lease runs out
        app.send_task("members.dispatch_messages")  # what beat does every minute
        wait_until(lambda: Message.objects.get(pk=message.pk).status == MessageStatus.SENT, log=log)
    finally:
        second.terminate()
        second.wait(timeout=20)

    counts = mailbox.recipients()
    assert counts == {member.email: 1 for member in members}
    assert mailbox.received == MEMBERS + 1  # plus the one cut off by the kill
    assert rows.filter(state=DeliveryState.SENT).count() == MEMBERS
    mailbox.clear()
