"""Register benchmark: exact lookups at scale (the seed_demo timing is measured by
bench/__main__.py when it seeds). Targets: < 5 ms p50 for both lookups."""

import random

from bench.common import Context, Row, measure
from members.models import Member


def run(ctx: Context) -> list[Row]:
    rng = random.Random(1)
    ids = list(Member.objects.order_by("?").values_list("pk", flat=True)[:200])
    sample = list(Member.objects.filter(pk__in=ids))
    national_ids = [m.national_id for m in sample]
    numbers = [m.member_number for m in sample]
    rows = []

    def by_national_id():
        member = Member.objects.by_national_id(rng.choice(national_ids)).get()
        return member.national_id

    def by_member_number():
        return Member.objects.get(member_number=rng.choice(numbers))

    def search_by_name():
        name = rng.choice(sample).last_name
        return list(Member.objects.search(name)[:25])

    for name, fn in (
        ("lookup by exact national id (hash, decrypt)", by_national_id),
        ("lookup by member number", by_member_number),
        ("search by last name, first 25", search_by_name),
    ):
        p50, p95, queries = measure(fn, repeat=max(ctx.repeat, 200))
        rows.append(Row("register", name, p50_ms=p50, p95_ms=p95, queries=queries))
    return rows
