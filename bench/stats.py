"""Statistics benchmark: the nightly snapshot once, then the full /statistikk/ dashboard
for central staff (24 and 60 months, a branch filter, the htmx fragment), for a branch
officer, and one CSV download: p50/p95 and the number of SQL queries per request.

Target (issue 8): under 300 ms p50 at 100,000 members and 2.4 million payments on
PostgreSQL, with the same number of queries for every period."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from bench.common import Context, Row, get_ok, measure, throughput
from clubs.models import AccessGrant, AccessLevel
from members.models import Member, MembershipSnapshot, Payment
from members.stats.snapshots import take_membership_snapshot

AREA = "stats"
PLAIN_STATIC = "django.contrib.staticfiles.storage.StaticFilesStorage"


def _user_with_grant(level: str):
    """A user of the seeded demo with an active grant of `level` (seed_demo makes
    sentral@ and avdeling@ with DEBUG on); the lowest id wins so runs are repeatable.
    Without them (seeded with DEBUG off) a bench user is made."""
    grant = (
        AccessGrant.objects.active()
        .filter(level=level)
        .select_related("user", "branch")
        .order_by("user_id")
        .first()
    )
    if grant is not None:
        return grant.user
    # Seeded with DEBUG off: no demo logins. A bench user of its own (no password).
    from django.contrib.auth import get_user_model

    from clubs.models import Branch

    branch = Branch.objects.order_by("number").first() if level == AccessLevel.BRANCH else None
    user, _created = get_user_model().objects.get_or_create(
        username=f"bench-stats-{level}@example.org",
        defaults={"email": f"bench-stats-{level}@example.org"},
    )
    AccessGrant.objects.get_or_create(
        user=user,
        level=level,
        branch=branch,
        club=None,
        defaults={"valid_from": dt.date(2020, 1, 1), "activated_at": timezone.now()},
    )
    from allauth.mfa.models import Authenticator

    Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "JBSWY3DPEHPK3PXP"}}
    )
    return user


def _count_queries(call) -> int:
    """SQL statements one call runs, counted at the cursor (independent of DEBUG and
    of the per-request query log, which the test client resets)."""
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        call()
    return len(statements)


def run(ctx: Context) -> list[Row]:
    # Without `collectstatic` the manifest storage of DEBUG=0 cannot resolve {% static %};
    # static URLs are not what is measured here, so use the plain storage.
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATIC}}
    with override_settings(STORAGES=storages):
        return _run(ctx)


TARGET_PAYMENTS = 2_400_000


def _top_up_payments() -> int:
    """Bring the payment table to the issue's 2.4 million rows. seed_demo's realistic
    history (joins, resignations, unemployed members paying nothing) gives about 2.0 M
    at 100,000 members; the rest are "other" payments spread over the last 24 months."""
    missing = TARGET_PAYMENTS - Payment.objects.count()
    if missing <= 0 or connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH m AS (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM members_member),
                 n AS (SELECT count(*) AS total FROM members_member)
            INSERT INTO members_payment
                (member_id, kind, amount_ore, period, paid_on, kid, source, reference, created_at)
            SELECT m.id, 'other', 25000 + (g %% 7) * 5000, p.period, p.period + 19, '',
                   'manual', '', now()
            FROM generate_series(1, %s) AS g
            CROSS JOIN n
            JOIN m ON m.rn = (g %% n.total) + 1
            CROSS JOIN LATERAL (
                SELECT (date_trunc('month', current_date)
                        - make_interval(months => (g %% 24)::int))::date AS period
            ) AS p
            """,
            [missing],
        )
        cursor.execute("VACUUM ANALYZE members_payment")
    return missing


def _run(ctx: Context) -> list[Row]:
    rows: list[Row] = []
    added = _top_up_payments()
    if added:
        rows.append(
            Row(AREA, f"top up to {TARGET_PAYMENTS:,} payments (setup)", note=f"+{added:,}")
        )
    payments = Payment.objects.count()
    note = f"{ctx.members:,} members, {payments:,} payments"

    # The nightly job: it must have run for dues history and arrears to show.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    rate, written, seconds = throughput(lambda: take_membership_snapshot(on=yesterday))
    rows.append(
        Row(
            AREA,
            "nightly snapshot (members.take_membership_snapshot)",
            p50_ms=seconds * 1000,
            note=f"{written} snapshot rows; {note}",
        )
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE members_membershipsnapshot; ANALYZE members_duessnapshot")

    central = ctx.client_for(_user_with_grant(AccessLevel.CENTRAL))
    officer = ctx.client_for(_user_with_grant(AccessLevel.BRANCH))
    some_branch = Member.objects.order_by("pk").values_list("branch_id", flat=True).first()

    cases = [
        ("dashboard, central staff, 24 months (default)", central, "/statistikk/", {}),
        ("dashboard, central staff, 12 months", central, "/statistikk/?months=12", {}),
        ("dashboard, central staff, 60 months", central, "/statistikk/?months=60", {}),
        (
            "dashboard, central staff, one branch + type",
            central,
            f"/statistikk/?branch={some_branch}&type=ordinary&months=24",
            {},
        ),
        (
            "dashboard body via htmx, central staff",
            central,
            "/statistikk/?months=24",
            {"headers": {"HX-Request": "true"}},
        ),
        ("dashboard, branch officer, 24 months", officer, "/statistikk/", {}),
        ("CSV download (dues per month)", central, "/statistikk/dues.csv?months=24", {}),
    ]
    for name, client, url, kwargs in cases:
        call = get_ok(client, url, **kwargs)
        p50, p95, _captured = measure(call, repeat=ctx.repeat)
        rows.append(
            Row(AREA, name, p50_ms=p50, p95_ms=p95, queries=_count_queries(call), note=note)
        )
    snapshots = MembershipSnapshot.objects.count()
    rows[-1].note += f"; {snapshots:,} snapshot rows"
    return rows
