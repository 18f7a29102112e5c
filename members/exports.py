"""CSV cells that a spreadsheet cannot run: one rule for every CSV the portal writes
(Klubbkontoret exports, statistics, dues lists)."""

from __future__ import annotations

import datetime as dt
import re

# What a spreadsheet reads as the start of a formula (or a DDE command).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# A plain number ("-3", "+47 912 34 567", "1 234,50") is data, not a formula.
PLAIN_NUMBER = re.compile(r"^[+-]?\d[\d ]*(?:[.,]\d+)?$")


def safe_cell(value) -> str:
    """Text for a CSV cell. Text that a spreadsheet would run as a formula gets a
    leading apostrophe; numbers, dates and phone numbers stay as they are."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    text = str(value)
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.match(text):
        return "'" + text
    return text
