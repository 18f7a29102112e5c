"""Every validation of the join form, with its Norwegian message."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from members.validators import validate_postal_code
from tests.factories import EmployerFactory, national_id_for, org_number
from tests.members.joining.conftest import adult_id, id_2032

pytestmark = pytest.mark.django_db


def post(client, data):
    return client.post(reverse("joining:join"), data)


def test_the_join_form_is_public_and_renders(client):
    response = client.get(reverse("joining:join"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Fødselsnummer eller D-nummer" in html
    assert 'hx-get="/bli-medlem/poststed/"' in html


def test_a_valid_application_is_accepted_for_verification(client, form_data):
    response = post(client, form_data)
    assert response.status_code == 302
    assert response.url == reverse("joining:sent")


@pytest.mark.parametrize(
    "change,field,message",
    [
        ({"first_name": ""}, "first_name", "Feltet er påkrevet"),
        ({"national_id": "1234"}, "national_id", "Fødselsnummer og D-nummer har 11 siffer."),
        ({"national_id": "17059012346"}, "national_id", "Kontrollsifrene stemmer ikke"),
        ({"postal_code": "50A3"}, "postal_code", "Postnummeret må ha fire siffer."),
        ({"postal_code": "0000"}, "postal_code", "Postnummeret finnes ikke."),
        ({"postal_code": "0002"}, "postal_code", "Postnummeret finnes ikke."),
        ({"postal_code": "0150"}, "postal_code", "Postnummer 0150 hører til Oslo"),
        ({"phone": "12"}, "phone", "Telefonnummeret er ikke gyldig."),
        ({"email": "ikke-epost"}, "email", "Oppgi en gyldig e-postadresse"),
        ({"accept_terms": ""}, "accept_terms", "Du må godta vilkårene"),
        ({"membership_type": "student"}, "school", "Skriv hvor du studerer."),
        ({"employer": "", "payment_method": "invoice"}, "employer_query", "Velg arbeidsgiveren"),
        (
            {"employer": "", "membership_type": "pensioner"},
            "payment_method",
            "Trekk i lønn krever en arbeidsgiver",
        ),
        (
            {"employer": "", "new_employer_name": "Ny AS", "new_employer_org_number": "123456789"},
            "new_employer_org_number",
            "Organisasjonsnummeret er ikke gyldig.",
        ),
        (
            {"employer": "", "new_employer_name": "Ny AS"},
            "new_employer_org_number",
            "Skriv både navnet og organisasjonsnummeret",
        ),
        ({"joined_lo_on": "2010-01-01"}, "joined_lo_on", "LO-dato gjelder bare"),
    ],
)
def test_each_error_has_a_norwegian_message(client, form_data, change, field, message):
    with translation.override("nb"):
        response = post(client, {**form_data, **change})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any(message in e for e in errors[field]), errors[field]


def test_someone_under_15_cannot_join(client, form_data):
    today = timezone.localdate()
    young = national_id_for(dt.date(today.year - 14, 1, 1), __import__("random").Random(3))
    response = post(client, {**form_data, "national_id": young})
    assert "Du må være minst 15 år" in response.content.decode()


def test_fifteen_today_is_old_enough(client, form_data):
    import random

    today = timezone.localdate()
    born = today.replace(year=today.year - 15) if (today.month, today.day) != (2, 29) else None
    if born is None:
        born = dt.date(today.year - 15, 2, 28)
    fifteen = national_id_for(born, random.Random(4))
    day_short = national_id_for(born + dt.timedelta(days=1), random.Random(4))
    assert post(client, {**form_data, "national_id": fifteen}).status_code == 302
    response = post(client, {**form_data, "national_id": day_short, "email": "b@example.org"})
    assert response.status_code == 400
    assert "Du må være minst 15 år" in str(response.context["form"].errors["national_id"])


def test_an_lo_join_date_in_the_future_is_refused(client, form_data):
    from members.models import Union

    union = Union.objects.create(name="Fellesforbundet", in_lo=True)
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = post(client, {**form_data, "previous_union": union.pk, "joined_lo_on": future})
    assert response.status_code == 400
    assert "Datoen kan ikke være fram i tid." in response.context["form"].errors["joined_lo_on"]


def test_the_form_and_its_messages_are_in_english_too(client, form_data):
    client.cookies["django_language"] = "en"
    page = client.get(reverse("joining:join"), headers={"accept-language": "en"})
    html = page.content.decode()
    assert "National identity number or D number (11 digits)" in html
    assert "Fødselsnummer eller D-nummer" not in html
    today = timezone.localdate()
    young = national_id_for(dt.date(today.year - 14, 1, 1), __import__("random").Random(3))
    response = post(client, {**form_data, "national_id": young, "accept_terms": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "You must be at least 15 years old to become a member." in html
    assert "You must accept the terms to join." in html
    assert "Du må" not in html


def test_d_numbers_and_the_2032_scheme_are_accepted(client, form_data):
    d_number = national_id_for(dt.date(1985, 3, 4), __import__("random").Random(5), d_number=True)
    assert post(client, {**form_data, "national_id": d_number}).status_code == 302
    new_scheme = id_2032(dt.date(1992, 8, 9))
    response = post(client, {**form_data, "national_id": new_scheme, "email": "ny@example.org"})
    assert response.status_code == 302


def test_a_known_employer_is_found_by_org_number_and_a_new_one_is_kept(client, form_data):
    from members.joining.models import JoinApplication

    employer = EmployerFactory(name="Aker Solutions")
    post(client, {**form_data, "employer": "", "employer_query": employer.org_number})
    assert JoinApplication.objects.get().employer == employer
    number = org_number(__import__("random").Random(77))
    post(
        client,
        {
            **form_data,
            "national_id": adult_id(1980, 9),
            "employer": "",
            "new_employer_name": "Nytt Verksted AS",
            "new_employer_org_number": number,
        },
    )
    latest = JoinApplication.objects.order_by("-pk").first()
    assert latest.employer is None and latest.new_employer_org_number == number


def test_validate_postal_code_keeps_its_signature_and_checks_the_city():
    validate_postal_code("5003")
    validate_postal_code("5003", city="bergen")
    validate_postal_code("3800", city="Bø i Telemark")
    with pytest.raises(ValidationError):
        validate_postal_code("0000")
    with pytest.raises(ValidationError) as error:
        validate_postal_code("5003", city="Oslo")
    assert error.value.code == "wrong_city"


def test_the_postal_lookup_fills_the_city(client):
    response = client.get(reverse("joining:postal_lookup"), {"postal_code": "3800"})
    assert response.status_code == 200
    assert 'value="Bø i Telemark"' in response.content.decode()
    unknown = client.get(reverse("joining:postal_lookup"), {"postal_code": "0002", "city": "X"})
    assert "Vi finner ikke dette postnummeret" in unknown.content.decode()


def test_the_employer_search_lists_matches(client):
    EmployerFactory(name="Equinor ASA")
    response = client.get(reverse("joining:employer_search"), {"employer_query": "equi"})
    assert "Equinor ASA" in response.content.decode()


def test_the_honeypot_gets_the_same_answer_and_stores_nothing(client, form_data):
    from members.joining.models import JoinApplication

    response = post(client, {**form_data, "nettsted": "http://spam.example"})
    assert response.status_code == 302 and response.url == reverse("joining:sent")
    assert not JoinApplication.objects.exists()


def test_too_many_applications_from_one_address_are_refused(client, form_data, settings):
    settings.JOIN_RATE_LIMIT = 2
    for _ in range(2):
        post(client, {**form_data, "national_id": "1"})
    response = post(client, form_data)
    assert response.status_code == 429
    assert "For mange forsøk" in response.content.decode()
