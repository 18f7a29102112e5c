"""`manage.py avtalegiro_claims [--period YYYY-MM] [--output FILE]`: the month's
AvtaleGiro claims transmission for Nets (made once per month; repeats print the same)."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from members.dues import queries, services


class Command(BaseCommand):
    help = "Lag AvtaleGiro-kravene for en måned (standard: neste måned)."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="ÅÅÅÅ-MM")
        parser.add_argument("--output", help="filen kravene skrives til (standard: skjermen)")

    def handle(self, *args, period=None, output=None, **options):
        if period:
            month = dt.date.fromisoformat(f"{period}-01")
        else:
            month = queries.add_months(timezone.localdate(), 1)
        run = services.avtalegiro_claims(period=month)
        if output:
            with open(output, "w", encoding="iso-8859-1", newline="\n") as handle:
                handle.write(run.content)
        else:
            self.stdout.write(run.content, ending="")
        self.stderr.write(
            f"{run.claims} krav, {run.total_ore / 100:.2f} kr, forfall {run.due_on:%d.%m.%Y}"
        )
