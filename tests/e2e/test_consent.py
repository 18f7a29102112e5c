"""The cookie banner in a real browser. Every network request is recorded: nothing goes
to Google or Facebook before consent or after "Avvis alle"; after "Godta alle" the tag
manager is requested (and answered by a local stub, so nothing leaves the machine)."""

import copy
import re

import pytest

from privacy.models import ConsentRecord

pytestmark = pytest.mark.django_db(transaction=True)

GTM_ID = "GTM-TEST123"
THIRD_PARTY = re.compile(r"google|facebook|doubleclick|fbcdn|gstatic", re.IGNORECASE)


@pytest.fixture
def with_gtm(settings):
    """GTM_ID set, with the policy settings.py would build for it."""
    settings.GTM_ID = GTM_ID
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    google = ["https://www.googletagmanager.com", "https://www.google-analytics.com"]
    for directive in ("script-src", "img-src", "connect-src"):
        policy["DIRECTIVES"][directive] = [*policy["DIRECTIVES"][directive], *google]
    settings.CONTENT_SECURITY_POLICY = policy
    return settings


@pytest.fixture
def recorded(page):
    """Record every request the page makes; answer Google/Facebook with stubs."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.route(
        THIRD_PARTY,
        lambda route: route.fulfill(
            status=200, content_type="application/javascript", body="/* stub */"
        ),
    )
    return requests


def third_party(requests):
    return [url for url in requests if THIRD_PARTY.search(url.split("?")[0].split("/")[2])]


def banner(page):
    return page.get_by_role("complementary", name="Informasjonskapsler")


def test_nothing_third_party_loads_before_consent_and_the_banner_passes_axe(
    with_gtm, page, recorded, axe_check
):
    page.goto("/")
    page.wait_for_load_state("networkidle")
    assert banner(page).is_visible()
    for name in ("Godta alle", "Avvis alle", "Tilpass"):
        assert page.get_by_role("button", name=name, exact=True).is_visible()
    axe_check(page)
    page.get_by_role("button", name="Tilpass").click()
    assert page.get_by_label("Statistikk (Google Analytics)").is_visible()
    assert not page.get_by_label("Statistikk (Google Analytics)").is_checked()
    assert not page.get_by_label("Markedsføring (Google Ads, Facebook)").is_checked()
    axe_check(page)
    assert third_party(recorded) == []


def test_after_rejecting_nothing_third_party_loads_and_the_page_is_not_reloaded(
    with_gtm, page, recorded
):
    page.goto("/")
    page.evaluate("() => { window.__sameDocument = true; }")
    page.get_by_role("button", name="Avvis alle").click()
    banner(page).wait_for(state="hidden")
    assert page.evaluate("() => window.__sameDocument === true")
    record = ConsentRecord.objects.get()
    assert not record.statistics and not record.marketing
    for url in ("/", "/personvern/", "/sok/?q=kontingent"):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert banner(page).count() == 0
    assert third_party(recorded) == []


def test_after_accepting_the_tag_manager_is_requested_without_a_reload(with_gtm, page, recorded):
    page.goto("/")
    page.wait_for_load_state("networkidle")
    assert third_party(recorded) == []
    page.evaluate("() => { window.__sameDocument = true; }")
    with page.expect_request(re.compile(r"https://www\.googletagmanager\.com/gtm\.js")) as req:
        page.get_by_role("button", name="Godta alle").click()
    assert f"id={GTM_ID}" in req.value.url
    banner(page).wait_for(state="hidden")
    assert page.evaluate("() => window.__sameDocument === true")
    consent_updates = page.evaluate(
        """() => window.dataLayer.filter(e => e[0] === 'consent').map(e => [e[1], e[2]])"""
    )
    assert consent_updates[0][0] == "default"
    assert set(consent_updates[0][1].values()) >= {"denied"}
    assert consent_updates[-1] == [
        "update",
        {
            "analytics_storage": "granted",
            "ad_storage": "granted",
            "ad_user_data": "granted",
            "ad_personalization": "granted",
        },
    ]
    # The next page has the tag manager from the server, after the defaults.
    recorded.clear()
    page.goto("/personvern/")
    page.wait_for_load_state("networkidle")
    assert any("www.googletagmanager.com/gtm.js" in url for url in recorded)


def test_withdrawing_in_the_settings_is_as_easy_and_stops_the_tag_manager(with_gtm, page, recorded):
    page.goto("/")
    page.get_by_role("button", name="Godta alle").click()
    banner(page).wait_for(state="hidden")
    page.get_by_role("link", name="Innstillinger for informasjonskapsler").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_label("Statistikk", exact=True).is_checked()
    with page.expect_navigation():
        page.get_by_role("button", name="Avvis alle").click()
    page.wait_for_load_state("networkidle")
    recorded.clear()
    page.goto("/")
    page.wait_for_load_state("networkidle")
    assert third_party(recorded) == []
    assert not page.get_by_label("Statistikk", exact=True).count()  # no banner either
    assert ConsentRecord.objects.latest("created_at").statistics is False


def test_the_banner_works_without_javascript(with_gtm, browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto("/personvern/")
        page.get_by_role("button", name="Avvis alle").click()
        page.wait_for_url(re.compile(r"/personvern/$"))
        assert page.get_by_text("Valget ditt om informasjonskapsler er lagret.").is_visible()
        assert banner(page).count() == 0
        page.get_by_role("link", name="Innstillinger for informasjonskapsler").click()
        page.get_by_label("Statistikk", exact=True).check()
        page.get_by_role("button", name="Lagre valgene").click()
        page.wait_for_load_state()
        record = ConsentRecord.objects.latest("created_at")
        assert record.statistics and not record.marketing
        assert third_party(requests) == []  # no JavaScript: the tag manager never runs
    finally:
        context.close()


@pytest.mark.parametrize(
    "url", ["/personvern/", "/personvern/informasjonskapsler/", "/sok/?q=slette", "/info/"]
)
def test_the_public_privacy_pages_pass_axe(page, axe_check, url):
    page.goto(url)
    axe_check(page)


def test_the_staff_request_pages_pass_axe(page, login_as, central_staff, axe_check):
    from privacy import services
    from tests.factories import MemberFactory

    dsr = services.request_create(
        member=MemberFactory(),
        kind="rectification",
        channel="email",
        payload={"changes": {"city": "Bergen"}},
    )
    login_as(page, central_staff)
    for url in (
        "/personvern/henvendelser/",
        f"/personvern/henvendelser/{dsr.pk}/",
        "/personvern/henvendelser/ny/",
        "/personvern/behandlingsprotokoll/",
    ):
        page.goto(url)
        assert page.get_by_role("heading", level=1).is_visible()
        axe_check(page)
