"""The foundation in a real browser: home page, login, e-mail verification, languages."""

import re

import pytest
from django.core import mail

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_is_norwegian_and_accessible(page, axe_check):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.get_by_role("heading", level=1).inner_text() == "Velkommen til Medlemsportalen"
    axe_check(page)


def test_skip_link_moves_focus_to_the_main_content(page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Hopp til hovedinnholdet")
    assert skip.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


def test_language_switch_shows_the_site_in_english(page, axe_check):
    page.goto("/")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Welcome" in page.get_by_role("heading", level=1).inner_text()
    axe_check(page)


def test_login_page_is_accessible_and_logs_a_verified_user_in(page, axe_check):
    UserFactory(email="kari@example.org")
    page.goto("/accounts/login/")
    axe_check(page)
    page.get_by_label("E-post").fill("kari@example.org")
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn", exact=True).click()
    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_role("button", name="Logg ut").is_visible()


def test_an_unverified_user_must_confirm_the_email_before_logging_in(page, axe_check):
    from allauth.account.models import EmailAddress

    user = UserFactory(email="ola@example.org")
    EmailAddress.objects.filter(user=user).update(verified=False)

    page.goto("/accounts/login/")
    page.get_by_label("E-post").fill("ola@example.org")
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn", exact=True).click()
    page.wait_for_load_state()
    assert "/accounts/confirm-email/" in page.url
    axe_check(page)
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)

    page.goto(link.replace(re.match(r"https?://[^/]+", link).group(0), ""))
    axe_check(page)
    page.get_by_role("button", name="Bekreft").click()
    page.wait_for_load_state()
    assert EmailAddress.objects.get(user=user).verified

    page.goto("/accounts/login/")
    page.get_by_label("E-post").fill("ola@example.org")
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn", exact=True).click()
    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_role("button", name="Logg ut").is_visible()


def test_wrong_password_gives_a_norwegian_message_without_revealing_the_account(page):
    page.goto("/accounts/login/")
    page.get_by_label("E-post").fill("ingen@example.org")
    page.get_by_label("Passord").fill("feil-passord-123")
    page.get_by_role("button", name="Logg inn", exact=True).click()
    page.wait_for_load_state()
    assert "E-postadressen og/eller passordet du oppgav er feil" in page.content()
