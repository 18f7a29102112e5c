"""The privacy notice, its archive, the cookie declaration, information pages and the
record of processing activities."""

import datetime as dt

import pytest
from django.urls import reverse

from privacy import text
from privacy.models import CookieDefinition, InfoPage, PrivacyNotice, Recipient

pytestmark = pytest.mark.django_db


def test_the_migration_publishes_a_notice_with_both_languages_and_the_cookie_rows():
    notice = PrivacyNotice.objects.get(version=1)
    assert notice.published
    assert "9 nr. 2 bokstav d" in notice.body_nb
    assert "Article 9(2)(d)" in notice.body_en
    names = set(CookieDefinition.objects.values_list("name", flat=True))
    assert {"sessionid", "csrftoken", "medlem_samtykke", "_ga", "_gid", "_gcl_au", "_fbp"} <= names
    assert InfoPage.objects.filter(published=True).count() >= 3


def test_the_notice_is_public_and_shows_live_sections(client):
    response = client.get(reverse("privacy:notice"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Personvernerklæring for medlemmer" in html
    assert "Datatilsynet" in html
    assert "personvern@forbundet.example" in html
    assert "3 år etter at medlemskapet" in html
    assert "_fbp" in html
    # Markers never reach the reader.
    assert "[mottakere]" not in html


def test_the_notice_lists_each_active_recipient_and_what_it_receives(client):
    Recipient.objects.all().delete()
    Recipient.objects.create(
        slug="testforsikring",
        name="Testforsikring AS",
        purpose_nb="Kollektiv forsikring",
        purpose_en="Collective insurance",
        legal_basis_nb="Art. 6 nr. 1 b",
        legal_basis_en="Art. 6(1)(b)",
        role="controller",
        fields=["member_number", "first_name", "postal_code"],
        rule="all_active",
    )
    Recipient.objects.create(
        slug="gammel",
        name="Avsluttet Partner",
        purpose_nb="x",
        purpose_en="x",
        legal_basis_nb="x",
        legal_basis_en="x",
        role="processor",
        fields=[],
        rule="all_active",
        active=False,
    )
    html = client.get(reverse("privacy:notice")).content.decode()
    assert "Testforsikring AS" in html
    assert "Kollektiv forsikring" in html
    assert "medlemsnummer, fornavn, postnummer" in html
    assert "Avsluttet Partner" not in html


def test_the_notice_renders_with_no_recipients(client):
    Recipient.objects.all().delete()
    response = client.get(reverse("privacy:notice"))
    assert response.status_code == 200
    assert "deler for tiden ikke medlemsopplysninger" in response.content.decode()


def test_the_notice_is_shown_in_english_when_english_is_chosen(client):
    client.cookies["django_language"] = "en"
    html = client.get(reverse("privacy:notice"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Privacy notice for members" in html


def test_a_newer_version_replaces_the_current_one_and_the_old_is_archived(client):
    PrivacyNotice.objects.create(
        version=2,
        effective_from=dt.date(2025, 6, 1),
        title_nb="Personvernerklæring versjon to",
        title_en="Privacy notice two",
        body_nb="## Nytt\n\nNy tekst.",
        body_en="## New\n\nNew text.",
        published=True,
    )
    assert "versjon to" in client.get(reverse("privacy:notice")).content.decode()
    archive = client.get(reverse("privacy:notice_archive")).content.decode()
    assert reverse("privacy:notice_version", args=[1]) in archive
    old = client.get(reverse("privacy:notice_version", args=[1]))
    assert old.status_code == 200
    assert "eldre versjon" in old.content.decode()


def test_unpublished_and_future_versions_are_not_shown(client):
    PrivacyNotice.objects.create(
        version=3,
        effective_from=dt.date(2999, 1, 1),
        title_nb="Fremtidig",
        title_en="Future",
        body_nb="x",
        body_en="x",
        published=True,
    )
    PrivacyNotice.objects.create(
        version=4,
        effective_from=dt.date(2020, 1, 1),
        title_nb="Utkast",
        title_en="Draft",
        body_nb="x",
        body_en="x",
        published=False,
    )
    html = client.get(reverse("privacy:notice")).content.decode()
    assert "Fremtidig" not in html and "Utkast" not in html
    assert client.get(reverse("privacy:notice_version", args=[3])).status_code == 404
    assert client.get(reverse("privacy:notice_version", args=[4])).status_code == 404


def test_text_written_by_an_author_is_escaped():
    blocks = text.parse("## <script>x</script>\n\nHei <b>du</b>\n\n- <img src=x>")
    html = "".join(b.html for b in blocks)
    assert "<script>" not in html and "<b>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_live_sections_missing_from_the_text_are_appended_once():
    blocks = text.with_all_sections(text.parse("Tekst\n\n[klage]\n\n[klage]"))
    sections = [b.text for b in blocks if b.kind == "section"]
    assert sorted(sections) == sorted(text.SECTIONS)


def test_the_cookie_page_lists_every_cookie_from_data(client):
    CookieDefinition.objects.create(
        name="ny_kapsel",
        provider="Testleverandør",
        category="statistics",
        purpose_nb="Et formål",
        purpose_en="A purpose",
        duration_nb="1 dag",
        duration_en="1 day",
    )
    html = client.get(reverse("privacy:cookies")).content.decode()
    for name in CookieDefinition.objects.values_list("name", flat=True):
        assert name.replace("<", "&lt;").replace(">", "&gt;") in html
    assert "Testleverandør" in html


def test_information_pages_are_public_and_unpublished_ones_are_not_found(client):
    page = InfoPage.objects.filter(published=True).first()
    assert client.get(reverse("privacy:info", args=[page.slug])).status_code == 200
    InfoPage.objects.create(
        slug="skjult",
        title_nb="Skjult",
        title_en="Hidden",
        body_nb="x",
        body_en="x",
        published=False,
    )
    assert client.get(reverse("privacy:info", args=["skjult"])).status_code == 404


@pytest.mark.parametrize("name", ["member", "club_officer", "branch_officer"])
def test_the_processing_record_is_not_found_for_anyone_but_central_staff(request, client_for, name):
    client = client_for(request.getfixturevalue(name))
    assert client.get(reverse("privacy:processing_record")).status_code == 404


def test_the_processing_record_is_generated_from_the_same_data(client_for, central_staff):
    response = client_for(central_staff).get(reverse("privacy:processing_record"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kontingent og fagforeningsfradrag" in html
    for recipient in Recipient.objects.filter(active=True):
        assert recipient.name.replace("&", "&amp;") in html
    assert "_ga" in html


def test_admin_pages_for_the_privacy_models_open(client_for, admin_user):
    client = client_for(admin_user)
    for model in (
        "privacynotice",
        "cookiedefinition",
        "consentrecord",
        "searchterm",
        "infopage",
        "datasubjectrequest",
        "accesslog",
    ):
        assert client.get(f"/admin/privacy/{model}/").status_code == 200, model
    notice = PrivacyNotice.objects.get(version=1)
    assert client.get(f"/admin/privacy/privacynotice/{notice.pk}/change/").status_code == 200


def test_the_access_log_cannot_be_added_changed_or_deleted_in_admin(rf, admin_user):
    from django.contrib import admin

    from privacy.models import AccessLog

    model_admin = admin.site._registry[AccessLog]
    request = rf.get("/")
    request.user = admin_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.get_actions(request) == {}
