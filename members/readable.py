"""Values of a member's history as people read them: labels instead of field names,
choice labels instead of stored values, «Ja»/«Nei» instead of True/False, dates as
dd.mm.yyyy and reasons instead of the names of the services that wrote them. Used by
Min side's history, the staff member page and the access report."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.templatetags.people import phone

CHANGE_REASONS = {
    "member_create": _("Innmelding"),
    "member_update_profile": _("Endring av opplysninger"),
    "member_set_preferences": _("Endring av kommunikasjonsvalg"),
    "member_change_type": _("Endret medlemskapstype"),
    "member_transfer": _("Flyttet avdeling/klubb"),
    "member_rejoin": _("Innmeldt på nytt"),
}


def reason_text(reason: str | None) -> str:
    """Return a history row's change reason for people ("" when there is none)."""
    if not reason:
        return ""
    if reason in CHANGE_REASONS:
        return str(CHANGE_REASONS[reason])
    if reason.startswith("member_resign"):
        return gettext("Utmelding")
    # Internal names (service functions, admin actions) are never shown.
    return gettext("Endring")


def value_text(model, name: str, value) -> str:
    """Return one stored value of field `name` of `model` as people read it."""
    field = model._meta.get_field(name)
    if value in (None, ""):
        return "–"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("Ja") if value else gettext("Nei")
    if isinstance(value, dt.datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if field.is_relation:
        return gettext("endret")
    if name == "phone":
        # Stored as E.164; people read "47 10 81 36", as on every other page.
        return phone(str(value))
    return str(value)
