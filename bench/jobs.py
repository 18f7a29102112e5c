"""Jobs: erasure of many former members, and outbox delivery to a local HTTP partner.

Erasure works on extra members created here (resigned long ago, each with history rows,
a payment, and for some a position, access-log rows and sent disclosures), so the
seeded register stays as it is. Sizes: BENCH_ERASE_MEMBERS (default 100,000) and
BENCH_DELIVER_ROWS (default 5,000).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from bench.common import Context, Row, throughput
from clubs.models import Branch, Position, PositionTitle
from members.crypto import keyed_hash
from members.models import Member, MemberStatus, Payment, PaymentSource, next_member_numbers
from privacy import erasure, outbox
from privacy.models import AccessAction, AccessLog, Disclosure, DisclosureStatus, Recipient

CHUNK = 5_000


class _Partner(BaseHTTPRequestHandler):
    # Headers and body go out in two writes; without this, Nagle's algorithm and
    # delayed ACKs add ~40 ms to every request and we would measure the TCP stack.
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.0"

    def _ok(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_PUT = do_POST = do_DELETE = _ok

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        """Silent: the bench prints only its table."""


def _former_members(count: int, branch: Branch) -> list[int]:
    """Create `count` members who resigned in 2015, with what a real one leaves behind."""
    user = get_user_model().objects.get_or_create(username="bench-officer")[0]
    lo = Recipient.objects.get(slug="lo")
    ids: list[int] = []
    for start in range(0, count, CHUNK):
        size = min(CHUNK, count - start)
        numbers = next_member_numbers(size)
        members = [
            Member(
                member_number=number,
                first_name="Bench",
                last_name=f"Former{number}",
                national_id=f"bench-{number}",
                national_id_hash=keyed_hash(f"bench-erase-{number}"),
                birth_date=dt.date(1960, 1, 1),
                email=f"former{number}@bench.invalid",
                joined_union_on=dt.date(2000, 1, 1),
                branch=branch,
                status=MemberStatus.RESIGNED,
                resigned_on=dt.date(2015, 6, 30),
                resignation_reason="resigned",
            )
            for number in numbers
        ]
        created = bulk_create_with_history(members, Member, batch_size=1000)
        if not created or created[0].pk is None:
            created = list(Member.objects.filter(member_number__in=numbers))
        chunk_ids = [m.pk for m in created]
        ids += chunk_ids
        bulk_create_with_history(
            [
                Payment(
                    member_id=pk,
                    amount_ore=57500,
                    period=dt.date(2015, 1, 1),
                    paid_on=dt.date(2015, 1, 20),
                    kid=str(pk),
                    source=PaymentSource.OCR,
                )
                for pk in chunk_ids
            ],
            Payment,
            batch_size=1000,
        )
        tenth = chunk_ids[::10]
        bulk_create_with_history(
            [
                Position(
                    member_id=pk,
                    title=PositionTitle.STYREMEDLEM,
                    branch=branch,
                    started_on=dt.date(2012, 1, 1),
                    ended_on=dt.date(2015, 6, 30),
                )
                for pk in tenth
            ],
            Position,
            batch_size=1000,
        )
        AccessLog.objects.bulk_create(
            [AccessLog(user=user, member_id=pk, action=AccessAction.VIEW_MEMBER) for pk in tenth]
        )
        now = timezone.now()
        Disclosure.objects.bulk_create(
            [
                Disclosure(
                    recipient=lo,
                    member_id=m.pk,
                    member_number=m.member_number,
                    event="created",
                    fields=["member_number", "last_name"],
                    payload={"member_number": m.member_number, "last_name": m.last_name},
                    status=DisclosureStatus.SENT,
                    sent_at=now,
                )
                for m in created[::5]
            ],
            batch_size=1000,
        )
    return ids


def _erasure(count: int) -> list[Row]:
    branch = Branch.objects.get_or_create(number=9999, defaults={"name": "Bench"})[0]
    seeded = throughput(lambda: len(_former_members(count, branch)))
    # Delivery of the `erased` events is left to the sweep here (as when Redis is
    # down), so the figure is the erasure alone.
    with mock.patch("privacy.erasure.enqueue_delivery"):
        rate, rows, seconds = throughput(
            lambda: len(erasure.purge_expired_members(timezone.localdate()))
        )
        again = throughput(lambda: len(erasure.purge_expired_members(timezone.localdate())))
    return [
        Row("jobs", "create former members (setup)", rate=seeded[0], note=f"{seeded[2]:.1f} s"),
        Row(
            "jobs",
            f"erase {rows:,} members (batches of {erasure.BATCH_SIZE})",
            rate=rate,
            note=f"{seconds:.1f} s total, load {os.getloadavg()[0]:.1f}",
        ),
        Row("jobs", "second purge run (nothing due)", note=f"{again[1]} erased, {again[2]:.2f} s"),
    ]


def _delivery(count: int) -> list[Row]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Partner)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    previous = settings.PARTNERS
    settings.PARTNERS = {slug: {"url": f"{url}/{slug}", "token": "bench"} for slug in ("lo",)}
    try:
        # Pending erased events from the erasure run would be delivered first; park them.
        Disclosure.objects.filter(status__in=outbox.DUE_STATUSES).update(
            next_attempt_at=timezone.now() + dt.timedelta(days=1)
        )
        lo = Recipient.objects.get(slug="lo")
        now = timezone.now()
        with transaction.atomic(), mock.patch("privacy.outbox.enqueue_delivery"):
            rows = Disclosure.objects.bulk_create(
                [
                    Disclosure(
                        recipient=lo,
                        member_number=900_000_000 + i,
                        event="updated",
                        fields=["member_number", "city"],
                        payload={"member_number": 900_000_000 + i, "city": "Bergen"},
                        created_at=now,
                        next_attempt_at=now,
                    )
                    for i in range(count)
                ],
                batch_size=1000,
            )
        ids = list(
            Disclosure.objects.filter(event_id__in=[r.event_id for r in rows]).values_list(
                "pk", flat=True
            )
        )
        rate, sent, seconds = throughput(lambda: len(outbox.deliver_due(ids=ids).sent))
        Disclosure.objects.filter(pk__in=ids).delete()
    finally:
        settings.PARTNERS = previous
        server.shutdown()
    return [
        Row(
            "jobs",
            f"deliver {sent:,} disclosures to a local HTTP partner",
            rate=rate,
            note=f"{seconds:.1f} s, one worker, load {os.getloadavg()[0]:.1f}",
        )
    ]


def run(ctx: Context) -> list[Row]:
    erase = int(os.environ.get("BENCH_ERASE_MEMBERS", 100_000))
    deliver = int(os.environ.get("BENCH_DELIVER_ROWS", 5_000))
    return _erasure(erase) + _delivery(deliver)
