"""`manage.py import_ocr FILE`: import a Nets OCR giro file (also AvtaleGiro)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from members.dues import services


class Command(BaseCommand):
    help = "Les inn en OCR-fil fra Nets (OCR-giro og AvtaleGiro)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):
        path = Path(file)
        try:
            batch = services.ocr_import(data=path.read_bytes(), filename=path.name, by=None)
        except OSError as exc:
            raise CommandError(f"Kan ikke lese {path}: {exc.strerror}") from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            f"{batch.lines} transaksjoner, {batch.total_ore / 100:.2f} kr: "
            f"{batch.matched} koblet, {batch.unmatched} ikke koblet, "
            f"{batch.agreements} AvtaleGiro-avtaler"
        )
