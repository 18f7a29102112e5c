"""Log in with BankID against a real OpenID Connect provider on 127.0.0.1 (the broker):
linking by the keyed hash of the national id, BankID as the second factor, the join
form for non-members, and access requests proven with BankID."""

from __future__ import annotations

import copy
import http.client
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.urls import reverse

from clubs.bankid import bankid_prefill
from privacy.models import (
    AccessLog,
    DataSubjectRequest,
    RequestChannel,
    RequestStatus,
    one_month_after,
)
from tests.conftest import mark_mfa_authenticated
from tests.factories import MemberFactory
from tests.oidc_provider import OIDCProvider

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/oidc/bankid/login/"
HIGH = "idporten-loa-high"


@pytest.fixture
def broker(settings):
    provider = OIDCProvider().start()
    settings.SOCIALACCOUNT_PROVIDERS = provider.app_settings([HIGH])
    settings.BANKID_ENABLED = True
    settings.BANKID_ACR_VALUES = [HIGH]
    settings.BANKID_NATIONAL_ID_CLAIM = "pid"
    # As config/settings.py builds it from BANKID_ISSUER: the login form's POST is
    # redirected to the broker, and a browser applies form-action to that redirect.
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = [*policy["DIRECTIVES"]["form-action"], provider.url]
    settings.CONTENT_SECURITY_POLICY = policy
    yield provider
    provider.stop()


def authorize(client, broker, *, pid, acr=HIGH, start=LOGIN, data=None, **names) -> str:
    """Go through the BankID login as a browser would, up to the way back: our login
    POST, then the broker's authorization endpoint (over HTTP). Returns the callback
    path (with code and state) the broker sends the browser back to."""
    broker.claims = {"pid": pid, "acr": acr, **names}
    response = client.post(start, data or {"process": "login"})
    if response.status_code == 307:  # the access-request form hands the POST on
        response = client.post(response["Location"], data or {"process": "login"})
    assert response.status_code == 302, response.content[:500]
    authorize = urlsplit(response["Location"])
    assert authorize.netloc == urlsplit(broker.url).netloc
    connection = http.client.HTTPConnection(authorize.hostname, authorize.port, timeout=10)
    connection.request("GET", f"{authorize.path}?{authorize.query}")
    back = urlsplit(connection.getresponse().getheader("Location"))
    connection.close()
    return f"{back.path}?{back.query}"


def bankid(client, broker, **kwargs):
    """A whole BankID login (see `authorize`); returns the response of our callback."""
    return client.get(authorize(client, broker, **kwargs))


def test_the_login_page_offers_bankid_when_it_is_configured(client, broker):
    page = client.get(reverse("account_login")).content.decode()
    assert "Logg inn med BankID" in page
    assert reverse("openid_connect_login", args=["bankid"]) in page


def _settings_from(env: dict) -> dict:
    """What config/settings.py builds for BankID from this environment (a fresh
    interpreter: settings are read once, at import)."""
    code = (
        "import json; from config import settings as s; print(json.dumps({"
        "'enabled': s.BANKID_ENABLED, 'apps': s.SOCIALACCOUNT_PROVIDERS['openid_connect']['APPS'],"
        "'form_action': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BANKID_")}
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code],
        # DEBUG on: the fresh interpreter has no pytest in it, and with DEBUG off the
        # settings demand production keys (not what this reads).
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1", **env},
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_bankid_is_configured_from_the_environment_and_off_when_unset():
    assert _settings_from({}) == {"enabled": False, "apps": [], "form_action": ["'self'"]}
    configured = _settings_from(
        {
            "BANKID_ISSUER": "https://login.idporten.example/",
            "BANKID_CLIENT_ID": "portal",
            "BANKID_CLIENT_SECRET": "s3cret",
            "BANKID_NATIONAL_ID_CLAIM": "nin",
            "BANKID_ACR_VALUES": "urn:bankid:high,idporten-loa-high",
        }
    )
    assert configured["enabled"] is True
    (app,) = configured["apps"]
    assert (app["provider_id"], app["client_id"], app["secret"]) == ("bankid", "portal", "s3cret")
    assert app["settings"]["server_url"] == "https://login.idporten.example/"
    assert app["settings"]["auth_params"] == {"acr_values": "urn:bankid:high"}
    assert app["settings"]["oauth_pkce_enabled"] is True


def test_the_csp_lets_the_login_form_go_on_to_the_broker():
    # The BankID button POSTs to us and we redirect to the broker: without its origin in
    # form-action, the browser blocks that redirect and BankID cannot be used at all.
    configured = _settings_from(
        {"BANKID_ISSUER": "https://login.idporten.example/", "BANKID_CLIENT_ID": "portal"}
    )
    assert "https://login.idporten.example" in configured["form_action"]


def test_the_activation_and_join_pages_offer_bankid(client, broker):
    action = reverse("openid_connect_login", args=["bankid"])
    signup = client.get(reverse("account_signup")).content.decode()
    assert "Aktiver med BankID" in signup and action in signup
    join = client.get(reverse("joining:join")).content.decode()
    assert "Fyll ut med BankID" in join and action in join


def test_bankid_is_off_without_configuration(client):
    assert "BankID" not in client.get(reverse("account_login")).content.decode()
    assert "BankID" not in client.get(reverse("account_signup")).content.decode()
    assert "Fyll ut med BankID" not in client.get(reverse("joining:join")).content.decode()
    assert client.post(LOGIN, {"process": "login"}).status_code == 404


def test_the_broker_is_asked_for_the_required_level(client, broker, member):
    bankid(client, broker, pid=member.member.national_id)
    assert broker.authorize_requests[-1]["acr_values"] == HIGH
    assert "code_challenge" in broker.authorize_requests[-1]  # PKCE


def test_a_member_with_a_login_is_logged_in_by_national_id(client, broker, member):
    response = bankid(client, broker, pid=member.member.national_id)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)
    assert client.get(reverse("minside:index")).status_code == 200


def test_a_member_without_a_login_gets_one_at_once(
    client, broker, club, django_capture_on_commit_callbacks
):
    person = MemberFactory(club=club, email="uten.login@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        bankid(client, broker, pid=person.national_id)
    person.refresh_from_db()
    assert person.user is not None
    assert client.session["_auth_user_id"] == str(person.user_id)
    assert [m.to for m in mail.outbox] == [["uten.login@example.org"]]


def test_a_non_member_is_offered_the_join_form_with_what_bankid_proved(client, broker, club):
    import datetime as dt

    from members.validators import make_national_id

    stranger = make_national_id(dt.date(1990, 3, 4), 412)
    response = bankid(client, broker, pid=stranger, given_name="Kari", family_name="Nordmann")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    # The national id is in neither the session nor a URL.
    raw = Session.objects.get(session_key=client.session.session_key).session_data
    assert stranger not in json.dumps(client.session.load()) and stranger not in raw
    assert stranger not in response["Location"]

    class Request:
        session = client.session

    prefill = bankid_prefill(Request())
    assert prefill == {"national_id": stranger, "first_name": "Kari", "last_name": "Nordmann"}


def test_a_login_below_the_required_level_is_refused(client, broker, member):
    response = bankid(client, broker, pid=member.member.national_id, acr="idporten-loa-substantial")
    assert response.status_code == 403
    assert "sikkerhetsnivå" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_dynamic_acr_parameter_cannot_lower_the_level(client, broker, member):
    # allauth lets a login link add ?auth_params=…; the configured level is asked for
    # anyway, and the token's acr decides.
    nid = member.member.national_id
    low = f"{LOGIN}?{urlencode({'auth_params': 'acr_values=low&nonce=mine'})}"
    response = bankid(client, broker, pid=nid, start=low)
    assert broker.authorize_requests[-1]["acr_values"] == HIGH
    assert broker.authorize_requests[-1]["nonce"] != "mine"
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(member.pk)
    client.logout()
    assert bankid(client, broker, pid=nid, acr="low", start=low).status_code == 403


def test_nothing_of_the_token_is_stored_or_logged(client, broker, member, caplog):
    nid = member.member.national_id
    with caplog.at_level(logging.DEBUG):
        bankid(client, broker, pid=nid)
    assert not SocialAccount.objects.exists()
    assert nid not in caplog.text
    assert nid not in json.dumps(client.session.load())


def test_bankid_counts_as_the_second_factor_for_an_officer(client, broker, club, club_officer):
    officer_member = MemberFactory(club=club, user=club_officer)
    bankid(client, broker, pid=officer_member.national_id)
    response = client.get(reverse("klubb:roster"))
    assert response.status_code == 200  # no TOTP asked for


def test_a_password_login_of_an_officer_still_needs_totp(club_officer):
    from django.test import Client

    client = Client()
    client.force_login(club_officer, backend="config.auth_backends.ModelBackend")
    mark_mfa_authenticated(client, club_officer, second_factor=False)
    assert client.get(reverse("klubb:roster"))["Location"].startswith(reverse("mfa_reauthenticate"))


def test_officers_can_be_required_to_use_bankid(settings, client, broker, club, club_officer):
    from django.test import Client

    settings.OFFICERS_REQUIRE_BANKID = True
    totp_client = Client()
    totp_client.force_login(club_officer, backend="config.auth_backends.ModelBackend")
    mark_mfa_authenticated(totp_client, club_officer)
    response = totp_client.get(reverse("klubb:roster"))
    assert response["Location"].startswith(reverse("account_login"))

    officer_member = MemberFactory(club=club, user=club_officer)
    bankid(client, broker, pid=officer_member.national_id)
    assert client.get(reverse("klubb:roster")).status_code == 200


def test_the_access_log_shows_how_the_reader_logged_in(client, broker, club, club_officer):
    officer_member = MemberFactory(club=club, user=club_officer)
    someone = MemberFactory(club=club)
    bankid(client, broker, pid=officer_member.national_id)
    client.get(reverse("klubb:card", args=[someone.pk]))
    assert AccessLog.objects.get(member=someone).auth_method == "bankid"


def test_the_staff_access_log_page_names_the_login_method(central_staff, client_for, club):
    someone = MemberFactory(club=club)
    client = client_for(central_staff)
    client.get(reverse("register:member", args=[someone.pk]))
    page = client.get(reverse("register:access_log")).content.decode()
    assert "Passord og kodeapp" in page


# --- "What do you hold about me?" ------------------------------------------------------


def test_a_member_asks_with_bankid_and_the_request_is_tied_to_the_membership(client, broker, club):
    person = MemberFactory(club=club)
    response = bankid(
        client,
        broker,
        pid=person.national_id,
        start=reverse("privacy:access_request_bankid"),
    )
    assert response.status_code == 200
    dsr = DataSubjectRequest.objects.get()
    assert dsr.member == person and dsr.channel == RequestChannel.BANKID
    assert dsr.status == RequestStatus.RECEIVED
    assert dsr.due_on == one_month_after(dsr.received_on)
    assert dsr.due_on.strftime("%Y") in response.content.decode()  # the answer's deadline
    assert "_auth_user_id" not in client.session  # asking is not logging in


def test_a_non_member_asking_with_bankid_is_told_at_once_that_nothing_is_held(client, broker):
    import datetime as dt

    from members.validators import make_national_id

    stranger = make_national_id(dt.date(1985, 7, 9), 301)
    response = bankid(client, broker, pid=stranger, start=reverse("privacy:access_request_bankid"))
    assert "ingen opplysninger om deg" in response.content.decode()
    dsr = DataSubjectRequest.objects.get()
    assert dsr.member is None and dsr.status == RequestStatus.COMPLETED
    assert stranger not in json.dumps(dsr.payload) + dsr.details + dsr.notes


def test_without_bankid_the_request_waits_for_staff_to_verify_who_sent_it(client):
    response = client.post(
        reverse("privacy:access_request"),
        {
            "name": "Ola Nordmann",
            "email": "ola@example.org",
            "details": "Mitt fødselsnummer er 17058012327, hva har dere?",
        },
    )
    assert response.status_code == 200
    dsr = DataSubjectRequest.objects.get()
    assert dsr.channel == RequestChannel.WEB and dsr.payload["identity"] == "manual"
    assert "17058012327" not in dsr.details and "170580 *****" in dsr.details


def test_the_public_form_ignores_robots(client):
    client.post(
        reverse("privacy:access_request"),
        {"name": "Bot", "email": "bot@example.org", "website": "http://spam.example"},
    )
    assert not DataSubjectRequest.objects.exists()


def test_the_public_form_is_open_without_login(client):
    assert client.get(reverse("privacy:access_request")).status_code == 200
    assert get_user_model().objects.count() == 0
