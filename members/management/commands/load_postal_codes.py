"""`manage.py load_postal_codes [SOURCE] [--dry-run]`: refresh the shipped copy of
Posten/Bring's postal-code register (postnummerregister) from Bring's public file.

SOURCE is a local file or an https URL; without it the command fetches
`settings.POSTAL_CODES_URL` (Bring's tab-separated "ANSI" file). The new file is parsed
and checked before it replaces the old one, and it replaces it in one rename, so a
failed or half download never leaves the join form without postal places. The register
is re-read when the file changes (members/postal.py): no restart needed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from members import postal

DEFAULT_URL = "https://www.bring.no/postnummerregister-ansi.txt"
# Bring's register has about 5,100 codes. A file with far fewer is a truncated download
# or an error page, not a register: refuse it rather than lose postal places.
MINIMUM_CODES = 4000
TIMEOUT_SECONDS = 30.0
MAX_BYTES = 5 * 1024 * 1024


def decode(data: bytes) -> str:
    """Bring publishes the file in Windows-1252 ("ANSI"); accept UTF-8 as well (our own
    shipped copy, or a converted file)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def fetch(source: str) -> bytes:
    """The bytes of a local file or an https URL. Raises CommandError."""
    if source.startswith(("http://", "https://")):
        if not source.startswith("https://"):
            raise CommandError("Registeret hentes bare over https.")
        try:
            response = httpx.get(source, timeout=TIMEOUT_SECONDS, follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise CommandError(f"Kan ikke hente {source}: {exc}") from None
        if len(response.content) > MAX_BYTES:
            raise CommandError(f"{source} er for stor til å være postnummerregisteret.")
        return response.content
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise CommandError(f"Kan ikke lese {source}: {exc.strerror}") from None


def render(codes: dict[str, postal.PostalCode]) -> str:
    """The register in the shipped format: one code a line, sorted, tab-separated."""
    return "".join(
        f"{c.code}\t{c.city}\t{c.municipality_number}\t{c.municipality}\t{c.category}\n"
        for c in sorted(codes.values(), key=lambda c: c.code)
    )


def write_atomically(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".postal-", suffix=".tsv")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = "Oppdater postnummerregisteret fra Posten/Bring (fil eller https-adresse)."

    def add_arguments(self, parser):
        parser.add_argument(
            "source",
            nargs="?",
            help="Fil eller https-adresse (standard: POSTAL_CODES_URL, Brings register).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Vis endringene uten å lagre dem."
        )
        parser.add_argument(
            "--min-codes",
            type=int,
            default=MINIMUM_CODES,
            help="Avvis en fil med færre postnumre enn dette (standard: %(default)s).",
        )

    def handle(self, *args, source: str | None, dry_run: bool, min_codes: int, **options):
        source = source or getattr(settings, "POSTAL_CODES_URL", None) or DEFAULT_URL
        try:
            new = postal.parse(decode(fetch(source)).splitlines())
        except ValueError as exc:
            raise CommandError(f"Filen er ikke postnummerregisteret: {exc}") from None
        if len(new) < min_codes:
            raise CommandError(
                f"Filen har bare {len(new)} postnumre (minst {min_codes} ventet); "
                "registeret er ikke endret."
            )
        old = postal.codes()
        added = new.keys() - old.keys()
        removed = old.keys() - new.keys()
        changed = {code for code in new.keys() & old.keys() if new[code] != old[code]}
        summary = (
            f"{len(new)} postnumre: {len(added)} nye, {len(removed)} fjernet, "
            f"{len(changed)} endret."
        )
        if dry_run:
            self.stdout.write(f"{summary} (prøvekjøring: ingenting er lagret)")
            return
        if not (added or removed or changed):
            self.stdout.write(f"{summary} Registeret er allerede oppdatert.")
            return
        target = postal.path()
        try:
            write_atomically(target, render(new))
        except OSError as exc:
            raise CommandError(f"Kan ikke skrive {target}: {exc.strerror}") from None
        self.stdout.write(f"{summary} Lagret i {target}.")
