"""BankID in a real browser, against the real OpenID Connect provider on 127.0.0.1 that
plays the broker: a member's first login lands on Min side, a non-member lands on the
join form filled in from BankID, an officer reaches Klubbkontoret without being asked
for TOTP, and someone who is not a member asks what is held about them. axe checks the
pages; the harness fails the test on any CSP violation."""

import datetime as dt

import pytest

from members.models import Member
from members.validators import make_national_id
from tests.clubs.test_bankid import HIGH, broker  # noqa: F401 - the fixture
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _plain_http_callback(settings):
    """The live server speaks plain HTTP; with DEBUG off (CI) the callback address sent to
    the broker would be https:// (ACCOUNT_DEFAULT_HTTP_PROTOCOL), which nothing answers."""
    settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"


def _path(page) -> str:
    return "/" + page.url.split("://", 1)[1].split("/", 1)[1]


def test_a_members_first_bankid_login_lands_on_min_side(page, axe_check, broker, club):  # noqa: F811
    person = MemberFactory(club=club, first_name="Solveig", email="solveig@example.org")
    assert person.user is None
    broker.claims = {"pid": person.national_id, "acr": HIGH}

    page.goto("/accounts/login/")
    axe_check(page)
    page.get_by_role("button", name="Logg inn med BankID").click()
    page.wait_for_url("**/min-side/")
    axe_check(page)
    assert "Solveig" in page.locator("main").inner_text()
    person.refresh_from_db()
    assert person.user is not None  # linked at once: no member number, no e-mail round trip


def test_activation_with_bankid_from_the_activation_page(page, broker, club):  # noqa: F811
    person = MemberFactory(club=club, first_name="Aksel")
    broker.claims = {"pid": person.national_id, "acr": HIGH}

    page.goto("/accounts/signup/")
    page.get_by_role("button", name="Aktiver med BankID").click()
    page.wait_for_url("**/min-side/")
    assert "Aksel" in page.locator("main").inner_text()


def test_a_non_member_lands_on_the_join_form_filled_in_from_bankid(page, axe_check, broker):  # noqa: F811
    stranger = make_national_id(dt.date(1993, 6, 14), 512)
    broker.claims = {
        "pid": stranger,
        "acr": HIGH,
        "given_name": "Mari",
        "family_name": "Utenfor",
    }

    page.goto("/accounts/login/")
    page.get_by_role("button", name="Logg inn med BankID").click()
    page.wait_for_url("**/bli-medlem/")
    axe_check(page)
    first, last = page.locator("#id_first_name"), page.locator("#id_last_name")
    assert (first.input_value(), last.input_value()) == ("Mari", "Utenfor")
    assert first.is_disabled() and last.is_disabled()
    content = page.content()
    assert "140693 *****" in content and stranger not in content
    assert page.locator("input[name=national_id]").count() == 0
    assert stranger not in page.url
    assert not Member.objects.exists()


def test_an_officer_reaches_klubbkontoret_with_bankid_without_totp(
    page,
    broker,  # noqa: F811
    club,
    club_officer,
):
    from allauth.mfa.models import Authenticator

    assert Authenticator.objects.filter(user=club_officer).exists()  # TOTP is set up
    officer = MemberFactory(club=club, user=club_officer)
    broker.claims = {"pid": officer.national_id, "acr": HIGH}

    page.goto("/klubbkontoret/")
    assert _path(page).startswith("/accounts/login/")
    page.get_by_role("button", name="Logg inn med BankID").click()
    page.wait_for_url("**/klubbkontoret/")
    assert page.get_by_label("Autentiseringskode").count() == 0
    assert page.get_by_role("heading", level=1).count() == 1
    assert "/accounts/" not in page.url


def test_a_refused_bankid_login_says_why_in_norwegian(page, axe_check, broker, club):  # noqa: F811
    person = MemberFactory(club=club)
    broker.claims = {"pid": person.national_id, "acr": "idporten-loa-substantial"}

    page.goto("/accounts/login/")
    page.get_by_role("button", name="Logg inn med BankID").click()
    page.wait_for_load_state()
    axe_check(page)
    assert page.get_by_role("heading", name="BankID-innloggingen ble ikke godtatt").is_visible()
    assert "Innloggingen hadde ikke høyt nok sikkerhetsnivå." in page.content()
    assert person.national_id not in page.content()


def test_a_non_member_asks_with_bankid_and_hears_that_nothing_is_held(page, axe_check, broker):  # noqa: F811
    stranger = make_national_id(dt.date(1979, 11, 2), 233)
    broker.claims = {"pid": stranger, "acr": HIGH}

    page.goto("/personvern/innsyn/")
    axe_check(page)
    page.get_by_role("button", name="Spør med BankID").click()
    page.wait_for_load_state()
    axe_check(page)
    assert "Vi har ingen opplysninger om deg i medlemsregisteret." in page.content()
    assert stranger not in page.content()
