"""Messaging: build and send one message of BENCH_MESSAGING_EMAILS (default 70,000)
e-mails to a local SMTP server (aiosmtpd in a child process, counting what it accepts).

Measures building the recipient rows (the count query, then rows/s), and sending
(e-mails/s through Django's SMTP backend, one connection, a commit per e-mail, no rate
limit), and the peak resident memory of the process while it sends. The server's
count is checked against the rows marked sent.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test.utils import override_settings
from django.utils import timezone

from bench.common import Context, Row
from clubs.models import AccessGrant, AccessLevel
from members.messaging import delivery, services
from members.messaging.models import DeliveryState, Message, MessageRecipient, Section
from members.messaging.segments import count, members_in, routing_for

SERVER = r"""
import asyncio, signal, sys
from aiosmtpd.controller import Controller

class Counter:
    n = 0
    async def handle_DATA(self, server, session, envelope):
        Counter.n += 1
        return "250 OK"

controller = Controller(Counter(), hostname="127.0.0.1", port=int(sys.argv[1]))
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
controller.start()
print("ready", flush=True)
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
open(sys.argv[2], "w").write(str(Counter.n))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    """The process's resident memory now (Linux /proc; max RSS elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return _maxrss_mb()


class RssPeak:
    """The highest resident memory while the block runs, sampled every 0.2 s. Max RSS
    alone would report the seeding's peak, which comes before the send."""

    def __enter__(self) -> RssPeak:
        self.before = self.peak = _rss_mb()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self) -> None:
        while not self.stop.wait(0.2):
            self.peak = max(self.peak, _rss_mb())

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()
        self.peak = max(self.peak, _rss_mb())


def _staff():
    User = get_user_model()
    user, _created = User.objects.get_or_create(
        username="bench-meldinger@example.org", defaults={"email": "bench-meldinger@example.org"}
    )
    defaults = {"valid_from": dt.date(2020, 1, 1)}
    if any(f.name == "activated_at" for f in AccessGrant._meta.get_fields()):
        defaults["activated_at"] = timezone.now()
    AccessGrant.objects.get_or_create(
        user=user, level=AccessLevel.CENTRAL, club=None, branch=None, defaults=defaults
    )
    return user


def run(ctx: Context) -> list[Row]:
    target = int(os.environ.get("BENCH_MESSAGING_EMAILS", "70000"))
    staff = _staff()
    Message.objects.filter(subject__startswith="Bench:").delete()
    message = services.message_create(
        by=staff,
        section=Section.REGISTER,
        data={
            "subject": "Bench: hei {fornavn}",
            "body": "Hei {fornavn},\n\nmedlemsnummer {medlemsnummer}, {klubb}.\n" + "Tekst. " * 80,
            # A notice goes to every address, so the segment is large enough.
            "category": "notice",
        },
        segment={},
    )
    rows: list[Row] = []

    start = time.perf_counter()
    counted = count(members_in({}, staff), routing_for(message))
    rows.append(
        Row(
            "messaging",
            "live count, whole register",
            p50_ms=(time.perf_counter() - start) * 1000,
            note=f"{counted.email:,} by e-mail of {counted.total:,}",
        )
    )

    services.message_send(message=message, by=staff, at=timezone.now() + dt.timedelta(days=1))
    Message.objects.filter(pk=message.pk).update(status="sending")
    start = time.perf_counter()
    delivery.build_recipients(message, owner="")
    seconds = time.perf_counter() - start
    delivery.release_lease(message.pk, "")
    built = message.recipients.count()
    rows.append(
        Row("messaging", "build recipient rows", rate=built / seconds, note=f"{built:,} rows")
    )
    if built > target:
        extra = message.recipients.order_by("-pk").values_list("pk", flat=True)[: built - target]
        MessageRecipient.objects.filter(pk__in=list(extra)).delete()
    total = message.recipients.count()

    port = _free_port()
    result = Path(tempfile.mkdtemp()) / "count"
    server = subprocess.Popen(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", SERVER, str(port), str(result)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    server.stdout.readline()
    smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "MESSAGING_RATE_PER_MINUTE": 0,
        "MESSAGING_BATCH_SIZE": 500,
    }
    try:
        with override_settings(**smtp), RssPeak() as memory:
            start = time.perf_counter()
            outcome = delivery.run_send(message_id=message.pk, slice_seconds=24 * 3600)
            seconds = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=30)
    accepted = int(result.read_text() or 0)
    sent = message.recipients.filter(state=DeliveryState.SENT).count()
    rows.append(
        Row(
            "messaging",
            f"send {total:,} e-mails over SMTP",
            rate=outcome.sent / seconds,
            note=(
                f"{seconds:.0f} s; server accepted {accepted:,}, rows sent {sent:,}; "
                f"RSS {memory.before:.0f} MB before, peak {memory.peak:.0f} MB while "
                f"sending (+{memory.peak - memory.before:.0f} MB); at the default "
                f"{settings.MESSAGING_RATE_PER_MINUTE}/min it takes "
                f"{total / max(settings.MESSAGING_RATE_PER_MINUTE, 1) / 60:.1f} h"
            ),
        )
    )
    return rows
