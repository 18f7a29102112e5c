"""The text of a message: the few safe placeholders, and SMS part counting.

Placeholders are plain `{fornavn}`-style words replaced from a fixed list; nothing
else in the text is interpreted, so an author cannot reach any other field.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

PLACEHOLDERS = {
    "fornavn": _("medlemmets fornavn"),
    "medlemsnummer": _("medlemsnummeret"),
    "klubb": _("klubbens navn"),
}
_PLACEHOLDER = re.compile(r"\{([a-zæøå_]+)\}", re.IGNORECASE)
# Sample values for estimating SMS length before a member is chosen: long-ish ones.
SAMPLE = {"fornavn": "Kristoffer", "medlemsnummer": "1234567", "klubb": "Klubb Raffineriet"}


def unknown_placeholders(text: str) -> list[str]:
    return sorted({m.group(1) for m in _PLACEHOLDER.finditer(text)} - set(PLACEHOLDERS))


def fill(text: str, values: dict[str, str]) -> str:
    """Replace the known placeholders with `values`; anything else stays as written."""

    def replace(match: re.Match) -> str:
        name = match.group(1).lower()
        return str(values.get(name, "")) if name in PLACEHOLDERS else match.group(0)

    return _PLACEHOLDER.sub(replace, text)


def values_for(member: dict) -> dict[str, str]:
    """Placeholder values from a member row (`first_name`, `member_number`, `club__name`)."""
    return {
        "fornavn": member.get("first_name") or "",
        "medlemsnummer": str(member.get("member_number") or ""),
        "klubb": member.get("club__name") or "",
    }


# GSM 03.38: the basic set counts one character, the extension table two (ESC + char).
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SmsLength:
    characters: int
    parts: int
    unicode: bool

    @property
    def per_part(self) -> int:
        if self.unicode:
            return 70 if self.parts <= 1 else 67
        return 160 if self.parts <= 1 else 153


def sms_length(text: str) -> SmsLength:
    """Characters and parts: GSM-7 fits 160 in one part and 153 per part when split;
    any other character makes the whole SMS UCS-2 (70, and 67 per part)."""
    if all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in text):
        units = sum(2 if ch in GSM_EXTENDED else 1 for ch in text)
        single, multi, unicode = 160, 153, False
    else:
        # UCS-2 counts UTF-16 code units (an emoji is two).
        units = len(text.encode("utf-16-le")) // 2
        single, multi, unicode = 70, 67, True
    if units == 0:
        parts = 0
    elif units <= single:
        parts = 1
    else:
        parts = math.ceil(units / multi)
    return SmsLength(characters=units, parts=parts, unicode=unicode)


# A letter is one page (templates/pdf/letters.html): the text box under the address
# holds about 40 lines of 10 pt text, 80-90 characters wide. Counted conservatively
# (70 characters a line, the 13 pt subject line as two), so text that passes fits.
LETTER_LINE_CHARS = 70
LETTER_SUBJECT_CHARS = 55
LETTER_MAX_LINES = 38


def letter_lines(subject: str, body: str) -> int:
    """The lines a letter's subject and text take on the page, estimated from the
    text as the longest sample member would get it."""
    body = fill(body, SAMPLE).rstrip()
    lines = sum(max(1, math.ceil(len(line) / LETTER_LINE_CHARS)) for line in body.split("\n"))
    heading = max(1, math.ceil(len(fill(subject, SAMPLE)) / LETTER_SUBJECT_CHARS))
    return lines + 2 * heading
