"""Requests from members: deadlines, the service contract, e-mails, and the staff pages."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from privacy import services
from privacy.models import (
    AccessLog,
    DataSubjectRequest,
    RequestChannel,
    RequestKind,
    RequestStatus,
    one_month_after,
)
from tests.factories import MemberFactory


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


# --- Staff pages ---------------------------------------------------------------------


@pytest.fixture
def open_request(the_member):
    return services.request_create(
        member=the_member,
        kind=RequestKind.ACCESS,
        channel=RequestChannel.MIN_SIDE,
        details="Vil se alt",
    )


def _urls(dsr):
    return [
        ("get", reverse("privacy:requests")),
        ("get", reverse("privacy:request_new")),
        ("get", reverse("privacy:request_detail", args=[dsr.pk])),
        ("get", reverse("privacy:request_access_report", args=[dsr.pk])),
        ("post", reverse("privacy:request_assign", args=[dsr.pk])),
        ("post", reverse("privacy:request_note", args=[dsr.pk])),
        ("post", reverse("privacy:request_approve_erasure", args=[dsr.pk])),
        ("post", reverse("privacy:request_apply_correction", args=[dsr.pk])),
        ("post", reverse("privacy:request_complete", args=[dsr.pk])),
    ]


@pytest.mark.parametrize("name", ["member", "club_officer", "branch_officer"])
def test_request_pages_are_not_found_for_members_and_officers(
    request, client_for, open_request, name
):
    client = client_for(request.getfixturevalue(name))
    for method, url in _urls(open_request):
        assert getattr(client, method)(url).status_code == 404, url
    open_request.refresh_from_db()
    assert open_request.status == RequestStatus.RECEIVED


def test_request_pages_need_a_login(client, open_request):
    response = client.get(reverse("privacy:requests"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_staff_without_mfa_are_sent_to_set_it_up(client_for, central_staff, open_request):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.filter(user=central_staff).delete()
    response = client_for(central_staff).get(reverse("privacy:requests"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")


def test_the_list_shows_overdue_requests_first(
    client_for, central_staff, django_assert_max_num_queries
):
    today = dt.date.today()
    later = services.request_create(
        member=MemberFactory(), kind=RequestKind.ACCESS, channel=RequestChannel.EMAIL
    )
    overdue = services.request_create(
        member=MemberFactory(),
        kind=RequestKind.ERASURE,
        channel=RequestChannel.LETTER,
        received_on=today - dt.timedelta(days=40),
    )
    done = services.request_create(
        member=MemberFactory(),
        kind=RequestKind.OBJECTION,
        channel=RequestChannel.LETTER,
        received_on=today - dt.timedelta(days=50),
    )
    services.request_complete(request=done, by=central_staff)
    for _i in range(5):
        services.request_create(
            member=MemberFactory(), kind=RequestKind.ACCESS, channel=RequestChannel.EMAIL
        )
    client = client_for(central_staff)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("privacy:requests"))
    page = list(response.context["page"].object_list)
    assert page[0] == overdue
    assert later in page
    assert done not in page  # open only by default
    everything = client.get(reverse("privacy:requests"), {"status": ""}).context["page"]
    assert done in list(everything.object_list)
    only_overdue = client.get(reverse("privacy:requests"), {"status": "open", "overdue": "on"})
    assert list(only_overdue.context["page"].object_list) == [overdue]


def test_staff_register_a_letter_with_its_received_date(
    client_for, central_staff, the_member, django_capture_on_commit_callbacks
):
    received = dt.date.today() - dt.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(central_staff).post(
            reverse("privacy:request_new"),
            {
                "member_number": the_member.member_number,
                "kind": RequestKind.ERASURE,
                "channel": RequestChannel.LETTER,
                "received_on": received.isoformat(),
                "details": "Brev datert i forrige uke",
            },
        )
    dsr = DataSubjectRequest.objects.get()
    assert response.status_code == 302
    assert dsr.received_on == received and dsr.due_on == one_month_after(received)
    assert len(mail.outbox) == 1


def test_staff_cannot_register_a_request_for_an_unknown_member(client_for, central_staff):
    response = client_for(central_staff).post(
        reverse("privacy:request_new"),
        {"member_number": 999999999, "kind": "access", "channel": "letter"},
    )
    assert response.status_code == 200
    assert not DataSubjectRequest.objects.exists()


def test_opening_a_request_is_logged_as_reading_the_member(client_for, central_staff, open_request):
    response = client_for(central_staff).get(
        reverse("privacy:request_detail", args=[open_request.pk])
    )
    assert response.status_code == 200
    assert AccessLog.objects.filter(member=open_request.member, user=central_staff).exists()


def test_staff_assign_note_and_complete(
    client_for, central_staff, open_request, django_capture_on_commit_callbacks
):
    client = client_for(central_staff)
    client.post(
        reverse("privacy:request_assign", args=[open_request.pk]),
        {"assigned_to": central_staff.pk},
    )
    client.post(reverse("privacy:request_note", args=[open_request.pk]), {"text": "Sendt brev"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("privacy:request_complete", args=[open_request.pk]),
            {"outcome": "completed", "note": "Rapport sendt"},
        )
    open_request.refresh_from_db()
    assert open_request.assigned_to == central_staff
    assert open_request.status == RequestStatus.COMPLETED
    assert "Sendt brev" in open_request.notes and "Rapport sendt" in open_request.notes
    assert any("behandlet" in m.subject for m in mail.outbox)


def test_staff_download_the_access_report_and_it_is_logged(client_for, central_staff, open_request):
    response = client_for(central_staff).get(
        reverse("privacy:request_access_report", args=[open_request.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AccessLog.objects.filter(action="access_report", member=open_request.member).exists()


def test_staff_approve_an_erasure_request(client_for, central_staff, the_member):
    dsr = services.request_create(
        member=the_member, kind=RequestKind.ERASURE, channel=RequestChannel.MIN_SIDE
    )
    client_for(central_staff).post(reverse("privacy:request_approve_erasure", args=[dsr.pk]))
    dsr.refresh_from_db()
    assert dsr.status == RequestStatus.APPROVED


def test_staff_apply_a_correction_through_the_register(client_for, central_staff, the_member):
    dsr = services.request_create(
        member=the_member,
        kind=RequestKind.RECTIFICATION,
        channel=RequestChannel.MIN_SIDE,
        payload={"changes": {"street": "Rettet gate 1"}},
    )
    client = client_for(central_staff)
    detail = client.get(reverse("privacy:request_detail", args=[dsr.pk])).content.decode()
    assert 'value="Rettet gate 1"' in detail
    form = {name: getattr(the_member, name) for name in services.CORRECTABLE_FIELDS}
    form["street"] = "Rettet gate 1"
    response = client.post(reverse("privacy:request_apply_correction", args=[dsr.pk]), form)
    assert response.status_code == 302
    the_member.refresh_from_db()
    dsr.refresh_from_db()
    assert the_member.street == "Rettet gate 1"
    assert dsr.status == RequestStatus.COMPLETED
    assert "adresse" in dsr.notes and "street" not in dsr.notes


def test_an_invalid_correction_changes_nothing(client_for, central_staff, the_member):
    dsr = services.request_create(
        member=the_member, kind=RequestKind.RECTIFICATION, channel=RequestChannel.EMAIL
    )
    form = {name: getattr(the_member, name) for name in services.CORRECTABLE_FIELDS}
    form["postal_code"] = "abc"
    response = client_for(central_staff).post(
        reverse("privacy:request_apply_correction", args=[dsr.pk]), form
    )
    assert response.status_code == 400
    dsr.refresh_from_db()
    assert dsr.status == RequestStatus.RECEIVED
