"""Benchmark helpers. Each area module (bench/register.py, bench/access.py, …) defines

    def run(ctx: Context) -> list[Row]

and uses `measure` (latency p50/p95 in ms + SQL queries per call) or `throughput`
(rows per second). `python -m bench` seeds the database once and prints one table.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


@dataclass
class Row:
    area: str
    name: str
    p50_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    rate: float | None = None  # rows per second
    note: str = ""


@dataclass
class Context:
    members: int
    repeat: int = 30
    extra: dict = field(default_factory=dict)

    def client_for(self, user) -> Client:
        """A test client logged in as `user` with what allauth records in the session
        after a password + TOTP login (officers and staff need the second factor in
        the session: clubs/middleware.py)."""
        from allauth.account.internal.flows.login import (
            _AUTHENTICATION_METHODS_USER_SESSION_KEY,
            AUTHENTICATION_METHODS_SESSION_KEY,
        )

        client = Client()
        client.force_login(user, backend="config.auth_backends.ModelBackend")
        at = time.time() - 60
        session = client.session
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": at, "email": user.email},
            {"method": "mfa", "at": at, "type": "totp"},
        ]
        session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
        session.save()
        return client


def measure(
    fn: Callable[[], object], *, repeat: int = 30, warmup: int = 3
) -> tuple[float, float, int]:
    """Return (p50 ms, p95 ms, queries of one call) for calling `fn` `repeat` times."""
    for _ in range(warmup):
        fn()
    with CaptureQueriesContext(connection) as queries:
        fn()
    # Count now: every later request fires request_started, which resets the query log.
    query_count = len(queries.captured_queries)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p50 = statistics.median(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return p50, p95, query_count


def get_ok(client: Client, url: str, **kwargs) -> Callable[[], object]:
    """Return a callable that GETs `url` and fails loudly unless it answers 200."""

    def call():
        response = client.get(url, **kwargs)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        return response

    return call


def throughput(fn: Callable[[], int]) -> tuple[float, int, float]:
    """Run `fn` (which returns how many rows it handled); return (rows/s, rows, seconds)."""
    start = time.perf_counter()
    rows = fn()
    seconds = time.perf_counter() - start
    return (rows / seconds if seconds else float("inf")), rows, seconds


def format_table(rows: list[Row]) -> str:
    header = ("area", "measurement", "p50 ms", "p95 ms", "SQL", "rows/s", "note")
    lines = [header]
    for r in rows:
        lines.append(
            (
                r.area,
                r.name,
                f"{r.p50_ms:.1f}" if r.p50_ms is not None else "",
                f"{r.p95_ms:.1f}" if r.p95_ms is not None else "",
                str(r.queries) if r.queries is not None else "",
                f"{r.rate:,.0f}" if r.rate is not None else "",
                r.note,
            )
        )
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    out = []
    for n, line in enumerate(lines):
        out.append("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)
