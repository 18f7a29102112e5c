"""Where a page's time goes: `python -m bench.profile [--pages roster,card,search,stats]
[--repeat 30] [--top 25]` on the database `python -m bench` seeded (DATABASE_URL).

For each page: the median wall time of a request through the full Django stack, the
median time spent inside SQL (measured at the cursor), and a cProfile of `--repeat`
requests sorted by own time and by cumulative time. `--no-profile` prints only the
medians (wall, SQL, and this process's CPU time), each with the machine's 1-minute load
average.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import time


def sql_timer():
    """An execute_wrapper that adds each statement's time to `timer.total`."""

    def timer(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timer.total += time.perf_counter() - start

    timer.total = 0.0
    return timer


def wall_and_sql(call, repeat: int) -> tuple[float, float, float]:
    """Median (wall ms, SQL ms, CPU ms) of `repeat` calls. CPU is this process's time
    (`time.process_time`: Python, and the client side of each query), which another
    session's load stretches less than the wall time."""
    from django.db import connection

    walls, sqls, cpus = [], [], []
    for _ in range(repeat):
        timer = sql_timer()
        with connection.execute_wrapper(timer):
            cpu = time.process_time()
            start = time.perf_counter()
            call()
            walls.append((time.perf_counter() - start) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        sqls.append(timer.total * 1000)
    return statistics.median(walls), statistics.median(sqls), statistics.median(cpus)


def pages():
    from django.urls import reverse

    from bench.access import _bench_club, _user
    from bench.common import Context, get_ok
    from bench.stats import _user_with_grant
    from clubs.models import AccessLevel
    from members.models import Member

    ctx = Context(members=0)
    club = _bench_club()
    officer = ctx.client_for(_user("bench-klubb@example.org", AccessLevel.CLUB, club))
    staff = ctx.client_for(_user("bench-sentral@example.org", AccessLevel.CENTRAL))
    central = ctx.client_for(_user_with_grant(AccessLevel.CENTRAL))
    one = Member.objects.filter(club=club).order_by("member_number").first()
    return {
        "roster": get_ok(officer, reverse("klubb:roster")),
        "card": get_ok(officer, reverse("klubb:card", args=[one.pk])),
        "search": get_ok(staff, reverse("register:search"), data={"q": "Joh"}),
        "member": get_ok(staff, reverse("register:member", args=[one.pk])),
        "stats": get_ok(central, "/statistikk/"),
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "YmVuY2gtb25seS1maWVsZC1rZXktMzItYnl0ZXMhISE=")
    os.environ.setdefault("EMAIL_URL", "dummymail://")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--pages", default="roster,card,search,member,stats")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings

    settings.ALLOWED_HOSTS = ["*"]
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}).enable()
    calls = pages()
    for name in args.pages.split(","):
        call = calls[name]
        for _ in range(3):
            call()
        wall, sql, cpu = wall_and_sql(call, args.repeat)
        load = os.getloadavg()[0]  # the machine is shared: read a figure with its load
        print(
            f"== {name}: {wall:.1f} ms median, SQL {sql:.1f} ms ({wall / sql:.1f}x SQL), "
            f"CPU {cpu:.1f} ms, load {load:.2f}"
        )
        if args.no_profile:
            continue
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.repeat):
            call()
        profiler.disable()
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
            print("\n".join(out.getvalue().splitlines()[6:]))


if __name__ == "__main__":
    main()
