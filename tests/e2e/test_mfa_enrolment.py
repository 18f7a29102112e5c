"""A new admin in the browser: the password alone does not open the set-up of a second
factor; the link mailed to the login's address does, in the same browser."""

import re

import pytest
from django.core import mail

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_new_admin_confirms_the_email_before_setting_up_the_code_app(page, axe_check):
    UserFactory(email="ny.admin@example.org", is_staff=True, is_superuser=True)
    page.goto("/accounts/login/")
    page.get_by_label("E-post").fill("ny.admin@example.org")
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn", exact=True).click()
    page.wait_for_load_state()

    page.goto("/accounts/2fa/totp/activate/")
    page.wait_for_url(re.compile(r"/accounts/tofaktor/bekreft/$"))
    axe_check(page)
    assert page.get_by_text("n…@example.org").is_visible()
    page.get_by_role("button", name="Send lenken").click()
    page.wait_for_load_state()
    assert page.get_by_text("Vi har sendt lenken til n…@example.org.").is_visible()

    link = re.search(r"https?://\S+?(/accounts/tofaktor/bekreft/\S+/)", mail.outbox[-1].body)[1]
    page.goto(link)
    page.wait_for_load_state()
    assert page.get_by_text("E-postadressen er bekreftet.").is_visible()
    if "/accounts/reauthenticate/" in page.url:  # allauth asks for the password again
        page.get_by_label("Passord").fill(PASSWORD)
        page.get_by_role("button", name=re.compile("Bekreft")).click()
        page.wait_for_load_state()
    assert "/accounts/2fa/totp/activate/" in page.url
    axe_check(page)
