"""The benchmark: `python -m bench [--members N] [--only a,b] [--no-seed]`.

Seeds the database named by DATABASE_URL once (seed_demo at scale), then runs each
area's `run(ctx)` and prints one table. Meant for PostgreSQL; SQLite works for a dry run.
"""

import argparse
import importlib
import os
import sys
import time

AREAS = [
    "register",
    "access",
    "min_side",
    "stats",
    "jobs",
    "messaging",
    "dues",
    "joining",
    "delivery",
]


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    # Production settings refuse the published development key: the bench has its own.
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "YmVuY2gtb25seS1maWVsZC1rZXktMzItYnl0ZXMhISE=")
    os.environ.setdefault("EMAIL_URL", "dummymail://")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--only", default=",".join(AREAS))
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from bench.common import Context, Row, format_table
    from members.models import Member

    settings.ALLOWED_HOSTS = ["*"]
    # Production settings (DEBUG off) but no collectstatic: serve {% static %} unhashed.
    from django.test.utils import override_settings

    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}).enable()
    print(f"database: {connection.vendor} {settings.DATABASES['default']['NAME']}", flush=True)
    call_command("migrate", verbosity=0)
    rows: list[Row] = []
    if not args.no_seed and Member.objects.count() < args.members:
        start = time.perf_counter()
        call_command("seed_demo", members=args.members, force=True, verbosity=1)
        seconds = time.perf_counter() - start
        rows.append(
            Row(
                "register",
                f"seed_demo --members {args.members}",
                rate=args.members / seconds,
                note=f"{seconds:.1f} s total",
            )
        )
    if connection.vendor == "postgresql":
        # Production tables are kept vacuumed by autovacuum; right after a bulk load they
        # are not (no visibility map, so no index-only scans). Measure the steady state.
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"VACUUM ANALYZE: {time.perf_counter() - start:.1f} s", flush=True)
    ctx = Context(members=Member.objects.count(), repeat=args.repeat)
    for area in [a.strip() for a in args.only.split(",") if a.strip()]:
        try:
            module = importlib.import_module(f"bench.{area}")
        except ModuleNotFoundError:
            print(f"(no bench/{area}.py)", file=sys.stderr)
            continue
        print(f"running {area} …", flush=True)
        rows.extend(module.run(ctx))
    print()
    print(f"Medlemsportal benchmark — {ctx.members:,} members, {connection.vendor}")
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
