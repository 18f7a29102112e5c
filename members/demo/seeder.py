"""Deterministic demo data for `manage.py seed_demo`: the organisation, reference tables,
members with valid identifiers, positions, payments and the demo logins.

Fast at scale: names and addresses come from pools drawn once from Faker (`no_NO`,
seeded), every member is computed in Python (one Fernet encryption per secret), and the
rows go in with PostgreSQL COPY (bulk_create on SQLite). Payments are expanded by the
database from one row per member. Seeded rows get no simple-history rows.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from faker import Faker

from members.stats.snapshots import take_membership_snapshot

from .dues import DuesSeeding
from .lifecycle import LifecycleSeeding
from .logins import LoginSeeding
from .messages import MessageSeeding
from .organisation import OrganisationSeeding
from .people import MemberSeeding
from .related import RelatedSeeding


@dataclass
class SeedReport:
    members: int = 0
    payments: int = 0
    users: int = 0
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)


class DemoSeeder(
    OrganisationSeeding,
    MemberSeeding,
    RelatedSeeding,
    DuesSeeding,
    LoginSeeding,
    MessageSeeding,
    LifecycleSeeding,
):
    """Builds the whole demo register for one seed; each step is a mixin of its own."""

    def __init__(self, *, members: int, seed: int, log: Callable[[str], None] | None = None):
        self.n = members
        self.seed = seed
        # Demo data must repeat for a seed; nothing here is secret.
        self.rng = random.Random(seed)  # noqa: S311
        # Faker calls Norwegian bokmål "no_NO".
        self.fake = Faker("no_NO")
        self.fake.seed_instance(seed)
        self.today = timezone.localdate()
        self.log = log or (lambda message: None)
        self.report = SeedReport()
        self.postgres = connection.vendor == "postgresql"

    def _step(self, name: str, started: float) -> None:
        self.report.steps[name] = time.perf_counter() - started
        self.log(f"  {name}: {self.report.steps[name]:.1f} s")

    # --- all of it ----------------------------------------------------------------------

    def run(self, *, with_logins: bool = True) -> SeedReport:
        began = time.perf_counter()
        with transaction.atomic():
            t = time.perf_counter()
            self.organisation()
            self.reference_tables()
            self._step("organisation and reference tables", t)
            t = time.perf_counter()
            rows = self.build_members()
            self._step(f"{len(rows)} members computed", t)
            t = time.perf_counter()
            self.insert_members(rows)
            self._step("members inserted", t)
            t = time.perf_counter()
            self.report.payments = self.insert_payments(rows)
            self._step(f"{self.report.payments} payments inserted", t)
            t = time.perf_counter()
            self.related(rows)
            self._step("positions, earlier unions, benefits, orders", t)
            t = time.perf_counter()
            self.dues(rows)
            self._step("dues accounts and worklists", t)
            if with_logins:
                t = time.perf_counter()
                self.logins(rows)
                self._step("logins", t)
                t = time.perf_counter()
                self.messages()
                self._step("messages sent", t)
            t = time.perf_counter()
            self.lifecycle()
            self._step("applications, a resignation, recruits", t)
            t = time.perf_counter()
            # The nightly snapshot fills "Innbetalt" and "Restanser" in the statistics;
            # run it now so the demo shows them on the first day.
            take_membership_snapshot(on=timezone.localdate())
            self._step("statistics snapshot", t)
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE members_member")
                cursor.execute("ANALYZE members_payment")
        self.report.members = len(rows)
        self.report.seconds = time.perf_counter() - began
        return self.report


def seed(*, members: int, seed: int = 2026, with_logins: bool = True, log=None) -> SeedReport:
    """Create the demo data; returns counts and timings."""
    return DemoSeeder(members=members, seed=seed, log=log).run(with_logins=with_logins)
