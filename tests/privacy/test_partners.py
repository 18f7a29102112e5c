"""Partner adapters against a real HTTP server on 127.0.0.1: the request each partner
gets, the idempotency key, and how answers become retryable or permanent errors."""

import base64
import hashlib
import json

import pytest
from werkzeug import Response

from privacy.models import Disclosure, Recipient
from privacy.partners import ADAPTERS, PartnerError, get_adapter
from privacy.partners.mailchimp import subscriber_hash


@pytest.fixture
def partners(settings, httpserver):
    settings.PARTNERS = {
        slug: {"url": httpserver.url_for(f"/{slug}"), "token": f"token-{slug}"} for slug in ADAPTERS
    }
    return httpserver


def disclosure(slug, event="updated", **payload):
    payload.setdefault("member_number", 100123)
    return Disclosure(
        recipient=Recipient(slug=slug, name=slug),
        member_number=payload["member_number"],
        event=event,
        payload=payload,
    )


def test_every_recipient_of_the_privacy_notice_has_an_adapter():
    assert set(ADAPTERS) == {
        "sparebank1",
        "lofavor",
        "lo",
        "mailchimp",
        "lomedia",
        "enalyzer",
        "training",
    }


def test_the_subscriber_hash_is_the_md5_of_the_lowercased_address():
    assert (
        subscriber_hash(" Ola.Nordmann@Example.NO ")
        == hashlib.md5(b"ola.nordmann@example.no").hexdigest()
    )


def test_mailchimp_upserts_the_list_member_by_subscriber_hash(partners):
    row = disclosure(
        "mailchimp",
        email="kari@example.no",
        first_name="Kari",
        last_name="Nordmann",
        branch=7,
        eligible=True,
        subscriber_hash=subscriber_hash("kari@example.no"),
    )
    expected_auth = "Basic " + base64.b64encode(b"medlemsportal:token-mailchimp").decode()
    partners.expect_oneshot_request(
        f"/mailchimp/members/{subscriber_hash('kari@example.no')}",
        method="PUT",
        headers={"Idempotency-Key": str(row.event_id), "Authorization": expected_auth},
    ).respond_with_json({"id": "x"})

    get_adapter("mailchimp").send(row)

    partners.check_assertions()
    body = json.loads(partners.log[-1][0].data)
    assert body == {
        "email_address": "kari@example.no",
        "status_if_new": "subscribed",
        "status": "subscribed",
        "merge_fields": {"FNAME": "Kari", "LNAME": "Nordmann", "MEMBERNO": 100123, "BRANCH": 7},
    }


def test_mailchimp_unsubscribes_a_member_who_withdrew_consent(partners):
    row = disclosure("mailchimp", email="kari@example.no", eligible=False)
    partners.expect_oneshot_request(
        f"/mailchimp/members/{subscriber_hash('kari@example.no')}", method="PUT"
    ).respond_with_json({})

    get_adapter("mailchimp").send(row)

    body = json.loads(partners.log[-1][0].data)
    assert body["status"] == "unsubscribed"
    assert body["status_if_new"] == "unsubscribed"


def test_mailchimp_updates_a_changed_address_under_the_hash_it_already_knows(partners):
    old = subscriber_hash("old@example.no")
    row = disclosure("mailchimp", email="new@example.no", eligible=True, subscriber_hash=old)
    partners.expect_oneshot_request(f"/mailchimp/members/{old}", method="PUT").respond_with_json({})

    get_adapter("mailchimp").send(row)

    partners.check_assertions()
    assert json.loads(partners.log[-1][0].data)["email_address"] == "new@example.no"


def test_mailchimp_erasure_deletes_the_member_permanently(partners):
    member_hash = subscriber_hash("kari@example.no")
    row = disclosure("mailchimp", event="erased", subscriber_hash=member_hash)
    partners.expect_oneshot_request(
        f"/mailchimp/members/{member_hash}/actions/delete-permanent", method="POST"
    ).respond_with_data("", status=204)

    get_adapter("mailchimp").send(row)

    partners.check_assertions()


def test_an_erasure_the_partner_does_not_know_counts_as_done(partners):
    member_hash = subscriber_hash("gone@example.no")
    partners.expect_request(
        f"/mailchimp/members/{member_hash}/actions/delete-permanent", method="POST"
    ).respond_with_json({"status": 404}, status=404)
    partners.expect_request("/lo/forbund/medlemmer/100123", method="DELETE").respond_with_data(
        "", status=404
    )

    get_adapter("mailchimp").send(disclosure("mailchimp", "erased", subscriber_hash=member_hash))
    get_adapter("lo").send(disclosure("lo", "erased"))


@pytest.mark.parametrize(
    ("slug", "path", "their_name"),
    [
        ("sparebank1", "/sparebank1/insured-members/100123", "firstName"),
        ("lofavor", "/lofavor/medlemmer/100123", "fornavn"),
        ("lo", "/lo/forbund/medlemmer/100123", "fornavn"),
        ("lomedia", "/lomedia/subscribers/100123", "firstName"),
        ("enalyzer", "/enalyzer/respondents/100123", "firstName"),
        ("training", "/training/participants/100123", "firstName"),
    ],
)
def test_each_partner_gets_its_own_field_names_with_an_idempotency_key(
    partners, slug, path, their_name
):
    row = disclosure(slug, first_name="Kari", eligible=True)
    partners.expect_oneshot_request(
        path,
        method="PUT",
        headers={"Idempotency-Key": str(row.event_id), "Authorization": f"Bearer token-{slug}"},
    ).respond_with_json({})

    get_adapter(slug).send(row)

    partners.check_assertions()
    body = json.loads(partners.log[-1][0].data)
    assert body[their_name] == "Kari"
    assert body["event_id"] == str(row.event_id)
    assert body["active"] is True
    assert "first_name" not in body


def test_a_partner_gets_only_the_fields_in_the_payload(partners):
    row = disclosure("sparebank1", first_name="Kari", eligible=True)
    partners.expect_oneshot_request(
        "/sparebank1/insured-members/100123", method="PUT"
    ).respond_with_json({})

    get_adapter("sparebank1").send(row)

    body = json.loads(partners.log[-1][0].data)
    assert "lastName" not in body
    assert "email" not in body


@pytest.mark.parametrize("status", [500, 502, 503, 429, 408])
def test_server_errors_and_throttling_are_retried(partners, status):
    partners.expect_request("/lo/forbund/medlemmer/100123").respond_with_data("", status=status)

    with pytest.raises(PartnerError) as error:
        get_adapter("lo").send(disclosure("lo", first_name="Kari"))

    assert error.value.permanent is False
    assert str(status) in error.value.message


@pytest.mark.parametrize("status", [400, 401, 403, 422])
def test_a_rejected_request_is_a_permanent_error(partners, status):
    partners.expect_request("/lo/forbund/medlemmer/100123").respond_with_data("", status=status)

    with pytest.raises(PartnerError) as error:
        get_adapter("lo").send(disclosure("lo", first_name="Kari"))

    assert error.value.permanent is True


def test_error_messages_never_repeat_what_the_partner_answered(partners):
    partners.expect_request("/lo/forbund/medlemmer/100123").respond_with_response(
        Response("invalid member Kari Nordmann 01017012345", status=400)
    )

    with pytest.raises(PartnerError) as error:
        get_adapter("lo").send(disclosure("lo", first_name="Kari"))

    assert "Kari" not in error.value.message
    assert "01017012345" not in error.value.message


def test_an_unreachable_partner_is_a_temporary_error(settings):
    settings.PARTNERS = {"lo": {"url": "http://127.0.0.1:9/", "token": ""}}

    with pytest.raises(PartnerError) as error:
        get_adapter("lo").send(disclosure("lo", first_name="Kari"))

    assert error.value.permanent is False


def test_a_partner_without_a_configured_url_waits_instead_of_failing_for_good(settings):
    settings.PARTNERS = {}

    with pytest.raises(PartnerError) as error:
        get_adapter("enalyzer").send(disclosure("enalyzer"))

    assert error.value.permanent is False
    assert "PARTNER_ENALYZER_URL" in error.value.message


def test_only_http_urls_are_accepted(settings):
    settings.PARTNERS = {"lo": {"url": "file:///etc/passwd", "token": ""}}

    with pytest.raises(PartnerError):
        get_adapter("lo").send(disclosure("lo"))


def test_a_product_partner_without_its_own_module_gets_orders_under_our_names(settings, partners):
    settings.PARTNERS = {"tryg": {"url": partners.url_for("/tryg"), "token": ""}}
    row = disclosure(
        "tryg",
        "created",
        first_name="Kari",
        eligible=True,
        order={"id": 42, "product": "Reiseforsikring", "status": "pending"},
    )
    partners.expect_oneshot_request("/tryg/orders/42", method="PUT").respond_with_json({})

    get_adapter("tryg").send(row)

    partners.check_assertions()
    body = json.loads(partners.log[-1][0].data)
    assert body["first_name"] == "Kari"
    assert body["order"]["product"] == "Reiseforsikring"
