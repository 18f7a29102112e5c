"""Valid-looking values for the demo: org numbers, bank accounts and national ids
that pass their check digits, dates in a range, ASCII forms of names."""

from __future__ import annotations

import datetime as dt
import random
import unicodedata

from stdnum.no import kontonr, orgnr

from members.crypto import keyed_hash
from members.validators import make_national_id


def ascii_name(text: str) -> str:
    text = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in text if c.isalnum() or c == "-")


def unique(values) -> list:
    # dict keeps insertion order, so the pool (and the data) is the same for a seed.
    return list(dict.fromkeys(values))


def org_number(rng: random.Random, used: set[str]) -> str:
    while True:
        base = f"{rng.choice('89')}{rng.randint(0, 9_999_999):07d}"
        check = -sum(int(d) * w for d, w in zip(base, (3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
        number = base + str(check)
        if check < 10 and orgnr.is_valid(number) and number not in used:
            used.add(number)
            return number


def bank_account(rng: random.Random) -> str:
    weights = (6, 7, 8, 9, 4, 5, 6, 7, 8, 9)
    while True:
        base = f"{rng.randint(1200, 9899)}{rng.randint(0, 999_999):06d}"
        check = sum(w * int(d) for w, d in zip(weights, base, strict=True)) % 11
        if check < 10 and kontonr.is_valid(base + str(check)):
            return base + str(check)


def random_national_id(rng: random.Random, born: dt.date, used: set[str], d_number: bool) -> str:
    low, high = (500, 999) if born.year >= 2000 else (0, 499)
    while True:
        try:
            number = make_national_id(born, rng.randint(low, high), d_number=d_number)
        except ValueError:
            continue
        digest = keyed_hash(number)
        if digest not in used:
            used.add(digest)
            return number


def date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return dt.date(day.year + month // 12, month % 12 + 1, 1)
