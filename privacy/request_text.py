"""What a member's request carries (its payload), as staff read it: labels from the one
field-label mapping, readable values, never internal keys or Python reprs."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from privacy.processing import field_label, field_labels

PAYLOAD_LABELS = {
    "fields": _("Gjelder"),
    "changes": _("Foreslått rettet"),
    "identity": _("Identitet"),
    "held": _("Opplysninger i registeret"),
    "birth_date": _("Fødselsdato"),
    "email": _("E-post"),
    "phone": _("Telefon"),
    "name": _("Navn"),
}
IDENTITY_LABELS = {
    "bankid": _("bekreftet med BankID"),
    "manual": _("må kontrolleres manuelt"),
}


def _shown(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return gettext("Ja") if value else gettext("Nei")
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v) for v in value) or "–"
    return str(value)


def payload_items(payload) -> list[tuple[str, str]]:
    """Return a request's payload as (label, value) pairs, in a stable order."""
    if not isinstance(payload, dict):
        return []
    items = []
    for key, value in payload.items():
        label = str(PAYLOAD_LABELS[key]) if key in PAYLOAD_LABELS else field_label(key)
        if key == "fields" and isinstance(value, list | tuple):
            shown = ", ".join(field_labels(list(value))) or "–"
        elif key == "changes" and isinstance(value, dict):
            shown = "; ".join(f"{field_label(k)}: {_shown(v)}" for k, v in value.items())
        elif key == "identity":
            shown = str(IDENTITY_LABELS.get(value, _shown(value)))
        elif key == "held" and isinstance(value, bool):
            shown = gettext("Ja") if value else gettext("Ingen")
        else:
            shown = _shown(value)
        items.append((label[:1].upper() + label[1:], shown or "–"))
    return items
