"""Deterministic demo data for `manage.py seed_demo`, split by what it seeds:
`data` (the reference data), `values` (valid identifiers), `organisation`, `people`
(members and payments), `related` (positions, benefits, orders), `logins`, and
`seeder`, which runs them in order in one transaction."""

from .data import DEMO_CLUB_SIZE, DEMO_LOGINS, DEMO_PASSWORD, DEMO_TOTP_SECRET
from .seeder import DemoSeeder, SeedReport, seed

__all__ = [
    "DEMO_CLUB_SIZE",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "DEMO_TOTP_SECRET",
    "DemoSeeder",
    "SeedReport",
    "seed",
]
