"""Posten/Bring's postal-code register (postnummerregister), shipped as data in
`members/data/postnummerregister.tsv` and refreshed by `manage.py load_postal_codes`.

A plain file rather than a table: validators run inside model validation, which must
not query the database, and 5,000 rows fit in memory. The file is re-read when it
changes on disk, so a refresh needs no restart.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "postnummerregister.tsv"
CATEGORIES = {"G", "P", "B", "S", "F"}


@dataclass(frozen=True)
class PostalCode:
    code: str
    city: str  # as Posten writes it: upper case
    municipality_number: str
    municipality: str
    category: str

    @property
    def city_title(self) -> str:
        """The postal place as people write it ("BØ I TELEMARK" -> "Bø i Telemark")."""
        small = {"i", "på", "og", "ved"}
        words = self.city.lower().split(" ")
        return " ".join(
            w if (i and w in small) else "-".join(p[:1].upper() + p[1:] for p in w.split("-"))
            for i, w in enumerate(words)
        )


def path() -> Path:
    return Path(getattr(settings, "POSTAL_CODES_FILE", None) or DEFAULT_PATH)


def parse(lines) -> dict[str, PostalCode]:
    """Parse Bring's tab-separated format: code, place, municipality number,
    municipality, category. Raises ValueError on a malformed line."""
    codes: dict[str, PostalCode] = {}
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 5:
            raise ValueError(f"line {number}: expected 5 tab-separated columns")
        code, city, muni_no, muni, category = (p.strip() for p in parts[:5])
        if not (len(code) == 4 and code.isdigit()) or category not in CATEGORIES:
            raise ValueError(f"line {number}: not a postal-code row")
        codes[code] = PostalCode(code, city.upper(), muni_no, muni.upper(), category)
    return codes


_cache: dict[str, object] = {"key": None, "codes": {}}


def codes() -> dict[str, PostalCode]:
    """All postal codes, read from the data file (again only when it changed)."""
    file = path()
    try:
        stat = os.stat(file)
    except FileNotFoundError:
        return {}
    key = (str(file), stat.st_mtime_ns, stat.st_size)
    if _cache["key"] != key:
        with open(file, encoding="utf-8") as handle:
            _cache["codes"] = parse(handle)
        _cache["key"] = key
    return _cache["codes"]  # type: ignore[return-value]


def lookup(code: str) -> PostalCode | None:
    """The postal code's entry, or None when Posten has no such code."""
    return codes().get((code or "").strip())


def normalize_city(value: str) -> str:
    """Compare places regardless of case, accents and spacing ("Bø i  Telemark")."""
    text = unicodedata.normalize("NFC", (value or "").strip().upper())
    return " ".join(text.replace("-", " ").split())


def city_matches(code: str, city: str) -> bool:
    entry = lookup(code)
    return entry is not None and normalize_city(entry.city) == normalize_city(city)
