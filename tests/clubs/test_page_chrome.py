"""The page chrome (header, footer, cookie banner) is rendered once per process for each
combination it depends on and reused: what differs per person or request must still
differ (navigation, current section, language, CSRF token, the path to come back to)."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clubs.templatetags import page_chrome
from tests.conftest import mark_mfa_authenticated
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _kept_chrome():
    """Start from an empty cache, as a new process does; the cache is off with DEBUG."""
    assert not settings.DEBUG
    page_chrome._rendered.clear()
    yield
    page_chrome._rendered.clear()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="config.auth_backends.ModelBackend")
    mark_mfa_authenticated(client, user)
    return client


def nav_links(html: str) -> list[str]:
    nav = html[html.index('<nav class="main-nav"') : html.index("</nav>")]
    return re.findall(r'<a href="([^"]+)"', nav)


def test_each_person_gets_the_navigation_of_their_own_role(central_staff, club_officer, member):
    staff_page = logged_in(central_staff).get(reverse("home")).content.decode()
    officer_page = logged_in(club_officer).get(reverse("home")).content.decode()
    member_page = logged_in(member).get(reverse("home")).content.decode()
    anonymous_page = Client().get(reverse("home")).content.decode()

    assert reverse("register:search") in nav_links(staff_page)
    assert reverse("register:search") not in nav_links(officer_page)
    assert reverse("klubb:roster") in nav_links(officer_page)
    assert nav_links(member_page) == [reverse("minside:index"), reverse("minside:account")]
    assert nav_links(anonymous_page) == [reverse("account_login")]
    assert len(page_chrome._rendered) >= 4  # kept, and kept apart


def test_the_current_section_is_marked_on_each_page(club_officer):
    client = logged_in(club_officer)

    roster = client.get(reverse("klubb:roster")).content.decode()
    home = client.get(reverse("home")).content.decode()

    assert f'<a href="{reverse("klubb:roster")}" aria-current="page">' in roster
    assert 'aria-current="page"' not in home[: home.index("</nav>")]


def test_the_language_switch_offers_the_other_language(client):
    norwegian = client.get(reverse("home")).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("home")).content.decode()

    assert 'value="en" lang="en"' in norwegian and "Logg inn" in norwegian
    assert 'value="nb" lang="nb"' in english and "Log in" in english


def test_the_forms_in_the_chrome_carry_this_requests_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member, backend="config.auth_backends.ModelBackend")
    page = client.get(reverse("home")).content.decode()
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page))
    assert len(tokens) == 1 and "@@" not in page

    response = client.post(
        reverse("set_language"),
        {"language": "en", "next": "/", "csrfmiddlewaretoken": tokens.pop()},
    )

    assert response.status_code == 302  # a stale or stand-in token would be a 403


def test_the_path_to_come_back_to_is_this_requests_and_escaped(client):
    first = client.get("/personvern/", {"fra": '"><script>x</script>'}).content.decode()
    second = client.get("/personvern/", {"fra": "nyhetsbrev"}).content.decode()

    assert "<script>x</script>" not in first
    assert 'name="next" value="/personvern/?fra=%22%3E%3Cscript%3Ex%3C%2Fscript%3E"' in first
    assert 'name="next" value="/personvern/?fra=nyhetsbrev"' in second


def test_the_cookie_banner_shows_until_a_choice_is_made(client):
    before = client.get(reverse("home")).content.decode()
    client.post(reverse("privacy:consent"), {"choice": "none", "next": "/"})
    after = client.get(reverse("home")).content.decode()

    assert "data-consent-banner" in before
    assert "data-consent-banner" not in after


def test_min_side_appears_once_a_login_is_linked_and_is_then_not_asked_again():
    user = UserFactory(email="ny@example.org")
    client = Client()
    client.force_login(user, backend="config.auth_backends.ModelBackend")
    assert reverse("minside:index") not in nav_links(client.get(reverse("home")).content.decode())

    MemberFactory(user=user, email="ny@example.org")  # linked by activation or BankID

    assert reverse("minside:index") in nav_links(client.get(reverse("home")).content.decode())
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("home"))
    assert not [q for q in queries if 'FROM "members_member"' in q["sql"]]
