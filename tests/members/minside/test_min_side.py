"""Min side: profile, e-mail change, communication choices, and who may open what."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from members.minside import services as selfservice
from members.models import Member, PendingEmailChange
from privacy.models import DataSubjectRequest, Disclosure
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

PROFILE = reverse("minside:profile")
PREFERENCES = reverse("minside:preferences")


def profile_data(member, **changes):
    data = {
        "version": selfservice.version_of(member),
        "street": member.street,
        "postal_code": member.postal_code,
        "city": member.city,
        "phone": member.phone,
        "email": member.email,
    }
    data.update(changes)
    return data


def pref_data(member, **changes):
    data = {
        "version": selfservice.version_of(member),
        "allow_email": "on",
        "allow_sms": "on",
        "magazine": "paper",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- Access ---------------------------------------------------------------------------

ALL_PAGES = [
    "minside:index",
    "minside:profile",
    "minside:rectification",
    "minside:preferences",
    "minside:products",
    "minside:payments",
    "minside:my_data",
    "minside:my_data_json",
    "minside:resign",
]


@pytest.mark.parametrize("name", ALL_PAGES)
def test_every_page_opens_for_the_member(client_for, member, name):
    response = client_for(member).get(reverse(name))
    assert response.status_code == 200


@pytest.mark.parametrize("name", ALL_PAGES)
def test_every_page_requires_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", ALL_PAGES[1:])
def test_a_login_without_membership_gets_404_on_member_pages(client_for, name):
    assert client_for(UserFactory()).get(reverse(name)).status_code == 404


def test_the_overview_tells_a_login_without_membership_so(client_for):
    response = client_for(UserFactory()).get(reverse("minside:index"))
    assert response.status_code == 200
    assert "ikke knyttet til et medlemskap" in response.content.decode()


def test_the_overview_shows_the_members_own_data_only(client_for, member):
    other = MemberFactory()
    html = client_for(member).get(reverse("minside:index")).content.decode()
    assert str(member.member.member_number) in html
    assert str(other.member_number) not in html


# --- Profile ---------------------------------------------------------------------------


def test_the_profile_shows_name_and_masked_national_id_read_only(client_for, member):
    m = member.member
    html = client_for(member).get(PROFILE).content.decode()
    assert m.full_name in html
    assert m.national_id_masked in html
    assert m.national_id not in html
    assert 'name="first_name"' not in html
    assert 'name="national_id"' not in html
    assert reverse("minside:rectification") in html


def test_a_profile_change_is_saved_through_the_service_with_history(client_for, member):
    m = member.member
    response = client_for(member).post(
        PROFILE,
        profile_data(m, street="Storgata 1", postal_code="0155", city="Oslo", phone="98765432"),
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.street, m.postal_code, m.city, m.phone) == (
        "Storgata 1",
        "0155",
        "Oslo",
        "+4798765432",
    )
    latest = m.history.first()
    assert latest.history_user == member
    assert latest.history_change_reason == "member_update_profile"


def test_an_address_change_reaches_partners_through_the_outbox(client_for, member):
    m = member.member
    before = Disclosure.objects.filter(member=m).count()
    client_for(member).post(PROFILE, profile_data(m, street="Nygata 2"))
    assert Disclosure.objects.filter(member=m).count() > before


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("postal_code", "12A4", "Postnummeret må ha fire siffer"),
        ("postal_code", "123", "Postnummeret må ha fire siffer"),
        ("phone", "12", "Telefonnummeret er ikke gyldig"),
        ("phone", "abc", "Telefonnummeret er ikke gyldig"),
        ("email", "ikke-en-adresse", "gyldig e-postadresse"),
    ],
)
def test_invalid_input_is_explained_and_nothing_is_saved(client_for, member, field, value, message):
    m = member.member
    before = (m.street, m.postal_code, m.phone, m.email, m.history.count())
    response = client_for(member).post(
        PROFILE, profile_data(m, street="Endret gate 9", **{field: value})
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    m.refresh_from_db()
    assert (m.street, m.postal_code, m.phone, m.email, m.history.count()) == before
    assert not PendingEmailChange.objects.filter(member=m).exists()


def test_a_stale_profile_form_saves_nothing_and_says_why(client_for, member):
    m = member.member
    stale = profile_data(m, street="Fra fane 1")
    # Another tab saves first.
    client = client_for(member)
    client.post(PROFILE, profile_data(m, street="Fra fane 2"))
    response = client.post(PROFILE, stale)
    assert response.status_code == 409
    assert "endret et annet sted" in response.content.decode()
    m.refresh_from_db()
    assert m.street == "Fra fane 2"
    # The form is shown again with the current data.
    assert "Fra fane 2" in response.content.decode()


def test_a_stale_form_with_a_new_email_starts_no_verification(client_for, member):
    m = member.member
    stale = profile_data(m, email="ny@example.org")
    Member.objects.filter(pk=m.pk).update(updated_at=timezone.now() + dt.timedelta(seconds=1))
    response = client_for(member).post(PROFILE, stale)
    assert response.status_code == 409
    assert not PendingEmailChange.objects.filter(member=m).exists()


def test_a_new_email_takes_effect_only_after_the_link_is_confirmed(
    client_for, member, django_capture_on_commit_callbacks
):
    m = member.member
    old = m.email
    client = client_for(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PROFILE, profile_data(m, email="Ny.Adresse@example.org"))
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.email == old
    change = PendingEmailChange.objects.get(member=m)
    assert change.new_email == "ny.adresse@example.org"
    to_new = [msg for msg in mail.outbox if msg.to == ["ny.adresse@example.org"]]
    to_old = [msg for msg in mail.outbox if msg.to == [old]]
    assert len(to_new) == 1 and len(to_old) == 1
    assert "ny.adresse@example.org" not in to_old[0].body
    link = re.search(r"https?://\S+/min-side/e-post/bekreft/\S+/", to_new[0].body).group(0)
    path = link.split("testserver", 1)[1]
    # Opening the link asks to confirm (no change on GET: mail scanners open links).
    assert client.get(path).status_code == 200
    m.refresh_from_db()
    assert m.email == old
    response = client.post(path)
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.email == "ny.adresse@example.org"
    # The link is single use.
    assert client.post(path).status_code == 410


def test_an_expired_email_link_changes_nothing(client_for, member):
    m = member.member
    selfservice.email_change_request(member=m, new_email="sent@example.org")
    token = "x" * 10
    change = PendingEmailChange.objects.get(member=m)
    change.token_hash = selfservice.token_hash(token)
    change.expires_at = timezone.now() - dt.timedelta(minutes=1)
    change.save()
    response = client_for(member).post(reverse("minside:email_confirm", args=[token]))
    assert response.status_code == 410
    assert "utløpt" in response.content.decode()
    m.refresh_from_db()
    assert m.email != "sent@example.org"


def test_an_email_link_for_another_member_does_not_work(client_for, member):
    other = MemberFactory()
    token = "y" * 12
    change = selfservice.email_change_request(member=other, new_email="kapret@example.org")
    change.token_hash = selfservice.token_hash(token)
    change.save()
    response = client_for(member).post(reverse("minside:email_confirm", args=[token]))
    assert response.status_code == 410
    other.refresh_from_db()
    member.member.refresh_from_db()
    assert "kapret@example.org" not in (other.email, member.member.email)


def test_a_rectification_request_goes_to_staff(client_for, member):
    response = client_for(member).post(
        reverse("minside:rectification"),
        {"fields_to_correct": ["name"], "details": "Etternavnet skrives Hansen, ikke Hansén."},
    )
    assert response.status_code == 302
    request = DataSubjectRequest.objects.get(member=member.member)
    assert (request.kind, request.channel) == ("rectification", "min_side")
    assert "Hansen" in request.details


def test_a_rectification_request_without_text_is_refused(client_for, member):
    response = client_for(member).post(
        reverse("minside:rectification"), {"fields_to_correct": ["name"], "details": ""}
    )
    assert response.status_code == 400
    assert not DataSubjectRequest.objects.exists()


# --- Communication choices ------------------------------------------------------------------


def test_preferences_are_saved_with_history(client_for, member):
    m = member.member
    response = client_for(member).post(
        PREFERENCES, pref_data(m, allow_sms=None, newsletter="on", magazine="digital", surveys="on")
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.allow_email, m.allow_sms, m.newsletter, m.magazine, m.surveys) == (
        True,
        False,
        True,
        "digital",
        True,
    )
    assert m.history.first().history_change_reason == "member_set_preferences"


def test_a_newsletter_choice_reaches_the_newsletter_partner(client_for, member):
    m = member.member
    client_for(member).post(PREFERENCES, pref_data(m, newsletter="on"))
    assert Disclosure.objects.filter(member=m, recipient__slug="lomedia").exists()


def test_reserving_against_benefit_marketing_tells_the_benefits_partner(client_for, member):
    m = member.member
    client = client_for(member)
    # A change the benefits partner receives makes it know the member first.
    client.post(PROFILE, profile_data(m, street="Kjent gate 3"))
    assert Disclosure.objects.filter(member=m, recipient__slug="lofavor").exists()
    m.refresh_from_db()
    client.post(PREFERENCES, pref_data(m, benefits_marketing_reserved="on"))
    m.refresh_from_db()
    assert m.benefits_marketing_reserved
    latest = Disclosure.objects.filter(member=m, recipient__slug="lofavor").latest("id")
    assert latest.payload["eligible"] is False


def test_an_unknown_magazine_choice_is_refused(client_for, member):
    m = member.member
    response = client_for(member).post(PREFERENCES, pref_data(m, magazine="video"))
    assert response.status_code == 400
    m.refresh_from_db()
    assert m.magazine == "paper"


def test_a_stale_preferences_form_saves_nothing(client_for, member):
    m = member.member
    stale = pref_data(m, newsletter="on")
    client = client_for(member)
    client.post(PREFERENCES, pref_data(m, surveys="on"))
    response = client.post(PREFERENCES, stale)
    assert response.status_code == 409
    assert "Ingenting er lagret" in response.content.decode()
    m.refresh_from_db()
    assert (m.newsletter, m.surveys) == (False, True)


def test_a_member_user_cannot_reach_another_members_pages_by_anything_in_the_url(
    client_for, member
):
    other = MemberFactory(user=UserFactory())
    html = client_for(member).get(PROFILE + f"?member={other.pk}").content.decode()
    assert other.full_name not in html


def test_a_member_abroad_saves_the_profile_with_that_countrys_postal_code(client_for, member):
    m = member.member
    m.country, m.postal_code, m.city = "SE", "452 30", "Strömstad"
    m.save()
    client = client_for(member)
    html = client.get(PROFILE).content.decode()
    assert 'value="452 30"' in html and "Slik det skrives i Sverige." in html

    response = client.post(PROFILE, profile_data(m, street="Storgatan 4", postal_code="452 31"))

    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.street, m.postal_code, m.city, m.country) == (
        "Storgatan 4",
        "452 31",
        "Strömstad",
        "SE",
    )
    refused = client.post(PROFILE, profile_data(m, postal_code="<452>"))
    assert refused.status_code == 400
    assert "bokstaver, siffer, mellomrom og bindestrek" in refused.content.decode()
