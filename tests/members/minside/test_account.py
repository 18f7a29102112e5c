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


NOTIFICATIONS = [
    "account/email/password_changed",
    "account/email/email_changed",
    "mfa/email/totp_activated",
    "mfa/email/webauthn_added",
    "mfa/email/webauthn_removed",
]
STOCK_PHRASES = ("vennligst", "Vennligst", "Du mottar denne", "sikkerhetsnøkkel", "Imidlertid")


@pytest.mark.parametrize("prefix", NOTIFICATIONS)
def test_allauth_change_notices_read_as_plain_norwegian(prefix, member):
    from allauth.account.adapter import get_adapter
    from allauth.core.context import request_context
    from django.core import mail
    from django.utils import timezone, translation

    context = {"ip": "192.0.2.1", "user_agent": "Firefox", "timestamp": timezone.now()}
    context |= {"from_email": "gammel@example.org", "to_email": member.email}
    http = RequestFactory().get("/")
    with translation.override("nb"), request_context(http):
        get_adapter(http).send_mail(prefix, member.email, context)
    message = mail.outbox[-1]
    assert "Det er gjort en endring på innloggingen din" in message.body
    assert "IP-adresse: 192.0.2.1" in message.body
    assert not any(phrase in message.body + message.subject for phrase in STOCK_PHRASES)


@pytest.mark.parametrize(
    "prefix, subject",
    [
        ("account/email/email_confirmation_signup", "Bekreft e-postadressen din"),
        ("account/email/email_confirmation", "Bekreft e-postadressen din"),
        ("account/email/password_reset_key", "Lag nytt passord"),
        ("account/email/unknown_account", None),
        ("account/email/account_already_exists", None),
    ],
)
def test_allauth_mails_have_our_subjects_and_wording(prefix, subject, member):
    from allauth.account.adapter import get_adapter
    from allauth.core.context import request_context
    from django.core import mail
    from django.utils import translation

    context = {
        "email": member.email,
        "activate_url": "https://example.org/bekreft/",
        "password_reset_url": "https://example.org/passord/",
        "signup_url": "https://example.org/aktiver/",
    }
    http = RequestFactory().get("/")
    with translation.override("nb"), request_context(http):
        get_adapter(http).send_mail(prefix, member.email, context)
    message = mail.outbox[-1]
    if subject:
        assert subject in message.subject
    assert "Vennligst" not in message.subject and "Vennligst" not in message.body
    assert "database" not in message.body and "Imidlertid" not in message.body
