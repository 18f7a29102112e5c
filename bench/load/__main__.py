"""`python -m bench.load [--users 50] [--seconds 120]` (`make load`): the locust load test.

Needs DATABASE_URL (PostgreSQL, seeded at scale with `python -m bench --members 100000`)
and REDIS_URL. Creates the load users (bench/load/setup.py), collects static files into
a private directory, starts gunicorn on 127.0.0.1 with config/gunicorn.conf.py, 2 workers
and DEBUG off, runs bench/load/locustfile.py headless and prints requests/s and p95 per
page. Users log in at LOAD_SPAWN_RATE per second (allauth allows 30 logins a minute from
one address); the statistics are reset once all have logged in, so the measured window
(`--seconds`) is the steady state with every user active. Exits 1 on any failed request.
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    if not env.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL database seeded by `python -m bench`")
    # The environment `python -m bench` sets (DEBUG off, the bench's own keys), and
    # plain HTTP on 127.0.0.1: no TLS redirect, cookies without the Secure flag.
    defaults = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "FIELD_ENCRYPTION_KEYS": "YmVuY2gtb25seS1maWVsZC1rZXktMzItYnl0ZXMhISE=",
        "EMAIL_URL": "dummymail://",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(Path(tempfile.gettempdir()) / "medlemsportal-load-static"),
        "LOAD_STATE": str(Path(tempfile.gettempdir()) / "medlemsportal-load.json"),
    }
    for key, value in defaults.items():
        env.setdefault(key, value)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer at {url}")


def _report(prefix: str) -> int:
    """Print requests/s and latencies per page from locust's CSV; return failures."""
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    header = ("page", "requests", "failures", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms")
    lines = [header]
    failures = 0
    for row in rows:
        lines.append(
            (
                row["Name"],
                row["Request Count"],
                row["Failure Count"],
                f"{float(row['Requests/s']):.1f}",
                row["50%"],
                row["95%"],
                row["99%"],
                f"{float(row['Max Response Time']):.0f}",
            )
        )
        if row["Name"] == "Aggregated":
            failures = int(row["Failure Count"])
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    for n, line in enumerate(lines):
        print("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=120, help="measured window")
    parser.add_argument("--spawn-rate", type=float, default=0.45, help="logins per second")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "medlemsportal-load"))
    args = parser.parse_args()
    env = _environment()
    subprocess.run([sys.executable, "-m", "bench.load.setup"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server_log = open(f"{args.out}-gunicorn.log", "w")
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "-c",
            "config/gunicorn.conf.py",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_up(url)
        ramp = args.users / args.spawn_rate
        print(
            f"gunicorn on {url} ({args.workers} workers); {args.users} users log in over "
            f"{ramp:.0f} s, then {args.seconds} s measured",
            flush=True,
        )
        with open("/proc/loadavg") as handle:
            print(f"load average before: {handle.read().split()[:3]}", flush=True)
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                "bench/load/locustfile.py",
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                f"{int(ramp + args.seconds)}s",
                "--reset-stats",
                "--host",
                url,
                "--csv",
                args.out,
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            check=False,
        )
        with open("/proc/loadavg") as handle:
            print(f"load average after: {handle.read().split()[:3]}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        server_log.close()
    print()
    failures = _report(args.out)
    print(f"\nfailures: {failures}; gunicorn log: {args.out}-gunicorn.log")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
