"""Countries read as names in the reader's language wherever a person reads them; the
register stores the ISO 3166 code."""

import re

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


def test_staff_choose_the_country_by_name_nordic_countries_first(central_staff, client_for):
    from tests.members.register.test_register_lookups import _edit_data

    member = MemberFactory(country="NO")
    client = client_for(central_staff)
    url = reverse("register:edit", args=[member.pk])
    html = client.get(url).content.decode()
    select = html[
        html.index('<select name="country"') : html.index("</select>", html.index('name="country"'))
    ]
    options = re.findall(r'<option value="([A-Z]{2})"( selected)?>([^<]+)</option>', select)
    assert [(code, name) for code, _sel, name in options[:3]] == [
        ("NO", "Norge"),
        ("SE", "Sverige"),
        ("DK", "Danmark"),
    ]
    assert options[0][1] == " selected" and len(options) == 249

    data = {**_edit_data(client, member), "country": "SE", "postal_code": "45230"}
    assert client.post(url, data).status_code == 302
    member.refresh_from_db()
    assert member.country == "SE"
    refused = client.post(url, {**data, "country": "XX"})
    assert refused.status_code == 200 and "Velg et gyldig valg" in refused.content.decode()


def test_a_member_abroad_keeps_that_countrys_postal_code_and_norway_still_has_four_digits():
    from django.core.exceptions import ValidationError

    abroad = MemberFactory(country="SE", postal_code="452 30", city="Strömstad")
    abroad.full_clean(exclude=["member_number"])
    abroad.country = "NO"
    with pytest.raises(ValidationError) as refused:
        abroad.full_clean(exclude=["member_number"])
    assert refused.value.message_dict["postal_code"] == ["Postnummeret må ha fire siffer."]
    abroad.postal_code = "<script>"
    abroad.country = "SE"
    with pytest.raises(ValidationError):
        abroad.full_clean(exclude=["member_number"])


def test_a_recipients_country_is_free_text_and_shows_as_written(client):
    html = client.get(reverse("privacy:notice")).content.decode()

    assert "(USA)" in html
    assert "Amerikas forente stater" not in html
