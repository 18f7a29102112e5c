"""Checks shared by the forms where a Norwegian address is typed (Min side profile,
the staff edit form): the postal code must be in Posten's register (`members/postal.py`)
and belong to the postal place; an empty place is filled in from the code."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from . import postal
from .validators import validate_postal_code


def check_postal_address(
    form, cleaned: dict, *, country: str = "NO", current: tuple[str, str] | None = None
) -> None:
    """Validate `postal_code`/`city` of a form's cleaned data in place: errors go on the
    form's fields, a missing city is filled in from the register. `current` is the
    (code, city) on file; without it the form's initial data tells what changed."""
    code = (cleaned.get("postal_code") or "").strip()
    if not code or (country or "NO").upper() != "NO":
        return
    # An address already on file is not re-judged when something else is edited.
    if current is not None:
        if (code, (cleaned.get("city") or "").strip()) == tuple(current):
            return
    elif not {"postal_code", "city", "country"} & set(form.changed_data):
        return
    city = (cleaned.get("city") or "").strip()
    entry = postal.lookup(code)
    try:
        # Without a place, check the code alone (format, 0000, in the register).
        validate_postal_code(code, city=city or (entry.city if entry else ""))
    except ValidationError as error:
        form.add_error("city" if error.code == "wrong_city" else "postal_code", error)
        return
    if not city and entry is not None:
        cleaned["city"] = entry.city_title
