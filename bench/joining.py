"""Joining benchmark: the public join form (/bli-medlem/), GET and a valid POST that
stores an application and queues its verification e-mail, at register scale (the POST
looks the national id up by keyed hash among all members). Target: < 50 ms p50 each."""

from __future__ import annotations

import datetime as dt
import random

from django.test import Client
from django.test.utils import override_settings

from bench.common import Context, Row, measure
from clubs.models import Club
from members.joining.models import JoinApplication
from members.validators import make_national_id


def _national_ids(count: int, rng: random.Random) -> list[str]:
    ids = []
    while len(ids) < count:
        born = dt.date(1960 + rng.randint(0, 40), rng.randint(1, 12), rng.randint(1, 28))
        try:
            ids.append(make_national_id(born, rng.randint(0, 499)))
        except ValueError:
            continue
    return ids


def run(ctx: Context) -> list[Row]:
    rng = random.Random(14)
    club = Club.objects.filter(employer__isnull=False).select_related("employer").first()
    repeat = max(ctx.repeat, 50)
    ids = iter(_national_ids(repeat + 10, rng))
    before = set(JoinApplication.objects.values_list("pk", flat=True))
    client = Client()
    rows = []
    # One IP posts many times here: lift the per-IP limit; mail stays in memory.
    with override_settings(
        JOIN_RATE_LIMIT=10**9, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
    ):

        def get():
            response = client.get("/bli-medlem/")
            if response.status_code != 200:
                raise RuntimeError(f"GET /bli-medlem/ answered {response.status_code}")

        def post():
            response = client.post(
                "/bli-medlem/",
                {
                    "first_name": "Bench",
                    "last_name": "Søker",
                    "national_id": next(ids),
                    "street": "Kaigaten 4",
                    "postal_code": "5003",
                    "city": "Bergen",
                    "phone": "91234567",
                    "email": "bench@example.org",
                    "membership_type": "ordinary",
                    "employer": str(club.employer_id) if club else "",
                    "payment_method": "payroll" if club else "invoice",
                    "accept_terms": "on",
                },
            )
            if response.status_code != 302:
                raise RuntimeError(f"POST /bli-medlem/ answered {response.status_code}")

        for name, fn in (("join form GET", get), ("join form POST (valid)", post)):
            p50, p95, queries = measure(fn, repeat=repeat, warmup=2)
            rows.append(Row("joining", name, p50_ms=p50, p95_ms=p95, queries=queries))
    JoinApplication.objects.exclude(pk__in=before).filter(first_name="Bench").delete()
    return rows
