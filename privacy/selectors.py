"""Reads shared by the public notice and the staff's record of processing: the
recipients and the cookie declaration in the reader's language."""

from __future__ import annotations

from django.utils.translation import get_language

from . import processing
from .models import CookieCategory, CookieDefinition, Recipient


def english() -> bool:
    return (get_language() or "nb").startswith("en")


def recipient_rows() -> list[dict]:
    en = english()
    return [
        {
            "name": r.name,
            "role": r.get_role_display(),
            "purpose": r.purpose_en if en else r.purpose_nb,
            "legal_basis": r.legal_basis_en if en else r.legal_basis_nb,
            "fields": processing.field_labels(r.fields),
            "rule": r.get_rule_display(),
            "country": r.country,
        }
        for r in Recipient.objects.filter(active=True).order_by("name")
    ]


def cookie_groups() -> list[dict]:
    """The cookie declaration grouped by category, in category order."""
    en = english()
    by_category: dict[str, list] = {value: [] for value in CookieCategory.values}
    for cookie in CookieDefinition.objects.all():
        cookie.purpose = cookie.purpose_en if en else cookie.purpose_nb
        cookie.duration = cookie.duration_en if en else cookie.duration_nb
        by_category.setdefault(cookie.category, []).append(cookie)
    return [
        {"value": value, "label": CookieCategory(value).label, "cookies": by_category[value]}
        for value in CookieCategory.values
    ]
