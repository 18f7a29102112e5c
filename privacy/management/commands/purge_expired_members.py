"""Erase members resigned more than three years ago or with an approved erasure request.

`--dry-run` lists the member numbers and reasons that would go and changes nothing.
"""

import datetime as dt

from django.core.management.base import BaseCommand
from tqdm import tqdm

from privacy import erasure


class Command(BaseCommand):
    help = "Slett tidligere medlemmer som skal slettes (tre år etter utmelding, eller på krav)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List who would be erased; change nothing."
        )
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help="Run as if today were this date (YYYY-MM-DD).",
        )
        parser.add_argument("--batch-size", type=int, default=erasure.BATCH_SIZE)

    def handle(self, *args, dry_run=False, today=None, batch_size=erasure.BATCH_SIZE, **options):
        if dry_run:
            count = 0
            for planned in erasure.iter_plan(today, batch_size=batch_size):
                self.stdout.write(f"{planned.member_number}\t{planned.reason}")
                count += 1
            self.stderr.write(f"{count} member(s) would be erased (dry run, nothing changed).")
            return
        total = erasure.due_for_erasure(today).count()
        with tqdm(total=total, unit="member", disable=total == 0, file=self.stderr) as bar:
            records = erasure.purge_expired_members(
                today, batch_size=batch_size, progress=bar.update
            )
        self.stdout.write(f"Erased {len(records)} member(s).")
