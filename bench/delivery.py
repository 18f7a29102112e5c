"""Outbox delivery throughput: `python -m bench.delivery [--events N] [--processes 1,2]`.

Writes N due events spread over six partners (each event its own member, so nothing
waits for an earlier one), starts a local HTTP/1.1 partner in its own process that keeps
connections alive and answers 200 at once, and lets 1 or 2 worker processes (as Celery
prefork children would) run `deliver_due` until nothing is due. Prints events/s.
Use PostgreSQL (DATABASE_URL): SQLite has no SKIP LOCKED and one writer at a time.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLUGS = ("sparebank1", "lofavor", "lo", "lomedia", "enalyzer", "training")


class _Partner(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without this, Nagle + delayed ACK add 40 ms.
    disable_nagle_algorithm = True

    def _answer(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_PUT = do_POST = do_DELETE = _answer

    def log_message(self, *args):
        pass


def _serve(port_queue):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Partner)
    server.daemon_threads = True
    port_queue.put(server.server_address[1])
    server.serve_forever()


def _worker(url: str, results) -> None:
    from django.conf import settings
    from django.db import connections

    connections.close_all()
    settings.PARTNERS = {slug: {"url": f"{url}/{slug}", "token": "bench"} for slug in SLUGS}
    from privacy import delivery

    sent = 0
    while True:
        result = delivery.deliver_due(batch_size=200, time_budget=5)
        sent += len(result.sent)
        if not result.sent and not result.released:
            break
    results.put(sent)


def _seed(count: int) -> list[int]:
    from unittest import mock

    from django.db import transaction
    from django.utils import timezone

    from privacy.models import Disclosure, Recipient

    recipients = [Recipient.objects.get(slug=slug) for slug in SLUGS]
    now = timezone.now()
    with transaction.atomic(), mock.patch("privacy.delivery.enqueue_delivery"):
        rows = Disclosure.objects.bulk_create(
            [
                Disclosure(
                    recipient=recipients[i % len(recipients)],
                    member_number=800_000_000 + i,
                    event="updated",
                    fields=["member_number", "city"],
                    payload={"member_number": 800_000_000 + i, "city": "Bergen"},
                    created_at=now,
                    next_attempt_at=now,
                )
                for i in range(count)
            ],
            batch_size=2000,
        )
    return [row.pk for row in rows]


def run_once(count: int, processes: int, url: str) -> tuple[int, float]:
    from django.db import connections

    from privacy.models import Disclosure

    ids = _seed(count)
    connections.close_all()
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=_worker, args=(url, results)) for _ in range(processes)]
    started = time.perf_counter()
    for process in workers:
        process.start()
    sent = sum(results.get() for _ in workers)
    seconds = time.perf_counter() - started
    for process in workers:
        process.join()
    Disclosure.objects.filter(pk__in=ids).delete()
    return sent, seconds


def measure(events: int, processes: list[int]) -> list[tuple[int, int, float]]:
    """Deliver `events` with each number of worker processes in turn; return
    (processes, sent, seconds) per run. Other due events are parked meanwhile."""
    from privacy.models import Disclosure, DisclosureStatus

    # Park anything else that is due, so only the bench's events are sent.
    parked = list(
        Disclosure.objects.exclude(
            status__in=(DisclosureStatus.SENT, DisclosureStatus.DEAD)
        ).values_list("pk", flat=True)
    )
    Disclosure.objects.filter(pk__in=parked).update(status=DisclosureStatus.DEAD)
    ports = multiprocessing.get_context("fork").Queue()
    partner = multiprocessing.get_context("fork").Process(target=_serve, args=(ports,), daemon=True)
    partner.start()
    url = f"http://127.0.0.1:{ports.get()}"
    results = []
    try:
        for count in processes:
            sent, seconds = run_once(events, count, url)
            results.append((count, sent, seconds))
    finally:
        partner.terminate()
        Disclosure.objects.filter(pk__in=parked).update(status=DisclosureStatus.PENDING)
    return results


def run(ctx) -> list:
    """`python -m bench --only delivery`: 6,000 events with 1 and 2 processes."""
    from bench.common import Row

    events = int(ctx.extra.get("delivery_events", 6000))
    return [
        Row(
            "delivery",
            f"outbox delivery, {count} process(es), local partner",
            rate=sent / seconds,
            note=f"{sent} events over {len(SLUGS)} partners in {seconds:.1f} s",
        )
        for count, sent, seconds in measure(events, [1, 2])
    ]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    parser = argparse.ArgumentParser(prog="python -m bench.delivery")
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--processes", default="1,2")
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection

    print(f"database: {connection.vendor}; {args.events} events over {len(SLUGS)} partners")
    for processes, sent, seconds in measure(
        args.events, [int(p) for p in args.processes.split(",")]
    ):
        rate = sent / seconds
        print(f"{processes} process(es): {sent} sent in {seconds:.2f} s = {rate:.0f} events/s")


if __name__ == "__main__":
    main()
