"""Min side in a real browser: a member activates a login, verifies the e-mail through
the link in the mail, edits the profile, changes communication choices and downloads
PDFs. axe checks every page; the harness fails the test on any CSP violation."""

import datetime as dt
import re

import pytest
from django.core import mail

from members.models import Member, TaxDeductionCap
from tests.factories import SIGNUP_PASSWORD, MemberFactory, PaymentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _link(pattern: str) -> str:
    for message in reversed(mail.outbox):
        match = re.search(pattern, message.body)
        if match:
            return match.group(0)
    raise AssertionError(f"No e-mail with {pattern!r}: {[m.subject for m in mail.outbox]}")


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_activation_profile_preferences_and_pdf(page, axe_check, live_server):
    member = MemberFactory(email="register@example.net", postal_code="5003", city="Bergen")
    for month in (1, 2, 3):
        PaymentFactory(member=member, paid_on=dt.date(2024, month, 20), amount_ore=57500)
    TaxDeductionCap.objects.get_or_create(year=2024, defaults={"amount_ore": 800000})

    # Activation: member number + national id + e-mail + password.
    page.goto("/accounts/signup/")
    axe_check(page)
    page.get_by_label("Medlemsnummer").fill(str(member.member_number))
    page.get_by_label("Fødselsnummer (11 siffer)").fill(member.national_id)
    page.get_by_label("E-post").fill("kari.nordmann@example.org")
    page.get_by_label("Velg passord").fill(SIGNUP_PASSWORD)
    page.get_by_label("Gjenta passordet").fill(SIGNUP_PASSWORD)
    page.get_by_role("button", name="Aktiver").click()
    page.wait_for_load_state()
    axe_check(page)
    # Nothing is linked until the login's own e-mail address is confirmed.
    member.refresh_from_db()
    assert member.user is None

    # Verify the e-mail through the link in the mail.
    page.goto(_path(_link(r"https?://\S+/accounts/confirm-email/\S+")))
    axe_check(page)
    page.get_by_role("button", name="Bekreft").click()
    page.wait_for_load_state()
    member.refresh_from_db()
    assert member.user is not None

    # Log in.
    page.goto("/accounts/login/")
    page.get_by_label("E-post").fill("kari.nordmann@example.org")
    page.get_by_label("Passord").fill(SIGNUP_PASSWORD)
    page.get_by_role("button", name="Logg inn", exact=True).click()
    page.wait_for_load_state()

    page.goto("/min-side/")
    assert member.first_name in page.get_by_role("heading", level=1).inner_text()
    axe_check(page)

    # Profile edit, first with a bad postal code (nothing saved), then a good one.
    page.get_by_role("navigation", name="Min side").get_by_role("link", name="Profil").click()
    page.wait_for_load_state()
    axe_check(page)
    page.get_by_role("textbox", name="Adresse").fill("Bryggen 1")
    page.get_by_label("Postnummer").fill("50A3")
    page.get_by_role("button", name="Lagre").click()
    page.wait_for_load_state()
    assert "Postnummeret må ha fire siffer" in page.content()
    axe_check(page)
    assert Member.objects.get(pk=member.pk).street != "Bryggen 1"
    page.get_by_label("Postnummer").fill("5003")
    page.get_by_label("Mobilnummer").fill("912 34 567")
    page.get_by_role("button", name="Lagre").click()
    page.wait_for_load_state()
    assert "Opplysningene er lagret" in page.content()
    fresh = Member.objects.get(pk=member.pk)
    assert (fresh.street, fresh.phone) == ("Bryggen 1", "+4791234567")

    # Communication choices.
    page.goto("/min-side/kommunikasjon/")
    axe_check(page)
    page.get_by_label("Nyhetsbrev på e-post").check()
    page.get_by_label("Digitalt").check()
    page.get_by_role("button", name="Lagre valgene").click()
    page.wait_for_load_state()
    assert "Kommunikasjonsvalgene er lagret" in page.content()
    fresh = Member.objects.get(pk=member.pk)
    assert fresh.newsletter and fresh.magazine == "digital"

    # Payments and the annual statement PDF.
    page.goto("/min-side/innbetalinger/")
    axe_check(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Årsoppgave 2024 (PDF)").click()
    path = download_info.value.path()
    assert open(path, "rb").read(4) == b"%PDF"

    # My data and the access report PDF.
    page.goto("/min-side/mine-data/")
    axe_check(page)
    assert "Bryggen 1" in page.content()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Last ned innsynsrapport (PDF)").click()
    assert open(download_info.value.path(), "rb").read(4) == b"%PDF"

    for url in ("/min-side/forsikringer/", "/min-side/utmelding/", "/min-side/profil/retting/"):
        page.goto(url)
        axe_check(page)


def test_wrong_identity_shows_one_accessible_message(page, axe_check):
    member = MemberFactory()
    other = MemberFactory()
    page.goto("/accounts/signup/")
    page.get_by_label("Medlemsnummer").fill(str(member.member_number))
    page.get_by_label("Fødselsnummer (11 siffer)").fill(other.national_id)
    page.get_by_label("E-post").fill("feil@example.org")
    page.get_by_label("Velg passord").fill(SIGNUP_PASSWORD)
    page.get_by_label("Gjenta passordet").fill(SIGNUP_PASSWORD)
    page.get_by_role("button", name="Aktiver").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").inner_text().startswith("Vi kunne ikke bekrefte")
    axe_check(page)


def test_min_side_works_on_a_phone(mobile_page, login_as, axe_check, member):
    login_as(mobile_page, member)
    for url in ("/min-side/", "/min-side/profil/", "/min-side/mine-data/"):
        mobile_page.goto(url)
        axe_check(mobile_page)
        # Nothing wider than the screen: no sideways scrolling of the page.
        width = mobile_page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 375, (url, width)
