"""Countries read as names in the reader's language wherever a person reads them; the
register stores the ISO 3166 code."""

import pytest
from django.urls import reverse
from django.utils import translation

from members.templatetags.people import country_name
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "code", "name"),
    [("nb", "SE", "Sverige"), ("en", "SE", "Sweden"), ("nb", "DK", "Danmark"), ("nb", "", "")],
)
def test_a_country_code_reads_as_its_name(language, code, name):
    with translation.override(language):
        assert country_name(code) == name


def test_an_unknown_code_is_shown_as_it_is():
    assert country_name("XX") == "XX"


def test_the_officers_card_names_the_country_of_a_member_abroad(client_for, club_officer, club):
    abroad = MemberFactory(club=club, country="SE", city="Strömstad", postal_code="45230")

    html = client_for(club_officer).get(reverse("klubb:card", args=[abroad.pk])).content.decode()

    assert "<br>Sverige</dd>" in html


def test_the_staff_member_page_names_the_country(client_for, central_staff, club):
    abroad = MemberFactory(club=club, country="DK", city="København", postal_code="1050")

    html = client_for(central_staff).get(reverse("register:member", args=[abroad.pk])).content
    assert "(Danmark)" in html.decode()
    assert "(DK)" not in html.decode()
