"""Name search folds case for every Norwegian letter on SQLite and PostgreSQL (the same
tests run on both: `DATABASE_URL` picks the database), finds "Hansen, Reidun" as it is
shown, and says what is wrong with a query instead of listing everyone."""

import pytest
from django.urls import reverse

from members.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(club):
    return {
        "oyvind": MemberFactory(first_name="Øyvind", last_name="Rønning", club=club),
        "aase": MemberFactory(first_name="Åse", last_name="Ærlig", club=club),
        "reidun": MemberFactory(first_name="Reidun", last_name="Hansen", club=club),
        "other": MemberFactory(first_name="Ola", last_name="Nordmann", club=club),
    }


@pytest.mark.parametrize(
    "query, who",
    [
        ("øyvind", "oyvind"),
        ("ØYVIND", "oyvind"),
        ("RØNNING", "oyvind"),
        ("rønning øyv", "oyvind"),
        ("åse", "aase"),
        ("ÆRLIG", "aase"),
        ("ærl", "aase"),
        ("Hansen, Reidun", "reidun"),
        ("hansen,reidun", "reidun"),
        ("Reidun Hansen", "reidun"),
    ],
)
def test_name_search_folds_norwegian_letters(people, query, who):
    found = list(Member.objects.search(query))
    assert found == [people[who]]


def test_a_search_matches_names_by_their_start_only(people):
    assert list(Member.objects.search("nning")) == []


def test_a_too_long_roster_query_lists_nobody(people, club_officer, client_for):
    response = client_for(club_officer).get(reverse("klubb:roster"), {"q": "x" * 500})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nordmann" not in body and "Rønning" not in body
    assert "Last ned som CSV" not in body


def test_the_export_buttons_are_hidden_when_nothing_is_found(people, club_officer, client_for):
    client = client_for(club_officer)
    assert (
        "Last ned som CSV" not in client.get(reverse("klubb:roster"), {"q": "zzz"}).content.decode()
    )
    assert "Last ned som CSV" in client.get(reverse("klubb:roster")).content.decode()


def test_an_invalid_national_id_is_called_invalid(central_staff, client_for):
    response = client_for(central_staff).post(reverse("register:search"), {"q": "12345678901"})
    body = response.content.decode()
    assert "Ugyldig fødselsnummer" in body
    assert "Ingen medlemmer har dette fødselsnummeret" not in body
    assert "12345678901" not in body
