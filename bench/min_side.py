"""Min side at scale: p50/p95 and SQL queries of each page for one member among all the
seeded ones (target p50 < 30 ms, ≤ 12 queries), and the time of the access-report PDF
(target < 1.5 s).

The measured member is the demo member login (seed_demo links it); the bench gives it
a realistic amount of history if it has little: payments for three years, a few
officer views in the access log, and some preference changes (history rows and outbox
rows), so the page reads real rows rather than empty tables.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.urls import reverse

from bench.common import Context, Row, get_ok, measure

PAGES = [
    ("overview", "minside:index"),
    ("profile", "minside:profile"),
    ("communication", "minside:preferences"),
    ("insurance & services", "minside:products"),
    ("payments", "minside:payments"),
    ("my data", "minside:my_data"),
    ("my data JSON", "minside:my_data_json"),
]
TARGET_P50_MS = 30
TARGET_QUERIES = 12
TARGET_PDF_S = 1.5


def _bench_user():
    """Return a login linked to a member with payments (the demo member if present)."""
    from members.minside import activation
    from members.models import Member, MemberStatus

    User = get_user_model()
    user = User.objects.filter(email="medlem@example.org", member__isnull=False).first()
    if user is not None:
        return user
    user = User.objects.filter(email="bench-minside@example.org").first()
    if user is not None and hasattr(user, "member"):
        return user
    member = (
        Member.objects.filter(status=MemberStatus.ACTIVE, user__isnull=True)
        .annotate(n=Count("payments"))
        .order_by("-n")
        .first()
    )
    user = user or User.objects.create_user(
        username="bench-minside", email="bench-minside@example.org", password=None
    )
    activation.member_link_user(member=member, user=user)
    return user


def _enrich(user) -> None:
    """Give the measured member some history, access log and payments (idempotent)."""
    from members.minside import services as selfservice
    from members.models import Member, Payment, PaymentSource
    from privacy.access_log import log_access
    from privacy.models import AccessAction, AccessLog

    User = get_user_model()
    member = Member.objects.get(user=user)
    if Payment.objects.filter(member=member).count() < 36:
        year = dt.date.today().year
        Payment.objects.bulk_create(
            Payment(
                member=member,
                amount_ore=57500,
                period=dt.date(y, m, 1),
                paid_on=dt.date(y, m, 20),
                kid=member.kid,
                source=PaymentSource.OCR,
                reference=f"bench-minside-{member.pk}-{y}-{m}",
            )
            for y in range(year - 3, year)
            for m in range(1, 13)
        )
    officer = User.objects.filter(access_grants__isnull=False).first() or user
    if AccessLog.objects.filter(member=member).count() < 20:
        for _ in range(20):
            log_access(user=officer, action=AccessAction.VIEW_CARD, member=member, view="bench")
    if member.history.count() < 10:
        for n in range(10):
            member.refresh_from_db()
            selfservice.preferences_update(
                member=member,
                by=user,
                expected_version=None,
                allow_email=True,
                allow_sms=bool(n % 2),
                newsletter=bool(n % 2),
                magazine="digital" if n % 2 else "paper",
                surveys=False,
                benefits_marketing_reserved=False,
            )


def run(ctx: Context) -> list[Row]:
    user = _bench_user()
    _enrich(user)
    client = ctx.client_for(user)
    rows: list[Row] = []
    for label, name in PAGES:
        p50, p95, queries = measure(get_ok(client, reverse(name)), repeat=ctx.repeat)
        verdict = "ok" if p50 < TARGET_P50_MS and queries <= TARGET_QUERIES else "OVER TARGET"
        rows.append(
            Row(
                "min_side",
                f"GET {label}",
                p50_ms=p50,
                p95_ms=p95,
                queries=queries,
                note=f"target p50 < {TARGET_P50_MS} ms, ≤ {TARGET_QUERIES} SQL: {verdict}",
            )
        )
    for label, name, args in [
        ("access report PDF", "minside:access_report", []),
        ("annual statement PDF", "minside:annual_statement", [dt.date.today().year - 1]),
    ]:
        call = get_ok(client, reverse(name, args=args))
        p50, p95, queries = measure(call, repeat=max(3, ctx.repeat // 6), warmup=1)
        size = len(call().content)
        verdict = "ok" if p50 < TARGET_PDF_S * 1000 else "OVER TARGET"
        rows.append(
            Row(
                "min_side",
                label,
                p50_ms=p50,
                p95_ms=p95,
                queries=queries,
                note=f"{size / 1024:.0f} KiB, target < {TARGET_PDF_S} s: {verdict}",
            )
        )
    return rows
