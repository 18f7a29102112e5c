"""An officer's, staff member's or admin's first second factor is set up only after a
link mailed to the login's address was opened in the same session: the password alone
must not let someone enrol their own authenticator on a privileged login."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client
from django.urls import reverse

from clubs import mfa_enrolment
from clubs.models import AccessLevel
from tests.conftest import mark_mfa_authenticated
from tests.factories import AccessGrantFactory, UserFactory

pytestmark = pytest.mark.django_db

ACTIVATE = reverse("mfa_activate_totp")
ENROLMENT = reverse("mfa_enrolment")


def password_session(user) -> Client:
    """Logged in, and just confirmed with the password (allauth asks for that before it
    adds an authenticator); with no authenticator, the password is the only record."""
    client = Client()
    client.force_login(user, backend="config.auth_backends.ModelBackend")
    mark_mfa_authenticated(client, user)
    session = client.session
    for record in session["account_authentication_methods"]:
        record["at"] = time.time()
        record["reauthenticated"] = True
    session.save()
    return client


def mailed_link() -> str:
    return re.search(r"http://[^\s/]+(/accounts/tofaktor/bekreft/[^\s]+/)", mail.outbox[-1].body)[1]


@pytest.fixture
def new_admin(db):
    return UserFactory(email="ny.admin@example.org", is_staff=True, is_superuser=True)


def test_a_new_admin_cannot_open_enrolment_with_the_password_alone(new_admin):
    client = password_session(new_admin)

    for path in mfa_enrolment.enrolment_paths():
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == 302 and response["Location"] == ENROLMENT, path
    assert not Authenticator.objects.filter(user=new_admin).exists()


def test_the_mailed_link_opens_enrolment_in_this_session(new_admin):
    client = password_session(new_admin)
    page = client.get(ENROLMENT).content.decode()
    assert "n…@example.org" in page and "ny.admin@example.org" not in page

    client.post(ENROLMENT)

    assert mail.outbox[-1].to == ["ny.admin@example.org"]
    assert "ny.admin" not in mailed_link()  # nothing personal in the address
    response = client.get(mailed_link())
    assert response["Location"] == ACTIVATE
    assert client.get(ACTIVATE).status_code == 200


def test_the_link_does_nothing_in_someone_elses_session(new_admin, central_staff):
    password_session(new_admin).post(ENROLMENT)
    link = mailed_link()
    other = UserFactory(email="annen@example.org", is_staff=True)
    client = password_session(other)

    assert client.get(link).status_code == 410
    assert client.get(ACTIVATE)["Location"] == ENROLMENT


@pytest.mark.parametrize("change", ["expired", "tampered", "password", "email"])
def test_an_old_altered_or_outdated_link_is_refused(new_admin, monkeypatch, change):
    client = password_session(new_admin)
    client.post(ENROLMENT)
    link = mailed_link()
    if change == "expired":
        monkeypatch.setattr(mfa_enrolment, "LINK_MAX_AGE", -1)
    elif change == "tampered":
        link = link.replace(link[-8:-2], "AAAAAA")
    elif change == "password":
        new_admin.set_password("Et-helt-nytt-passord-2026")
        new_admin.save()
        client.force_login(new_admin, backend="config.auth_backends.ModelBackend")
        mark_mfa_authenticated(client, new_admin)
    else:
        new_admin.email = "annen.adresse@example.org"
        new_admin.save()

    assert client.get(link).status_code == 410
    assert client.get(ACTIVATE)["Location"] == ENROLMENT


def test_asking_again_within_a_minute_sends_no_second_mail(new_admin):
    client = password_session(new_admin)
    client.post(ENROLMENT)
    response = client.post(ENROLMENT, follow=True)

    assert len(mail.outbox) == 1
    assert "Vent et minutt" in response.content.decode()


def test_an_officer_whose_authenticator_was_removed_needs_the_link_too(club):
    officer = UserFactory(email="klubbleder@example.org", mfa=True)
    AccessGrantFactory(user=officer, level=AccessLevel.CLUB, club=club)
    Authenticator.objects.filter(user=officer).delete()

    assert password_session(officer).get(ACTIVATE)["Location"] == ENROLMENT


def test_members_and_people_with_a_second_factor_enrol_directly(member, central_staff):
    assert password_session(member).get(ACTIVATE).status_code == 200
    assert password_session(member).get(ENROLMENT)["Location"] == reverse("mfa_index")
    # Staff with a passkey already may add a code app without a new link.
    staff = password_session(central_staff)
    assert staff.get(ENROLMENT)["Location"] == reverse("mfa_index")


def test_a_bankid_session_needs_no_link(new_admin):
    client = password_session(new_admin)
    session = client.session
    records = session["account_authentication_methods"]
    session["account_authentication_methods"] = [
        *records,
        {"method": "socialaccount", "provider": "bankid", "at": records[0]["at"], "uid": "x"},
    ]
    session.save()

    assert client.get(ACTIVATE).status_code == 200
