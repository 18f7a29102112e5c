"""A national id typed into free text that is stored and shown to staff is masked when
it comes in: Min side's rectification and erasure requests, the public access request,
a resignation comment, requests staff register from letters and their notes."""

import datetime as dt

import pytest
from django.urls import reverse

from members.joining import lifecycle
from members.joining.models import Resignation
from members.validators import mask_national_id
from privacy import services
from privacy.models import DataSubjectRequest, RequestChannel, RequestKind
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def nid():
    """A valid national id (the factory makes valid ones)."""
    return MemberFactory.build(birth_date=dt.date(1980, 1, 1)).national_id


def test_a_rectification_request_from_min_side_is_stored_masked(client_for, member, nid):
    response = client_for(member).post(
        reverse("minside:rectification"),
        {"fields_to_correct": ["national_id"], "details": f"Riktig nummer er {nid}, takk."},
    )
    assert response.status_code == 302
    request = DataSubjectRequest.objects.get(member=member.member)
    assert nid not in request.details
    assert mask_national_id(nid) in request.details and "takk" in request.details


def test_an_erasure_request_text_is_stored_masked(member, nid):
    from members.minside.services import erasure_request

    record = member.member
    record.status = "resigned"
    record.resigned_on = dt.date(2024, 1, 1)
    record.save(update_fields=["status", "resigned_on"])
    request = erasure_request(member=record, by=member, details=f"Slett {nid}")
    assert nid not in request.details


def test_the_public_access_request_is_stored_masked(nid):
    request = services.request_from_public(
        name="Ola", email="ola@example.org", phone="", birth_date=None, details=f"Jeg er {nid}"
    )
    assert nid not in request.details and mask_national_id(nid) in request.details


def test_staff_requests_and_notes_are_stored_masked(central_staff, nid):
    record = MemberFactory()
    request = services.request_create(
        member=record,
        kind=RequestKind.ACCESS,
        channel=RequestChannel.LETTER,
        details=f"Brev fra {nid}",
        by=central_staff,
    )
    services.request_add_note(request=request, text=f"Ringte, oppga {nid}", by=central_staff)
    request.refresh_from_db()
    assert nid not in request.details and nid not in request.notes


def test_a_resignation_comment_is_stored_masked(member, nid):
    resignation = lifecycle.resignation_give_notice(
        member=member.member, by=member, reason="resigned", details=f"Mitt nr. {nid}"
    )
    assert nid not in Resignation.objects.get(pk=resignation.pk).details


def test_numbers_that_are_not_national_ids_are_kept():
    request = services.request_from_public(
        name="Ola", email="", phone="", birth_date=None, details="Ordre 12345678901 og 123"
    )
    assert "12345678901" in request.details
