"""Sending for real: e-mails to an SMTP server on 127.0.0.1, SMS to a local HTTP gateway,
the per-recipient record, resuming after a dead worker, scheduling and cancelling."""

import datetime as dt
import json
import logging
import time

import pytest
from django.utils import timezone
from werkzeug import Response

from members.messaging import delivery, services
from members.messaging.models import (
    Channel,
    DeliveryState,
    Message,
    MessageCategory,
    MessageRecipient,
    MessageStatus,
    Section,
)
from members.messaging.sms import OutgoingSms, PartnerError, SmsGatewayAdapter
from members.models import MemberStatus
from privacy import erasure

pytestmark = pytest.mark.django_db


def draft(user, **kwargs):
    data = {
        "subject": "Hei {fornavn}",
        "body": "Hei {fornavn}, medlemsnummer {medlemsnummer} i {klubb}.\nHilsen forbundet",
        "category": MessageCategory.INFORMATION,
        "send_email": True,
        "send_sms": False,
        "send_letter": False,
    }
    segment = kwargs.pop("segment", {})
    section = kwargs.pop("section", Section.REGISTER)
    data.update(kwargs)
    return services.message_create(by=user, section=section, data=data, segment=segment)


@pytest.fixture
def gateway(httpserver, settings):
    settings.PARTNERS = {
        **settings.PARTNERS,
        "sms": {"url": httpserver.url_for("/gw"), "token": "sms-token"},
    }
    return httpserver


def test_every_e_mail_reaches_the_smtp_server_once_with_one_click_unsubscribe(
    central_staff, people, mailbox, django_capture_on_commit_callbacks
):
    message = draft(central_staff)

    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(message=message, by=central_staff)

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    expected = {p.email for p in people.values() if p.allow_email and p.email}
    assert mailbox.recipients() == {address: 1 for address in expected}
    mail = next(m for m in mailbox.messages if str(m["To"]) == people["both"].email)
    assert str(mail["Subject"]) == f"Hei {people['both'].first_name}"
    header = str(mail["List-Unsubscribe"]).strip()
    assert header.startswith("<http://testserver/avmelding/")
    assert header.endswith("/ett-klikk/>")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = mail.get_content()
    assert f"medlemsnummer {people['both'].member_number}" in body
    assert "http://testserver/avmelding/" in body
    rows = MessageRecipient.objects.filter(message=message)
    assert rows.count() == len(expected)
    assert set(rows.values_list("state", flat=True)) == {DeliveryState.SENT}
    assert not rows.filter(sent_at__isnull=True).exists()


def test_a_notice_says_so_and_has_no_unsubscribe(central_staff, people, mailbox):
    message = draft(central_staff, category=MessageCategory.NOTICE)

    delivery.run_send(message_id=services.message_send(message=message, by=central_staff).pk)

    assert len(mailbox.messages) == len([p for p in people.values() if p.email])
    mail = mailbox.messages[0]
    assert mail["List-Unsubscribe"] is None
    assert "varsel" in mail.get_content()


def test_sms_goes_through_the_gateway_with_sender_token_and_idempotency_key(
    central_staff, people, gateway, mailbox
):
    gateway.expect_request("/gw/sms/send", method="POST").respond_with_json(
        {"messageId": "abc", "resultCode": 1005, "description": "Queued"}
    )
    message = draft(central_staff, send_email=False, send_sms=True, sms_text="Hei {fornavn}!")

    delivery.run_send(message_id=services.message_send(message=message, by=central_staff).pk)

    requests = [req for req, _resp in gateway.log]
    expected = {p.phone for p in people.values() if p.allow_sms and p.phone}
    assert {json.loads(r.data)["destination"] for r in requests} == expected
    assert len(requests) == len(expected)
    first = json.loads(requests[0].data)
    assert first["source"] == "IndEnergi"
    assert first["userData"].startswith("Hei ")
    assert requests[0].headers["Authorization"] == "Bearer sms-token"
    keys = {r.headers["Idempotency-Key"] for r in requests}
    assert len(keys) == len(requests)
    assert mailbox.messages == []
    assert set(message.recipients.values_list("state", flat=True)) == {DeliveryState.SENT}


def test_the_sms_adapter_raises_permanent_errors_for_rejections(gateway):
    gateway.expect_request("/gw/sms/send").respond_with_json({"resultCode": 2104}, status=200)
    with pytest.raises(PartnerError) as rejected:
        SmsGatewayAdapter().send(OutgoingSms(event_id="x-1", phone="+4791234567", text="Hei"))
    assert rejected.value.permanent
    assert "+4791234567" not in rejected.value.message

    gateway.clear()
    gateway.expect_request("/gw/sms/send").respond_with_response(Response("", status=503))
    with pytest.raises(PartnerError) as down:
        SmsGatewayAdapter().send(OutgoingSms(event_id="x-2", phone="+4791234567", text="Hei"))
    assert not down.value.permanent


def test_a_gateway_that_is_down_leaves_the_rows_waiting_for_a_later_try(
    central_staff, people, gateway
):
    gateway.expect_request("/gw/sms/send").respond_with_response(Response("", status=503))
    message = draft(central_staff, send_email=False, send_sms=True)

    outcome = delivery.run_send(
        message_id=services.message_send(message=message, by=central_staff).pk
    )

    assert outcome.stopped == "sms_unavailable"
    message.refresh_from_db()
    assert message.status == MessageStatus.SENDING
    assert not message.recipients.filter(state=DeliveryState.SENT).exists()
    assert (
        message.recipients.filter(state=DeliveryState.PENDING).count() == message.recipients.count()
    )

    gateway.clear()
    gateway.expect_request("/gw/sms/send").respond_with_json({"resultCode": 1005})
    delivery.run_send(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert len(gateway.log) == message.recipients.count()


def test_a_send_resumes_after_a_dead_worker_without_sending_anyone_twice(
    central_staff, people, mailbox, settings
):
    message = services.message_send(message=draft(central_staff), by=central_staff)
    Message.objects.filter(pk=message.pk).update(
        lease_owner="dead", lease_until=timezone.now() + dt.timedelta(minutes=5)
    )
    # The dead worker built the rows, sent the first two and had claimed the next batch.
    delivery.build_recipients(message, "dead")
    rows = list(message.recipients.order_by("pk"))
    sent_before = {rows[0].member.email, rows[1].member.email}
    for row in rows[:2]:
        delivery.get_connection().send_messages(
            [
                delivery.EmailTemplate.for_message(message).build(
                    {"pk": row.member_id, "first_name": "", "member_number": 1, "club__name": ""},
                    to=row.member.email,
                )
            ]
        )
    MessageRecipient.objects.filter(pk__in=[r.pk for r in rows[:2]]).update(
        state=DeliveryState.SENT, sent_at=timezone.now()
    )
    MessageRecipient.objects.filter(pk__in=[r.pk for r in rows[2:5]]).update(
        state=DeliveryState.CLAIMED
    )

    # While its lease runs, nobody else sends.
    assert delivery.run_send(message_id=message.pk).stopped == "leased"
    Message.objects.filter(pk=message.pk).update(
        lease_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert services.dispatch_due() == 1  # the sweep picks it up (eager: runs it now)

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    counts = mailbox.recipients()
    assert set(counts.values()) == {1}
    assert set(counts) == {r.member.email for r in rows}
    assert sent_before <= set(counts)


def test_the_rate_limit_spreads_the_sends(settings):
    limiter = delivery.RateLimiter(per_minute=120)  # two per one-second window
    started = time.monotonic()
    for _ in range(5):
        limiter.wait()
    assert time.monotonic() - started >= 1.0


def test_a_scheduled_message_waits_for_its_time_and_can_be_cancelled_before(
    central_staff, people, mailbox
):
    later = timezone.now() + dt.timedelta(hours=2)
    message = services.message_send(message=draft(central_staff), by=central_staff, at=later)
    assert message.status == MessageStatus.SCHEDULED

    services.dispatch_due()
    assert mailbox.messages == []
    assert not message.recipients.exists()

    services.message_cancel(message=message, by=central_staff)
    services.dispatch_due(now=later + dt.timedelta(minutes=1))
    message.refresh_from_db()
    assert message.status == MessageStatus.CANCELLED
    assert mailbox.messages == []


def test_a_scheduled_message_is_sent_when_its_time_comes(central_staff, people, mailbox):
    later = timezone.now() + dt.timedelta(hours=2)
    message = services.message_send(message=draft(central_staff), by=central_staff, at=later)

    services.dispatch_due(now=later + dt.timedelta(seconds=1))
    delivery.run_send(message_id=message.pk)  # the task queued by the sweep, again: no-op

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert set(mailbox.recipients().values()) == {1}


def test_a_started_send_cannot_be_cancelled(central_staff, people, mailbox):
    message = services.message_send(message=draft(central_staff), by=central_staff)
    delivery.run_send(message_id=message.pk)

    with pytest.raises(Exception, match="startet"):
        services.message_cancel(message=message, by=central_staff)


def test_a_test_send_goes_to_the_author_only(central_staff, people, mailbox):
    message = draft(central_staff)

    services.message_test_send(
        message=message,
        by=central_staff,
        member={
            "pk": people["both"].pk,
            "first_name": "Kari",
            "member_number": 5,
            "club__name": "",
        },
    )

    assert mailbox.recipients() == {central_staff.email: 1}
    assert str(mailbox.messages[0]["Subject"]) == "[TEST] Hei Kari"
    assert not MessageRecipient.objects.exists()


def test_an_officers_send_never_reaches_another_club(club_officer, people, mailbox):
    message = draft(club_officer, section=Section.KLUBB, send_sms=False, send_letter=True)

    delivery.run_send(message_id=services.message_send(message=message, by=club_officer).pk)

    reached = set(message.recipients.values_list("member_id", flat=True))
    assert people["other_club"].pk not in reached
    assert people["other_club_2"].pk not in reached
    assert people["other_club"].email not in mailbox.recipients()


def test_nothing_personal_or_the_text_is_logged(central_staff, people, mailbox, caplog):
    caplog.set_level(logging.DEBUG)
    message = draft(central_staff, body="Hemmelig tekst {fornavn}", send_sms=False)

    delivery.run_send(message_id=services.message_send(message=message, by=central_staff).pk)

    # Ours and Django's records; the test SMTP server's own debug log is not ours.
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail."))
    assert "Hemmelig" not in logged
    for person in people.values():
        assert not person.email or person.email not in logged
        assert not person.phone or person.phone not in logged


def test_letters_are_recorded_and_erasure_removes_a_members_rows(central_staff, people, mailbox):
    message = draft(central_staff, send_letter=True)
    delivery.run_send(message_id=services.message_send(message=message, by=central_staff).pk)
    letters = message.recipients.filter(channel=Channel.LETTER)
    # No e-mail for them: "neither", and "sms_only" (SMS is not a channel of this one).
    assert {r.member_id for r in letters} == {people["neither"].pk, people["sms_only"].pk}
    assert {r.state for r in letters} == {DeliveryState.SENT}

    gone = people["both"]
    gone.status = MemberStatus.RESIGNED
    gone.resigned_on = dt.date(2020, 1, 1)
    gone.save()
    record = erasure.erase_member(member=gone, reason="erasure_request")

    assert not MessageRecipient.objects.filter(member_id=gone.pk).exists()
    assert record.counts.get("members.messagerecipient") == 1
    assert Message.objects.filter(pk=message.pk).exists()  # the text stays, once


def test_a_member_who_turns_email_off_after_the_rows_are_built_is_not_sent_to(
    central_staff, people, mailbox
):
    message = services.message_send(message=draft(central_staff), by=central_staff)
    Message.objects.filter(pk=message.pk).update(lease_owner="w", lease_until=timezone.now())
    delivery.build_recipients(message, "w")
    delivery.release_lease(message.pk, "w")
    changed_mind = people["both"]
    assert message.recipients.filter(member=changed_mind).exists()
    changed_mind.allow_email = False
    changed_mind.save()

    outcome = delivery.run_send(message_id=message.pk)

    assert outcome.withdrawn == 1
    assert changed_mind.email not in mailbox.recipients()
    assert not message.recipients.filter(member=changed_mind).exists()  # nothing was sent
    assert set(mailbox.recipients().values()) == {1}
    assert len(mailbox.messages) == message.recipients.count()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


@pytest.fixture
def slow_sends(monkeypatch, settings):
    """Every send waits 0.2 s for the rate limit; `during(n, f)` runs f before send n."""
    settings.MESSAGING_BATCH_SIZE = 50
    settings.MESSAGING_LEASE_SECONDS = 0.5
    hooks = {}
    calls = {"n": 0}

    def wait(self):
        calls["n"] += 1
        if calls["n"] in hooks:
            hooks[calls["n"]]()
        time.sleep(0.2)

    monkeypatch.setattr(delivery.RateLimiter, "wait", wait)
    return hooks


def test_a_batch_longer_than_the_lease_keeps_the_lease(central_staff, people, mailbox, slow_sends):
    message = services.message_send(message=draft(central_staff), by=central_staff)
    taken = []
    # Five sends in, 0.8 s have passed: more than the lease, all in one batch.
    slow_sends[5] = lambda: taken.append(delivery.take_lease(message.pk, "another worker"))

    delivery.run_send(message_id=message.pk)

    assert taken == [False]
    assert set(mailbox.recipients().values()) == {1}


def test_a_worker_that_lost_its_lease_stops_before_the_next_row(
    central_staff, people, mailbox, slow_sends
):
    message = services.message_send(message=draft(central_staff), by=central_staff)

    def taken_over():
        Message.objects.filter(pk=message.pk).update(
            lease_owner="another worker", lease_until=timezone.now() + dt.timedelta(minutes=5)
        )

    slow_sends[2] = taken_over

    outcome = delivery.run_send(message_id=message.pk)

    assert outcome.stopped == "lease_lost"
    # Renewed every third of the (half-second) lease: at most two more rows went out.
    assert 2 <= outcome.sent <= 4
    assert len(mailbox.messages) == outcome.sent


def test_a_slice_ends_between_rows_not_only_between_batches(
    central_staff, people, mailbox, slow_sends, monkeypatch
):
    message = services.message_send(message=draft(central_staff), by=central_staff)
    queued = []
    monkeypatch.setattr(
        delivery, "enqueue_send", lambda message_id, **kw: queued.append(message_id)
    )

    first = delivery.run_send(message_id=message.pk, slice_seconds=0.3)

    assert first.stopped == "slice"
    assert 1 <= first.sent <= 3
    assert queued == [message.pk]  # the next slice is queued
    assert not message.recipients.filter(state=DeliveryState.CLAIMED).exists()
    rest = delivery.run_send(message_id=message.pk, slice_seconds=60)
    assert rest.sent + first.sent == message.recipients.count()
    assert set(mailbox.recipients().values()) == {1}


def test_the_unsubscribe_links_of_a_test_send_do_nothing(central_staff, people, mailbox):
    from django.test import Client

    person = people["both"]
    services.message_test_send(
        message=draft(central_staff),
        by=central_staff,
        member={"pk": person.pk, "first_name": "Kari", "member_number": 5, "club__name": ""},
    )
    mail = mailbox.messages[0]
    one_click = str(mail["List-Unsubscribe"]).strip().strip("<>").replace("http://testserver", "")

    assert Client().post(one_click).status_code == 400
    person.refresh_from_db()
    assert person.allow_email is True


def test_a_letter_too_long_for_one_page_is_refused(central_staff):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="for lang til brev"):
        draft(central_staff, send_letter=True, body="Linje\n" * 60)
    assert draft(central_staff, send_letter=False, body="Linje\n" * 60).pk  # e-mail only: fine
