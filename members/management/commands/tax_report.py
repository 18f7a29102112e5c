"""`manage.py tax_report YEAR [--output FILE]`: the XML file of dues paid directly in
the income year, for Altinn form RF-1301, validated against its schema."""

from django.core.management.base import BaseCommand

from members.dues import tax


class Command(BaseCommand):
    help = "Lag XML-filen med fagforeningskontingent til Skatteetaten for et inntektsår."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--output", help="filen XML skrives til (standard: skjermen)")

    def handle(self, *args, year: int, output=None, **options):
        run = tax.tax_report_create(year=year, by=None)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(run.content)
        else:
            self.stdout.write(run.content, ending="")
        self.stderr.write(f"{run.statements} oppgaver, {run.total_ore / 100:.2f} kr for {year}")
