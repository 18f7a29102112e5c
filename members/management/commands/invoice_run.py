"""`manage.py invoice_run [--period YYYY-Qn] [--dry-run]`: invoice members who pay by
invoice for a period (default: the next one; its length is DUES_INVOICE_PERIOD_MONTHS).
Members already invoiced for the period are skipped, so running it twice is harmless.
The e-mails are sent by the `members.send_invoices` task after the run is saved."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from members.dues import invoicing


class Command(BaseCommand):
    help = "Lag fakturaer med KID for en periode (standard: neste kvartal)."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="ÅÅÅÅ-Qn (kvartal), ÅÅÅÅ-MM, ÅÅÅÅ-Hn eller ÅÅÅÅ")
        parser.add_argument(
            "--dry-run", action="store_true", help="bare tell opp, lag ingen fakturaer"
        )

    def handle(self, *args, period=None, dry_run=False, **options):
        today = timezone.localdate()
        try:
            chosen = invoicing.parse_period(period) if period else invoicing.default_period(today)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        plan = invoicing.dry_run(chosen, today=today)
        summary = (
            f"{chosen.label}: {plan.count} fakturaer, {plan.total_ore / 100:.2f} kr, "
            f"{plan.by_email} på e-post, {plan.by_print} på papir, "
            f"forfall {plan.due_on:%d.%m.%Y}"
        )
        if dry_run:
            self.stdout.write(f"Prøvekjøring – {summary}")
            return
        run = invoicing.invoice_run_create(period=chosen, by=None, today=today)
        self.stdout.write(f"Kjøring {run.pk} – {summary}")
