"""`manage.py seed_demo [--members N] [--if-empty] [--force] [--seed S]`: deterministic
demo data and the demo logins of the README."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from members import demo
from members.models import Member


class Command(BaseCommand):
    help = "Create deterministic demo data (members, organisation, payments) and demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=2000, help="How many members.")
        parser.add_argument(
            "--seed", type=int, default=2026, help="Random seed (same seed, same data)."
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the register has members."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=(
                "With DEBUG off: seed the demo data anyway (never on a real register), "
                "but no demo logins: their password and TOTP secret are published."
            ),
        )

    def handle(self, *args, members, seed: int, if_empty: bool, force: bool, **options):
        if if_empty and Member.objects.exists():
            self.stdout.write("The register already has members; no demo data added.")
            return
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to seed demo data with DEBUG off. Use DEBUG=1, or --force on a "
                "database that is not a real register (it then gets no demo logins)."
            )
        if members < 0:
            raise CommandError("--members must be 0 or more.")
        verbose = options.get("verbosity", 1) >= 1
        log = self.stdout.write if verbose else None
        # The demo logins have a published password and TOTP secret: never with DEBUG off.
        with_logins = bool(settings.DEBUG)
        report = demo.seed(members=members, seed=seed, log=log, with_logins=with_logins)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {report.members:,} members and {report.payments:,} payments "
                f"in {report.seconds:.1f} s."
            )
        )
        if with_logins:
            self.stdout.write(
                f"Demo logins ({', '.join(demo.DEMO_LOGINS)}), password: {demo.DEMO_PASSWORD}. "
                f"TOTP secret for the officer and staff logins: {demo.DEMO_TOTP_SECRET}"
            )
        else:
            self.stdout.write("DEBUG is off: no demo logins were created.")
