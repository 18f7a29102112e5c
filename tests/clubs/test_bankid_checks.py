"""What a BankID login must prove before anyone is logged in, against the real OpenID
Connect provider on 127.0.0.1: PKCE, state, nonce, the ID token's signature, issuer,
audience, expiry and assurance level. Each failure is refused with a page that says in
Norwegian what was wrong, and nothing of the token is shown or kept."""

from __future__ import annotations

import http.client
import logging
import time
from urllib.parse import urlencode, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from privacy.models import DataSubjectRequest
from tests.clubs.test_bankid import HIGH, LOGIN, authorize, bankid, broker  # noqa: F401
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, _s256

pytestmark = pytest.mark.django_db

WRONG_ISSUER = "Innloggingen kom ikke fra BankID-tjenesten vi bruker."
WRONG_AUDIENCE = "Innloggingen var laget for en annen tjeneste enn medlemsportalen."
EXPIRED = "BankID-innloggingen var utløpt. Prøv igjen."
BAD_SIGNATURE = "Svaret fra BankID var ikke signert av BankID-tjenesten vi bruker."
LOW_LEVEL = "Innloggingen hadde ikke høyt nok sikkerhetsnivå."
NOT_THIS_SESSION = "Innloggingen hørte ikke til denne økten"
USED_STATE = "Innloggingen var allerede brukt eller hadde gått ut på tid."


def assert_refused(client, response, message: str, national_id: str) -> None:
    page = response.content.decode()
    assert response.status_code == 403, page[:500]
    assert message in page
    assert "BankID-innloggingen ble ikke godtatt" in page
    assert national_id not in page
    assert "_auth_user_id" not in client.session


def test_a_token_from_another_issuer_is_refused(client, broker, member):  # noqa: F811
    nid = member.member.national_id
    broker.token_overrides = {"iss": "https://login.example.net"}
    assert_refused(client, bankid(client, broker, pid=nid), WRONG_ISSUER, nid)


def test_a_discovery_document_that_names_another_issuer_is_refused(client, broker, member):  # noqa: F811
    # Even when the token matches the document: the document is not the issuer we set.
    nid = member.member.national_id
    broker.discovery_overrides = {"issuer": "https://login.example.net"}
    broker.token_overrides = {"iss": "https://login.example.net"}
    assert_refused(client, bankid(client, broker, pid=nid), WRONG_ISSUER, nid)


def test_a_token_for_another_client_is_refused(client, broker, member):  # noqa: F811
    nid = member.member.national_id
    broker.token_overrides = {"aud": "another-service"}
    assert_refused(client, bankid(client, broker, pid=nid), WRONG_AUDIENCE, nid)


def test_a_token_for_several_clients_must_name_us_as_the_authorized_party(
    client,
    broker,  # noqa: F811
    member,
):
    nid = member.member.national_id
    broker.token_overrides = {"aud": [CLIENT_ID, "another-service"], "azp": "another-service"}
    assert_refused(client, bankid(client, broker, pid=nid), WRONG_AUDIENCE, nid)


def test_an_expired_token_is_refused(client, broker, member):  # noqa: F811
    nid = member.member.national_id
    now = int(time.time())
    broker.token_overrides = {"iat": now - 900, "exp": now - 600}
    assert_refused(client, bankid(client, broker, pid=nid), EXPIRED, nid)


def test_a_token_signed_with_another_key_is_refused(client, broker, member, caplog):  # noqa: F811
    # allauth alone would accept this token: it skips the signature of a token fetched
    # from the token endpoint.
    nid = member.member.national_id
    broker.sign_with = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with caplog.at_level(logging.DEBUG):
        response = bankid(client, broker, pid=nid)
    assert_refused(client, response, BAD_SIGNATURE, nid)
    assert nid not in caplog.text


def test_a_token_signed_with_the_client_secret_is_refused(client, broker, member):  # noqa: F811
    # The classic algorithm confusion: HS256 keyed with a secret both sides know.
    nid = member.member.national_id
    broker.sign_with, broker.sign_alg = CLIENT_SECRET, "HS256"
    assert_refused(client, bankid(client, broker, pid=nid), BAD_SIGNATURE, nid)


def test_a_token_without_an_assurance_level_is_refused(client, broker, member):  # noqa: F811
    nid = member.member.national_id
    assert_refused(client, bankid(client, broker, pid=nid, acr=None), LOW_LEVEL, nid)


def test_a_token_at_a_lower_level_is_refused(client, broker, member):  # noqa: F811
    nid = member.member.national_id
    response = bankid(client, broker, pid=nid, acr="idporten-loa-substantial")
    assert_refused(client, response, LOW_LEVEL, nid)


def test_the_login_sends_a_fresh_nonce_and_requires_it_back(client, broker, member):  # noqa: F811
    nid = member.member.national_id
    assert bankid(client, broker, pid=nid).status_code == 302
    first = broker.authorize_requests[-1]["nonce"]
    client.logout()
    assert bankid(client, broker, pid=nid).status_code == 302
    assert broker.authorize_requests[-1]["nonce"] != first
    assert len(first) >= 32


def test_a_token_without_the_nonce_is_refused(client, broker, member):  # noqa: F811
    nid = member.member.national_id
    broker.token_overrides = {"nonce": None}
    assert_refused(client, bankid(client, broker, pid=nid), NOT_THIS_SESSION, nid)


def test_a_replayed_nonce_is_refused(client, broker, member):  # noqa: F811
    # A token made for an earlier login (its nonce) is not accepted for a new one.
    nid = member.member.national_id
    assert bankid(client, broker, pid=nid).status_code == 302
    old_nonce = broker.authorize_requests[-1]["nonce"]
    client.logout()
    broker.token_overrides = {"nonce": old_nonce}
    assert_refused(client, bankid(client, broker, pid=nid), NOT_THIS_SESSION, nid)


def test_a_replayed_state_is_refused(client, broker, member):  # noqa: F811
    nid = member.member.national_id
    callback = authorize(client, broker, pid=nid)
    assert client.get(callback).status_code == 302
    client.logout()
    assert_refused(client, client.get(callback), USED_STATE, nid)


def test_a_state_from_another_browser_is_refused(client, broker, member):  # noqa: F811
    # Login CSRF: a callback started in the attacker's browser, opened in the victim's.
    nid = member.member.national_id
    callback = authorize(client, broker, pid=nid)
    victim = Client()
    assert_refused(victim, victim.get(callback), USED_STATE, nid)


def test_the_code_is_exchanged_with_the_pkce_verifier(client, broker, member):  # noqa: F811
    bankid(client, broker, pid=member.member.national_id)
    challenge = broker.authorize_requests[-1]
    assert challenge["code_challenge_method"] == "S256"
    verifier = broker.token_requests[-1]["code_verifier"]
    assert _s256(verifier) == challenge["code_challenge"]
    assert verifier not in str(challenge)  # only the hash travels through the browser


def test_the_broker_refuses_a_code_without_the_right_verifier(client, broker, member):  # noqa: F811
    # What PKCE protects: a stolen code is no use without the verifier in our session.
    callback = authorize(client, broker, pid=member.member.national_id)
    code = dict(p.split("=", 1) for p in urlsplit(callback).query.split("&"))["code"]
    connection = http.client.HTTPConnection("127.0.0.1", urlsplit(broker.url).port, timeout=10)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": broker.authorize_requests[-1]["redirect_uri"],
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code_verifier": "stolen-code-without-the-verifier-" + "x" * 20,
    }
    connection.request(
        "POST", "/token", urlencode(form), {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert connection.getresponse().status == 400
    connection.close()


def test_an_error_from_the_broker_is_explained_in_norwegian(client, broker, member):  # noqa: F811
    callback = authorize(client, broker, pid=member.member.national_id)
    state = dict(p.split("=", 1) for p in urlsplit(callback).query.split("&"))["state"]
    response = client.get(f"{urlsplit(callback).path}?error=server_error&state={state}")
    assert response.status_code == 403
    assert "BankID-innloggingen kunne ikke fullføres. Prøv igjen." in response.content.decode()


def test_an_abandoned_access_request_does_not_turn_the_next_login_into_one(
    client,
    broker,  # noqa: F811
    member,
):
    from django.urls import reverse

    # Started from the public request form, never finished at the broker …
    client.post(reverse("privacy:access_request_bankid"), {"process": "login"})
    client.post(LOGIN, {"process": "login"})
    # … then an ordinary BankID login: it logs in, and asks for nothing.
    response = bankid(client, broker, pid=member.member.national_id)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)
    assert not DataSubjectRequest.objects.exists()


def test_cancelling_at_the_broker_says_so_in_norwegian(client, broker, member):  # noqa: F811
    callback = authorize(client, broker, pid=member.member.national_id)
    state = dict(p.split("=", 1) for p in urlsplit(callback).query.split("&"))["state"]
    response = client.get(
        f"{urlsplit(callback).path}?error=access_denied&state={state}", follow=True
    )
    assert "Innlogging kansellert" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_level_comes_from_the_signed_id_token_not_from_userinfo(
    client,
    settings,
    broker,  # noqa: F811
    member,
):
    settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"][0]["settings"]["fetch_userinfo"] = (
        True
    )
    nid = member.member.national_id
    broker.userinfo = {"acr": HIGH, "nonce": "whatever"}
    response = bankid(client, broker, pid=nid, acr="idporten-loa-substantial", sub="person-1")
    assert_refused(client, response, LOW_LEVEL, nid)
    assert broker.userinfo_requests == 1
