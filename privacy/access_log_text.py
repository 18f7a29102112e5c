"""The access log as people read it: the page a row was written by (not its URL name)
and its details as labelled values (not a dict of internal keys). Rows keep their
internal keys in the database; they are translated here, when shown."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.choices import MembershipType, MemberStatus
from privacy.processing import field_labels

# URL names that write access-log rows -> the page as staff know it.
VIEW_LABELS = {
    "register:search": _("Medlemsregister: søk"),
    "register:member": _("Medlemsregister: medlemsside"),
    "register:reveal": _("Medlemsregister: vis fødselsnummer og kontonummer"),
    "register:edit": _("Medlemsregister: endre medlem"),
    "register:action": _("Medlemsregister: medlemskapshandling"),
    "klubb:card": _("Klubbkontoret: medlemskort"),
    "klubb:roster": _("Klubbkontoret: medlemsliste"),
    "klubb:export_csv": _("Klubbkontoret: eksport (CSV)"),
    "klubb:export_pdf": _("Klubbkontoret: eksport (PDF)"),
    "joining:application": _("Innmeldinger: søknad"),
    "joining:accept": _("Innmeldinger: godkjenning"),
    "dues:member": _("Kontingent: medlemmets kontingent"),
    "dues:deviation": _("Kontingent: avvik"),
    "dues:lists": _("Kontingent: trekklister"),
    "dues:lists_send": _("Kontingent: trekklister sendt på e-post"),
    "dues:invoice_print": _("Kontingent: utskrift av fakturaer"),
    "dues:tax_file": _("Kontingent: skatteoppgave"),
    "messaging:preview": _("Meldinger: forhåndsvisning"),
    "messaging:letters": _("Meldinger: brev"),
    "privacy:request_detail": _("Personvern: forespørsel"),
    "privacy:request_access_report": _("Personvern: innsynsrapport"),
}

ADMIN_PAGES = {
    "change": _("vis eller endre"),
    "history": _("historikk"),
    "delete": _("slett"),
}

DETAIL_LABELS = {
    "kind": _("Hva"),
    "q_kind": _("Søk etter"),
    "hits": _("Treff"),
    "fields": _("Opplysninger"),
    "action": _("Handling"),
    "message": _("Melding nr."),
    "letters": _("Brev"),
    "rows": _("Rader"),
    "employer": _("Arbeidsgiver nr."),
    "period": _("Periode"),
    "run": _("Kjøring nr."),
    "year": _("År"),
    "request": _("Forespørsel nr."),
    "export": _("Eksport nr."),
    "format": _("Format"),
    "filter": _("Utvalg"),
    "status": _("Status"),
    "membership_type": _("Medlemskapstype"),
    "club": _("Klubb nr."),
    "has_position": _("Tillitsverv"),
    "sort": _("Sorter etter"),
}

VALUE_LABELS = {
    # What a search was for (members.validators.query_kind).
    "national_id": _("fødselsnummer"),
    "member_number_or_phone": _("medlemsnummer eller telefon"),
    "phone": _("telefonnummer"),
    "email": _("e-post"),
    "name": _("navn"),
    # Kinds of exports.
    "invoices_print": _("utskrift av fakturaer"),
    "deduction_list": _("trekkliste"),
    "deduction_list_email": _("trekkliste på e-post"),
    "tax_report": _("skatteoppgave"),
    # Actions.
    "update_profile": _("endret opplysninger"),
    "accept_application": _("godkjent innmelding"),
    "meld-ut": _("utmelding"),
    "flytt": _("flytting"),
    "stryk": _("strøket for manglende betaling"),
    "dodsfall": _("dødsfall"),
    "gjeninnmeld": _("innmeldt på nytt"),
    # Roster filters.
    "yes": _("Har verv"),
    "no": _("Uten verv"),
    "-name": _("Navn (Å–A)"),
    "number": _("Medlemsnummer (stigende)"),
    "-number": _("Medlemsnummer (synkende)"),
    "birth": _("Fødselsdato (eldst først)"),
    "-birth": _("Fødselsdato (yngst først)"),
    "joined": _("Innmeldt (eldst først)"),
    "-joined": _("Innmeldt (nyest først)"),
    "-status": _("Status (Å–A)"),
}
# Values that mean something else under these keys.
KEYED_VALUES = {
    ("sort", "name"): _("Navn (A–Å)"),
    ("sort", "status"): _("Status (A–Å)"),
    ("status", None): dict(MemberStatus.choices),
    ("membership_type", None): dict(MembershipType.choices),
}


def view_label(view: str) -> str:
    """Return the page that wrote a log row, as people know it; "–" for none."""
    if not view:
        return "–"
    if view in VIEW_LABELS:
        return str(VIEW_LABELS[view])
    if view.startswith("admin:"):
        return _admin_label(view.removeprefix("admin:"))
    return gettext("Annen side")


def _admin_label(rest: str) -> str:
    from django.apps import apps

    model_name, _sep, page = rest.rpartition("_")
    name = model_name
    for model in apps.get_models():
        if model._meta.model_name == model_name:
            name = str(model._meta.verbose_name)
            break
    page_label = ADMIN_PAGES.get(page)
    shown = f"{name} ({page_label})" if page_label else name
    return gettext("Administrasjon: %(page)s") % {"page": shown}


def _value(key: str, value) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{label}: {shown}" for label, shown in detail_items(value))
    if key == "fields" and isinstance(value, list | tuple):
        return ", ".join(field_labels(list(value)))
    if isinstance(value, list | tuple):
        return ", ".join(_value(key, v) for v in value)
    if isinstance(value, bool):
        return gettext("Ja") if value else gettext("Nei")
    if value in (None, ""):
        return "–"
    if (key, None) in KEYED_VALUES:
        return str(KEYED_VALUES[(key, None)].get(value, value))
    if (key, value) in KEYED_VALUES:
        return str(KEYED_VALUES[(key, value)])
    if key == "format":
        return str(value).upper()
    if isinstance(value, str) and value in VALUE_LABELS:
        return str(VALUE_LABELS[value])
    return str(value)


def detail_items(detail: dict | None) -> list[tuple[str, str]]:
    """Return a row's details as (label, value) pairs people read. An unknown key is
    named neutrally, never by its internal name."""
    items = []
    for key, value in (detail or {}).items():
        label = DETAIL_LABELS.get(key)
        items.append((str(label) if label else gettext("Annet"), _value(key, value)))
    return items
