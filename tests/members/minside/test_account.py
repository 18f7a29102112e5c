"""The account page (/min-side/konto/): one place for password, e-mail, two-factor
authentication and sessions; each role starts on its own page after login; a confirmed
new e-mail address becomes the login address too."""

import pytest
from allauth.account.models import EmailAddress
from django.test import RequestFactory
from django.urls import reverse

from clubs.auth import AccountAdapter
from members.minside import services as selfservice
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["member", "club_officer", "central_staff"])
def test_the_account_page_links_every_login_setting(request, client_for, who):
    user = request.getfixturevalue(who)
    response = client_for(user).get(reverse("minside:account"))
    assert response.status_code == 200
    html = response.content.decode()
    for name in (
        "account_email",
        "account_change_password",
        "mfa_add_webauthn",
        "usersessions_list",
    ):
        assert reverse(name) in html
    assert reverse("mfa_deactivate_totp") in html or reverse("mfa_activate_totp") in html
    assert "Tofaktorautentisering" in html and "Aktive innlogginger" in html


def test_the_header_links_to_the_account_page(client_for, member):
    html = client_for(member).get(reverse("minside:index")).content.decode()
    assert f'href="{reverse("minside:account")}"' in html


@pytest.mark.parametrize(
    "who, start",
    [
        ("member", "minside:index"),
        ("club_officer", "klubb:roster"),
        ("central_staff", "register:search"),
    ],
)
def test_each_role_lands_on_its_own_start_page(request, who, start):
    user = request.getfixturevalue(who)
    http = RequestFactory().get("/")
    http.user = user
    assert AccountAdapter(http).get_login_redirect_url(http) == reverse(start)


def test_a_login_without_a_role_lands_on_the_home_page(db):
    http = RequestFactory().get("/")
    http.user = UserFactory()
    assert AccountAdapter(http).get_login_redirect_url(http) == "/"


def test_a_confirmed_new_email_becomes_the_login_address(member):
    change = selfservice.email_change_request(
        member=member.member, new_email="ny.adresse@example.org"
    )
    token = "z" * 16
    change.token_hash = selfservice.token_hash(token)
    change.save()
    selfservice.email_change_confirm(member=member.member, token=token, by=member)
    member.refresh_from_db()
    assert member.email == "ny.adresse@example.org"
    assert EmailAddress.objects.get(user=member, primary=True).email == "ny.adresse@example.org"
    assert EmailAddress.objects.filter(user=member).count() == 1


def test_a_cookie_choice_made_while_logged_in_shows_on_my_data(client_for, member):
    client = client_for(member)
    client.post(reverse("privacy:consent"), {"choice": "all", "next": "/min-side/"})
    html = client.get(reverse("minside:my_data")).content.decode()
    assert "Ingen samtykker er knyttet til medlemskapet ditt" not in html


def test_activation_password_errors_are_norwegian(client):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override("nb"), pytest.raises(ValidationError) as error:
        validate_password("kort")
    assert "Passordet er for kort" in " ".join(error.value.messages)
    assert not any("This password" in message for message in error.value.messages)


def test_allauth_emails_name_the_portal_not_the_host_or_a_username(client, member):
    from django.conf import settings
    from django.core import mail

    client.post(reverse("account_reset_password"), {"email": member.email})
    assert mail.outbox, "a reset e-mail was sent"
    body = mail.outbox[-1].body
    assert "Hei fra" not in body and "testserver" not in body.split("http")[0]
    assert settings.SITE_NAME in body
    assert member.username not in body.replace(member.email, "")
