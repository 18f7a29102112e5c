"""The disclosure outbox: who gets which event with which fields, written in the
caller's transaction, and delivered in order, with backoff, dead letters and retries."""

import datetime as dt
import json
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from werkzeug import Response

from clubs.models import PositionTitle
from members.models import MagazineChoice, MemberStatus, Order, Product, ProductKind
from privacy import outbox
from privacy.models import (
    Disclosure,
    DisclosureEvent,
    DisclosureStatus,
    Recipient,
    RecipientRole,
    RecipientRule,
)
from privacy.partners import ADAPTERS
from privacy.partners.mailchimp import subscriber_hash
from tests.factories import MemberFactory, PositionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def recipients():
    return Recipient.objects.in_bulk(field_name="slug")


@pytest.fixture
def partners(settings, httpserver):
    """Every partner is a path on one local HTTP server that accepts everything."""
    settings.PARTNERS = {
        slug: {"url": httpserver.url_for(f"/{slug}"), "token": "t"} for slug in ADAPTERS
    }
    settings.DISCLOSURE_BACKOFF_SECONDS = 0
    return httpserver


def accept_all(httpserver, *, status=200):
    httpserver.clear_all_handlers()
    httpserver.expect_request(re.compile(".*")).respond_with_data("{}", status=status)


def slugs(rows):
    return sorted(row.recipient.slug for row in rows)


def queue(member, event="updated", changed=None):
    with transaction.atomic():
        return outbox.queue_member_event(member=member, event=event, changed_fields=changed)


@pytest.fixture
def ola():
    return MemberFactory(
        first_name="Ola",
        last_name="Nordmann",
        email="ola@example.no",
        allow_email=True,
        newsletter=False,
        magazine=MagazineChoice.PAPER,
        surveys=False,
        benefits_marketing_reserved=False,
    )


def test_the_migration_creates_the_seven_recipients_of_the_privacy_notice(recipients):
    assert set(recipients) == set(ADAPTERS)
    mailchimp = recipients["mailchimp"]
    assert mailchimp.role == RecipientRole.PROCESSOR
    assert mailchimp.rule == RecipientRule.EMAIL_CONSENT
    assert "email" in mailchimp.fields
    assert recipients["training"].rule == RecipientRule.NEW_CLUB_OFFICERS
    for recipient in recipients.values():
        assert recipient.purpose_nb and recipient.purpose_en
        assert recipient.legal_basis_nb and recipient.legal_basis_en
        assert "national_id" not in recipient.fields
        assert "bank_account" not in recipient.fields
        assert set(recipient.fields) <= outbox.MEMBER_FIELDS | outbox.POSITION_FIELDS


def test_a_new_member_goes_to_every_recipient_whose_rule_admits_them(ola):
    rows = queue(ola, "created")

    assert slugs(rows) == ["lo", "lofavor", "mailchimp", "sparebank1"]
    assert {row.event for row in rows} == {DisclosureEvent.CREATED}
    assert all(row.status == DisclosureStatus.PENDING for row in rows)


def test_each_row_holds_only_that_recipients_fields(ola, recipients):
    rows = {row.recipient.slug: row for row in queue(ola, "created")}

    mailchimp = rows["mailchimp"]
    assert set(mailchimp.payload) == set(recipients["mailchimp"].fields) | {
        "eligible",
        "subscriber_hash",
    }
    assert mailchimp.payload["email"] == "ola@example.no"
    assert mailchimp.payload["subscriber_hash"] == subscriber_hash("ola@example.no")
    assert mailchimp.fields == sorted(recipients["mailchimp"].fields)
    lo = rows["lo"]
    assert set(lo.payload) == set(recipients["lo"].fields) | {"eligible"}
    assert lo.payload["branch"] == ola.branch.number
    assert lo.payload["employer"] == ola.employer.org_number
    for row in rows.values():
        text = json.dumps(row.payload)
        assert ola.national_id not in text
        assert ola.bank_account not in text


def test_a_change_goes_only_to_recipients_that_receive_the_field(ola):
    queue(ola, "created")
    ola.phone = "+4791234567"

    rows = queue(ola, "updated", {"phone"})

    assert slugs(rows) == ["lofavor", "sparebank1"]
    assert rows[0].payload["phone"] == "+4791234567"


def test_a_change_of_a_field_nobody_receives_writes_nothing(ola):
    queue(ola, "created")

    assert queue(ola, "updated", {"national_id", "bank_account", "allow_sms"}) == []


def test_withdrawing_email_consent_unsubscribes_the_member_at_mailchimp(ola):
    queue(ola, "created")
    ola.allow_email = False

    rows = queue(ola, "updated", {"allow_email"})

    assert slugs(rows) == ["mailchimp"]
    assert rows[0].event == DisclosureEvent.UPDATED
    assert rows[0].payload["eligible"] is False
    ola.first_name = "Ole"
    assert "mailchimp" not in slugs(queue(ola, "updated", {"first_name"}))


def test_consent_given_later_creates_the_member_at_the_partner(ola):
    queue(ola, "created")
    ola.surveys = True

    rows = queue(ola, "updated", {"surveys"})

    assert slugs(rows) == ["enalyzer"]
    assert rows[0].event == DisclosureEvent.CREATED
    assert rows[0].payload["eligible"] is True


def test_the_digital_magazine_or_the_newsletter_admits_a_member_to_lo_media(ola):
    ola.magazine = MagazineChoice.DIGITAL
    assert "lomedia" in slugs(queue(ola, "created"))
    other = MemberFactory(newsletter=True)
    assert "lomedia" in slugs(queue(other, "created"))


def test_a_member_reserved_against_benefits_marketing_is_not_sent_to_lofavor():
    reserved = MemberFactory(benefits_marketing_reserved=True)

    assert "lofavor" not in slugs(queue(reserved, "created"))


def test_a_resignation_tells_every_recipient_that_had_the_member(ola):
    queue(ola, "created")
    ola.status = MemberStatus.RESIGNED
    ola.resigned_on = dt.date(2025, 6, 30)

    rows = queue(ola, "resigned", {"status", "resigned_on"})

    assert slugs(rows) == ["lo", "lofavor", "mailchimp", "sparebank1"]
    assert {row.event for row in rows} == {DisclosureEvent.RESIGNED}
    assert all(row.payload["eligible"] is False for row in rows)
    lo = next(row for row in rows if row.recipient.slug == "lo")
    assert lo.payload["resigned_on"] == "2025-06-30"


def test_a_rejoined_member_is_created_again(ola):
    queue(ola, "created")
    ola.status, ola.resigned_on = MemberStatus.RESIGNED, dt.date(2025, 6, 30)
    queue(ola, "resigned", {"status", "resigned_on"})
    ola.status, ola.resigned_on = MemberStatus.ACTIVE, None

    rows = queue(ola, "updated", {"status", "resigned_on"})

    assert slugs(rows) == ["lo", "lofavor", "mailchimp", "sparebank1"]
    assert {row.event for row in rows} == {DisclosureEvent.CREATED}


def test_a_changed_email_is_sent_to_mailchimp_under_the_old_subscriber_hash(ola):
    queue(ola, "created")
    ola.email = "ola.ny@example.no"

    rows = {row.recipient.slug: row for row in queue(ola, "updated", {"email"})}

    assert rows["mailchimp"].payload["email"] == "ola.ny@example.no"
    assert rows["mailchimp"].payload["subscriber_hash"] == subscriber_hash("ola@example.no")


def test_a_new_club_position_goes_to_the_training_platform(ola):
    position = PositionFactory(member=ola, club=ola.club, title=PositionTitle.VERNEOMBUD)

    with transaction.atomic():
        rows = outbox.queue_position_event(position=position, event="created")

    assert slugs(rows) == ["training"]
    assert rows[0].event == DisclosureEvent.CREATED
    assert rows[0].payload["position"] == "verneombud"
    assert rows[0].payload["club"] == ola.club.name
    assert rows[0].payload["position_started_on"] == "2024-01-01"


def test_a_branch_level_position_is_not_sent_to_the_training_platform(ola):
    position = PositionFactory(member=ola, club=None, branch=ola.branch)

    with transaction.atomic():
        assert outbox.queue_position_event(position=position, event="created") == []


def test_a_product_order_goes_to_the_products_partner(ola, recipients):
    product = Product.objects.create(
        name="Reiseforsikring", kind=ProductKind.INSURANCE, partner=recipients["sparebank1"]
    )
    order = Order.objects.create(member=ola, product=product)

    with transaction.atomic():
        rows = outbox.queue_order_event(order=order, event="created")

    assert slugs(rows) == ["sparebank1"]
    assert rows[0].payload["order"]["product"] == "Reiseforsikring"
    assert rows[0].payload["order"]["id"] == order.pk
    assert rows[0].payload["eligible"] is True


def test_the_rows_are_written_in_the_callers_transaction(ola):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.queue_member_event(member=ola, event="created")
        raise RuntimeError("the change failed")

    assert not Disclosure.objects.exists()


def test_delivery_is_enqueued_only_after_commit(ola, partners, django_capture_on_commit_callbacks):
    accept_all(partners)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue(ola, "created")
        assert Disclosure.objects.filter(status=DisclosureStatus.PENDING).count() == 4
    assert len(callbacks) == 1

    callbacks[0]()

    assert Disclosure.objects.filter(status=DisclosureStatus.SENT).count() == 4
    assert len(partners.log) == 4


def test_a_broker_that_is_down_does_not_break_the_write(
    ola, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from privacy.tasks import deliver_disclosures

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(deliver_disclosures, "apply_async", broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        rows = queue(ola, "created")

    assert len(rows) == 4
    assert Disclosure.objects.filter(status=DisclosureStatus.PENDING).count() == 4


def test_a_partner_failing_twice_gets_the_event_once_under_one_idempotency_key(ola, partners):
    row = next(r for r in queue(ola, "created") if r.recipient.slug == "lo")
    seen = []

    def flaky(request):
        seen.append(request.headers["Idempotency-Key"])
        return Response("{}", status=500 if len(seen) <= 2 else 200)

    partners.clear_all_handlers()
    partners.expect_request(f"/lo/forbund/medlemmer/{ola.member_number}").respond_with_handler(
        flaky
    )

    for _ in range(4):
        outbox.deliver_due(ids=[row.pk])

    row.refresh_from_db()
    assert row.status == DisclosureStatus.SENT
    assert row.attempts == 3
    assert seen == [str(row.event_id)] * 3
    assert row.sent_at is not None
    assert row.last_error == ""


def test_events_of_one_member_reach_a_partner_in_the_order_they_happened(ola, partners):
    first = next(r for r in queue(ola, "created") if r.recipient.slug == "sparebank1")
    ola.phone = "+4790000001"
    second = next(r for r in queue(ola, "updated", {"phone"}) if r.recipient.slug == "sparebank1")
    order = []

    def first_fails_once(request):
        key = request.headers["Idempotency-Key"]
        order.append(key)
        if key == str(first.event_id) and order.count(key) == 1:
            return Response("{}", status=503)
        return Response("{}", status=200)

    partners.clear_all_handlers()
    partners.expect_request(
        f"/sparebank1/insured-members/{ola.member_number}"
    ).respond_with_handler(first_fails_once)

    result = outbox.deliver_due(ids=[first.pk, second.pk])
    assert result.failed == [first.pk]
    assert result.blocked == [second.pk]
    outbox.deliver_due(ids=[first.pk, second.pk])

    assert order == [str(first.event_id), str(first.event_id), str(second.event_id)]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.sent_at <= second.sent_at


def test_failures_back_off_exponentially_with_jitter(settings):
    settings.DISCLOSURE_BACKOFF_SECONDS = 30
    for attempts in range(1, 8):
        delay = outbox.backoff_seconds(attempts)
        full = 30 * 2 ** (attempts - 1)
        assert full / 2 <= delay <= full
    assert len({outbox.backoff_seconds(3) for _ in range(20)}) > 1


def test_a_failed_row_waits_for_its_next_attempt(ola, partners, settings):
    settings.DISCLOSURE_BACKOFF_SECONDS = 60
    accept_all(partners, status=503)
    row = next(r for r in queue(ola, "created") if r.recipient.slug == "lo")

    outbox.deliver_due(ids=[row.pk])
    outbox.deliver_due(ids=[row.pk])

    row.refresh_from_db()
    assert row.status == DisclosureStatus.FAILED
    assert row.attempts == 1
    assert row.next_attempt_at > timezone.now() + dt.timedelta(seconds=29)
    assert "503" in row.last_error


def test_a_row_is_dead_after_the_last_attempt_and_staff_can_retry_it(ola, partners, settings):
    settings.DISCLOSURE_MAX_ATTEMPTS = 3
    settings.PARTNER_BREAKER_FAILURES = 10  # the circuit stays closed for the retry
    accept_all(partners, status=500)
    row = next(r for r in queue(ola, "created") if r.recipient.slug == "lo")

    for _ in range(5):
        outbox.deliver_due(ids=[row.pk])
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DisclosureStatus.DEAD, 3)

    accept_all(partners)
    with transaction.atomic():
        assert outbox.retry_disclosures([row.pk]) == 1
    outbox.deliver_due(ids=[row.pk])

    row.refresh_from_db()
    assert row.status == DisclosureStatus.SENT


def test_a_rejected_event_is_dead_at_once(ola, partners):
    accept_all(partners, status=422)
    row = next(r for r in queue(ola, "created") if r.recipient.slug == "lo")

    outbox.deliver_due(ids=[row.pk])

    row.refresh_from_db()
    assert (row.status, row.attempts) == (DisclosureStatus.DEAD, 1)


def test_a_dead_event_holds_back_the_members_later_events(ola, partners):
    accept_all(partners, status=422)
    first = next(r for r in queue(ola, "created") if r.recipient.slug == "lo")
    outbox.deliver_due(ids=[first.pk])
    accept_all(partners)
    ola.city = "Bergen"
    second = next(r for r in queue(ola, "updated", {"city"}) if r.recipient.slug == "lo")

    result = outbox.deliver_due(ids=[second.pk])

    assert result.blocked == [second.pk]
    second.refresh_from_db()
    assert second.status == DisclosureStatus.PENDING


def test_the_sweep_delivers_everything_due(ola, partners):
    accept_all(partners)
    queue(ola, "created")
    other = MemberFactory()
    queue(other, "created")

    result = outbox.deliver_due()

    assert len(result.sent) == 8
    assert not Disclosure.objects.exclude(status=DisclosureStatus.SENT).exists()


def test_sent_rows_stay_as_the_log_of_what_was_shared(ola, partners):
    accept_all(partners)
    queue(ola, "created")
    outbox.deliver_due()

    log = Disclosure.objects.filter(member=ola, status=DisclosureStatus.SENT)
    assert log.count() == 4
    assert all(row.payload["first_name"] == "Ola" for row in log)


def test_sync_partner_sends_every_eligible_member_once(partners):
    accept_all(partners)
    MemberFactory.create_batch(5, allow_email=True)
    MemberFactory(allow_email=False)
    MemberFactory(status=MemberStatus.RESIGNED, resigned_on=dt.date(2024, 1, 1))

    call_command("sync_partner", "mailchimp", "--batch-size", "2")
    call_command("sync_partner", "mailchimp")

    rows = Disclosure.objects.filter(recipient__slug="mailchimp")
    assert rows.count() == 5
    assert set(rows.values_list("status", flat=True)) == {DisclosureStatus.SENT}
    assert len(partners.log) == 5


def test_the_admin_retry_action_requeues_dead_events(ola, partners, admin_user, client_for):
    accept_all(partners, status=422)
    queue(ola, "created")
    outbox.deliver_due()
    dead = list(
        Disclosure.objects.filter(status=DisclosureStatus.DEAD).values_list("pk", flat=True)
    )
    assert len(dead) == 4
    accept_all(partners)
    client = client_for(admin_user)

    response = client.post(
        reverse("admin:privacy_disclosure_changelist"),
        {"action": "retry", "_selected_action": dead},
        follow=True,
    )

    assert response.status_code == 200
    assert set(Disclosure.objects.values_list("status", flat=True)) == {DisclosureStatus.PENDING}


def test_the_delivery_task_without_ids_is_the_sweep(ola, partners):
    from privacy.tasks import deliver_disclosures

    accept_all(partners)
    queue(ola, "created")

    assert deliver_disclosures.delay().get() == {"sent": 4, "failed": 0, "dead": 0, "blocked": 0}
    assert deliver_disclosures.delay().get() == {"sent": 0, "failed": 0, "dead": 0, "blocked": 0}


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:privacy_disclosure_changelist",
        "admin:privacy_recipient_changelist",
        "admin:privacy_erasurerecord_changelist",
    ],
)
def test_staff_see_recipients_the_outbox_and_erasure_records_in_admin(
    ola, admin_user, client_for, url_name
):
    queue(ola, "created")

    response = client_for(admin_user).get(reverse(url_name))

    assert response.status_code == 200
