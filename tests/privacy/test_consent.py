"""The cookie choice: the signed cookie, the banner, the consent endpoint with and
without JavaScript, and what third-party code the page may contain."""

import datetime as dt
import json

import pytest
from django.core import signing
from django.urls import reverse

from privacy import consent
from privacy.models import ConsentRecord, PrivacyNotice

pytestmark = pytest.mark.django_db

GTM = "https://www.googletagmanager.com/gtm.js"


def _cookie(**kwargs) -> str:
    values = {
        "consent_id": "0b8c5f5e-7f4e-4a55-9a57-1d9c8b4f6a11",
        "statistics": True,
        "marketing": False,
        "version": 1,
    }
    values.update(kwargs)
    return consent.encode(consent.Consent(**values))


class FakeRequest:
    def __init__(self, value):
        self.COOKIES = {consent.COOKIE_NAME: value} if value is not None else {}


def test_a_valid_cookie_for_the_current_version_is_read():
    read = consent.read_consent(FakeRequest(_cookie()))
    assert read is not None
    assert read.statistics is True and read.marketing is False


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "garbage",
        "a:b:c",
        signing.dumps({"id": "x", "s": True, "m": True, "v": 1}, salt="another.salt"),
        signing.dumps(["not", "a", "dict"], salt="privacy.consent", compress=True),
        signing.dumps({"s": True, "m": True, "v": 1}, salt="privacy.consent", compress=True),
        signing.dumps({"id": "x", "s": True, "m": True, "v": "one"}, salt="privacy.consent"),
    ],
)
def test_missing_malformed_or_foreign_cookies_count_as_no_consent(value):
    assert consent.read_consent(FakeRequest(value)) is None


def test_a_tampered_cookie_counts_as_no_consent():
    value = _cookie(statistics=False, marketing=False)
    payload, rest = value.split(":", 1)
    tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + ":" + rest
    assert consent.read_consent(FakeRequest(tampered)) is None


def test_only_a_literal_true_grants_a_category():
    value = signing.dumps(
        {"id": "x", "s": "yes", "m": 1, "v": 1}, salt="privacy.consent", compress=True
    )
    read = consent.read_consent(FakeRequest(value))
    assert read is not None
    assert read.statistics is False and read.marketing is False


def test_a_choice_made_under_an_older_notice_version_asks_again():
    value = _cookie(version=1)
    PrivacyNotice.objects.create(
        version=2,
        effective_from=dt.date(2025, 2, 1),
        title_nb="v2",
        title_en="v2",
        body_nb="x",
        body_en="x",
        published=True,
    )
    assert consent.read_consent(FakeRequest(value)) is None


def test_the_banner_is_shown_until_a_choice_is_made(client):
    html = client.get(reverse("home")).content.decode()
    assert "data-consent-banner" in html
    assert "Godta alle" in html and "Avvis alle" in html and "Tilpass" in html
    client.cookies[consent.COOKIE_NAME] = _cookie()
    assert "data-consent-banner" not in client.get(reverse("home")).content.decode()


def test_nothing_is_pre_ticked_in_the_banner(client):
    html = client.get(reverse("home")).content.decode()
    banner = html[html.index("data-consent-banner") :]
    for name in ("banner-statistics", "banner-marketing"):
        tag = banner[banner.rindex("<input", 0, banner.index(f'id="{name}"')) :]
        tag = tag[: tag.index(">")]
        assert "checked" not in tag


def test_the_banner_buttons_are_equally_prominent(client):
    html = client.get(reverse("home")).content.decode()
    buttons = html[html.index('class="consent-buttons"') :]
    buttons = buttons[: buttons.index("</div>")]
    tags = [chunk.split(">")[0] for chunk in buttons.split("<button")[1:]]
    assert len(tags) == 3
    assert all("class=" not in tag for tag in tags)  # same styling for all three


def test_accepting_without_javascript_records_the_choice_and_redirects_back(client):
    response = client.post(
        reverse("privacy:consent"), {"choice": "all", "next": "/personvern/?a=1"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/personvern/?a=1"
    record = ConsentRecord.objects.get()
    assert record.statistics and record.marketing and record.notice_version == 1
    cookie = response.cookies[consent.COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    read = consent.decode(cookie.value)
    assert read.consent_id == str(record.consent_id)


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""]
)
def test_the_redirect_never_leaves_the_site(client, next_url):
    response = client.post(reverse("privacy:consent"), {"choice": "none", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_rejecting_records_a_choice_with_nothing_granted(client):
    client.post(reverse("privacy:consent"), {"choice": "none"})
    record = ConsentRecord.objects.get()
    assert not record.statistics and not record.marketing


def test_the_custom_choice_counts_only_the_ticked_boxes(client):
    client.post(reverse("privacy:consent"), {"choice": "custom", "statistics": "on"})
    record = ConsentRecord.objects.get()
    assert record.statistics and not record.marketing


def test_customize_without_javascript_opens_the_settings_page(client):
    response = client.post(reverse("privacy:consent"), {"choice": "customize", "next": "/sok/"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("privacy:cookies"))
    assert ConsentRecord.objects.count() == 0


def test_the_script_route_returns_json_and_sets_the_cookie(client):
    response = client.post(
        reverse("privacy:consent"), {"choice": "all"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["statistics"] is True and data["marketing"] is True and data["reload"] is False
    assert consent.COOKIE_NAME in response.cookies


def test_withdrawing_keeps_the_consent_id_asks_for_a_reload_and_expires_tag_cookies(client):
    client.post(reverse("privacy:consent"), {"choice": "all"})
    client.cookies["_ga"] = "GA1.1.123"
    client.cookies["_ga_ABC"] = "GS1.1"
    response = client.post(
        reverse("privacy:consent"), {"choice": "none"}, HTTP_ACCEPT="application/json"
    )
    assert json.loads(response.content)["reload"] is True
    first, second = ConsentRecord.objects.order_by("created_at", "id")
    assert first.consent_id == second.consent_id
    assert not second.statistics
    assert response.cookies["_ga"]["max-age"] == 0
    assert response.cookies["_ga_ABC"]["max-age"] == 0


def test_a_consent_record_holds_no_ip_address_or_user_agent():
    names = {f.name for f in ConsentRecord._meta.get_fields()}
    assert not {n for n in names if "ip" in n.split("_") or "agent" in n}


def test_the_consent_endpoint_needs_a_csrf_token():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(reverse("privacy:consent"), {"choice": "all"})
    assert response.status_code == 403


def test_without_gtm_id_there_is_no_tag_manager_even_after_consent(client, settings):
    settings.GTM_ID = ""
    client.cookies[consent.COOKIE_NAME] = _cookie(statistics=True, marketing=True)
    html = client.get(reverse("home")).content.decode()
    assert "googletagmanager" not in html
    assert "consent-mode.js" not in html


def test_before_consent_only_the_consent_mode_defaults_are_in_the_page(client, settings):
    settings.GTM_ID = "GTM-TEST123"
    html = client.get(reverse("home")).content.decode()
    assert "consent-mode.js" in html
    assert "googletagmanager" not in html
    for host in ("facebook.net", "facebook.com", "google-analytics.com", "doubleclick.net"):
        assert host not in html


def test_the_defaults_load_before_the_tag_manager_once_granted(client, settings):
    settings.GTM_ID = "GTM-TEST123"
    client.cookies[consent.COOKIE_NAME] = _cookie(statistics=True, marketing=False)
    html = client.get(reverse("home")).content.decode()
    assert GTM in html
    assert html.index("consent-mode.js") < html.index(GTM)
    assert 'data-statistics="granted"' in html and 'data-marketing="denied"' in html


def test_rejected_consent_keeps_the_tag_manager_out(client, settings):
    settings.GTM_ID = "GTM-TEST123"
    client.cookies[consent.COOKIE_NAME] = _cookie(statistics=False, marketing=False)
    assert "googletagmanager" not in client.get(reverse("home")).content.decode()


def test_no_page_has_inline_script(client, settings):
    settings.GTM_ID = "GTM-TEST123"
    client.cookies[consent.COOKIE_NAME] = _cookie(statistics=True, marketing=True)
    for url in ("/", "/personvern/", "/personvern/informasjonskapsler/", "/sok/?q=kontingent"):
        html = client.get(url).content.decode()
        for chunk in html.split("<script")[1:]:
            tag, _, rest = chunk.partition(">")
            assert "src=" in tag, url
            assert rest.startswith("</script>"), url
        assert " onclick=" not in html and ' style="' not in html


def test_the_cookie_settings_page_shows_the_current_choice_ticked(client):
    client.cookies[consent.COOKIE_NAME] = _cookie(statistics=True, marketing=False)
    html = client.get(reverse("privacy:cookies")).content.decode()
    stats = html[
        html.index('id="settings-statistics"') - 80 : html.index('id="settings-statistics"') + 120
    ]
    marketing_at = html.index('id="settings-marketing"')
    marketing = html[marketing_at - 80 : marketing_at + 120]
    assert "checked" in stats
    assert "checked" not in marketing
    assert "data-consent-banner" not in html
