"""Officer and staff sessions: MFA before any officer page, and the idle timeout."""

import time

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from clubs import middleware

pytestmark = pytest.mark.django_db
ROSTER = reverse("klubb:roster")


def set_session(client, **values):
    session = client.session
    session.update(values)
    session.save()


def test_an_officer_idle_for_more_than_30_minutes_is_logged_out(club_officer, client_for):
    client = client_for(club_officer)
    set_session(client, **{middleware.SESSION_KEY: time.time() - 31 * 60})
    response = client.get(ROSTER)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert client.get(ROSTER).status_code == 302  # really logged out


def test_an_officer_active_a_little_while_ago_stays_logged_in(club_officer, client_for):
    client = client_for(club_officer)
    set_session(client, **{middleware.SESSION_KEY: time.time() - 10 * 60})
    assert client.get(ROSTER).status_code == 200
    # The activity stamp was renewed.
    assert time.time() - client.session[middleware.SESSION_KEY] < 5


def test_a_member_without_grants_has_no_idle_timeout(member, client_for):
    client = client_for(member)
    set_session(client, **{middleware.SESSION_KEY: time.time() - 3 * 60 * 60})
    assert client.get(reverse("minside:profile")).status_code == 200


def test_removing_mfa_closes_officer_pages_after_the_recheck(club_officer, client_for):
    client = client_for(club_officer)
    assert client.get(ROSTER).status_code == 200
    Authenticator.objects.filter(user=club_officer).delete()
    set_session(
        client, **{middleware.MFA_CHECKED_KEY: time.time() - middleware.MFA_RECHECK_EVERY - 1}
    )
    response = client.get(ROSTER)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")


def test_staff_pages_also_require_mfa(central_staff, client_for):
    Authenticator.objects.filter(user=central_staff).delete()
    response = client_for(central_staff).get(reverse("register:search"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")
