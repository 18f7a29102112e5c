"""Staff read the access log and members' requests in labels, never internal values:
no URL names ("register:member"), no dict keys ("q_kind"), no field names ("['name']")."""

import pytest
from django.urls import reverse

from privacy import services
from privacy.access_log import AccessAction, log_access
from privacy.access_log_text import detail_items, view_label
from privacy.models import RequestChannel, RequestKind
from privacy.request_text import payload_items
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_known_views_have_page_names_and_unknown_ones_are_not_shown_raw():
    assert view_label("register:member") == "Medlemsregister: medlemsside"
    assert view_label("klubb:export_csv") == "Klubbkontoret: eksport (CSV)"
    assert view_label("admin:member_change").startswith("Administrasjon: medlem")
    assert view_label("something:internal") == "Annen side"
    assert view_label("") == "–"


def test_details_are_labelled_with_readable_values():
    items = detail_items(
        {
            "kind": "email",
            "hits": 3,
            "fields": ["national_id", "bank_account"],
            "filter": {"q_kind": "email", "status": "active", "sort": "-joined"},
            "format": "csv",
        }
    )
    text = "; ".join(f"{label}: {value}" for label, value in items)
    assert "Hva: e-post" in text and "Treff: 3" in text
    assert "fødselsnummer" in text and "national_id" not in text
    assert "Søk etter: e-post" in text and "Innmeldt (nyest først)" in text
    assert "q_kind" not in text and "{" not in text and "Format: CSV" in text


def test_the_access_log_page_shows_page_names_and_labelled_details(central_staff, client_for):
    member = MemberFactory()
    log_access(
        user=central_staff,
        action=AccessAction.SEARCH,
        view="register:search",
        detail={"kind": "name", "hits": 2},
    )
    log_access(
        user=central_staff,
        action=AccessAction.VIEW_MEMBER,
        member=member,
        view="register:reveal",
        detail={"fields": ["national_id"]},
    )
    page = client_for(central_staff).get(reverse("register:access_log")).content.decode()
    assert "Medlemsregister: søk" in page and "register:search" not in page
    assert "Hva: navn" in page and "kind:" not in page
    assert "Opplysninger: fødselsnummer" in page and "national_id" not in page


def test_request_payloads_are_shown_with_labels():
    items = dict(payload_items({"fields": ["name", "national_id"], "union_id": None}))
    assert items["Gjelder"] == "navn, fødselsnummer"
    assert items["Forbund"] == "–"
    public = dict(payload_items({"identity": "manual", "held": False}))
    assert public["Identitet"] == "må kontrolleres manuelt"
    assert public["Opplysninger i registeret"] == "Ingen"


def test_the_request_page_shows_labels_not_field_names(central_staff, client_for):
    member = MemberFactory()
    dsr = services.request_create(
        member=member,
        kind=RequestKind.RECTIFICATION,
        channel=RequestChannel.MIN_SIDE,
        details="Navnet er feilstavet",
        payload={"fields": ["name"], "changes": {"street": "Ny gate 2"}},
    )
    page = client_for(central_staff).get(reverse("privacy:request_detail", args=[dsr.pk]))
    text = page.content.decode()
    assert "Gjelder" in text and "navn" in text
    assert "['name']" not in text and ">fields<" not in text
    assert "Adresse: Ny gate 2" in text or "adresse: Ny gate 2" in text
