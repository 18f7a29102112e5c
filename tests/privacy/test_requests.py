"""Requests from members: deadlines, the service contract, e-mails, and the staff pages."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from privacy import services
from privacy.models import (
    DataSubjectRequest,
    RequestChannel,
    RequestKind,
    RequestStatus,
    one_month_after,
)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (dt.date(2025, 1, 31), dt.date(2025, 2, 28)),
        (dt.date(2024, 1, 31), dt.date(2024, 2, 29)),
        (dt.date(2025, 1, 15), dt.date(2025, 2, 15)),
        (dt.date(2025, 3, 31), dt.date(2025, 4, 30)),
        (dt.date(2025, 12, 31), dt.date(2026, 1, 31)),
    ],
)
def test_the_deadline_is_one_calendar_month_clamped_to_the_month_end(received, due):
    assert one_month_after(received) == due


@pytest.fixture
def the_member(member):
    return member.member


def test_creating_a_request_sets_the_deadline_and_emails_a_receipt(
    the_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dsr = services.request_create(
            member=the_member, kind=RequestKind.ACCESS, channel=RequestChannel.MIN_SIDE
        )
    assert dsr.pk
    assert dsr.member_number == the_member.member_number
    assert dsr.status == RequestStatus.RECEIVED
    assert dsr.due_on == one_month_after(dsr.received_on)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [the_member.email]
    assert "mottatt" in mail.outbox[0].subject.lower()
    assert dsr.due_on.strftime("%Y") in mail.outbox[0].body


def test_a_request_that_rolls_back_sends_no_email(the_member, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                services.request_create(
                    member=the_member, kind=RequestKind.ERASURE, channel=RequestChannel.EMAIL
                )
                raise RuntimeError("boom")
    assert mail.outbox == []
    assert not DataSubjectRequest.objects.exists()


def test_completing_a_request_emails_the_member(
    the_member, central_staff, django_capture_on_commit_callbacks
):
    dsr = services.request_create(
        member=the_member, kind=RequestKind.OBJECTION, channel=RequestChannel.LETTER
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.request_complete(request=dsr, by=central_staff, note="Tatt til følge")
    dsr.refresh_from_db()
    assert dsr.status == RequestStatus.COMPLETED
    assert dsr.completed_at is not None
    assert "Tatt til følge" in dsr.notes
    assert len(mail.outbox) == 1
    assert "behandlet" in mail.outbox[0].subject


def test_a_closed_request_cannot_be_completed_twice(the_member, central_staff):
    dsr = services.request_create(
        member=the_member, kind=RequestKind.OBJECTION, channel=RequestChannel.LETTER
    )
    services.request_complete(request=dsr, by=central_staff)
    with pytest.raises(ValidationError):
        services.request_complete(request=dsr, by=central_staff)


def test_rejecting_needs_a_reason(the_member, central_staff):
    dsr = services.request_create(
        member=the_member, kind=RequestKind.OBJECTION, channel=RequestChannel.LETTER
    )
    with pytest.raises(ValidationError):
        services.request_complete(request=dsr, by=central_staff, rejected=True)


def test_approving_erasure_marks_it_for_the_purge_job(the_member, central_staff):
    dsr = services.request_create(
        member=the_member, kind=RequestKind.ERASURE, channel=RequestChannel.MIN_SIDE
    )
    services.request_approve_erasure(request=dsr, by=central_staff)
    dsr.refresh_from_db()
    assert dsr.status == RequestStatus.APPROVED


def test_only_erasure_requests_can_be_approved_for_erasure(the_member, central_staff):
    dsr = services.request_create(
        member=the_member, kind=RequestKind.ACCESS, channel=RequestChannel.MIN_SIDE
    )
    with pytest.raises(ValidationError):
        services.request_approve_erasure(request=dsr, by=central_staff)


def test_assigning_moves_a_new_request_into_progress_and_notes_it(the_member, central_staff):
    dsr = services.request_create(
        member=the_member, kind=RequestKind.ACCESS, channel=RequestChannel.PHONE
    )
    services.request_assign(request=dsr, to=central_staff, by=central_staff)
    services.request_add_note(request=dsr, text="Ringte medlemmet", by=central_staff)
    dsr.refresh_from_db()
    assert dsr.assigned_to == central_staff
    assert dsr.status == RequestStatus.IN_PROGRESS
    assert "Ringte medlemmet" in dsr.notes


def test_corrections_from_the_payload_are_limited_to_correctable_fields():
    payload = {"changes": {"street": "Storgata 1", "national_id": "01010112345", "x": 1}}
    assert services.correction_from_payload(payload) == {"street": "Storgata 1"}
    assert services.correction_from_payload({"city": "Bergen"}) == {"city": "Bergen"}
    assert services.correction_from_payload(None) == {}
