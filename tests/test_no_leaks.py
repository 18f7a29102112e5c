"""No officer page, htmx fragment or export ever contains a national id or a bank
account number: not of the officer's own members, not of anyone else, not masked.

The register is filled with members in the officer's club, in a sister club of the
same branch, without a club, and in another branch's club; every officer then visits
every Klubbkontoret page (with filters, sorts, pages), the htmx fragment, every card it
may and may not open, and both exports. The text of each answer (PDFs through pypdf)
is searched for every secret in the forms people write them.
"""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from clubs.models import PositionTitle
from members.models import Benefit, BenefitReservation, Member, MemberStatus
from members.validators import mask_bank_account, mask_national_id
from tests.factories import ClubFactory, MemberFactory, PositionFactory

pytestmark = pytest.mark.django_db


def secret_forms(member: Member) -> set[str]:
    """Every way a national id or account number of `member` could appear."""
    nid, account = member.national_id, member.bank_account
    forms = {
        nid,
        f"{nid[:6]} {nid[6:]}",
        mask_national_id(nid),
    }
    if account:
        forms |= {
            account,
            f"{account[:4]}.{account[4:6]}.{account[6:]}",
            f"{account[:4]} {account[4:6]} {account[6:]}",
            mask_bank_account(account),
        }
    return forms


@pytest.fixture
def register(club, branch, other_club):
    today = timezone.localdate()
    sister = ClubFactory(branch=branch, name="Søsterklubben")
    members = []
    for target in (club, sister, other_club):
        members += MemberFactory.create_batch(6, club=target)
        members.append(MemberFactory(club=target, joined_union_on=today - dt.timedelta(days=20)))
        members.append(
            MemberFactory(
                club=target,
                status=MemberStatus.RESIGNED,
                resigned_on=today - dt.timedelta(days=40),
                resignation_reason="resigned",
            )
        )
    members.append(MemberFactory(club=None, branch=branch))  # in the branch, no club
    benefit = Benefit.objects.create(name="Kollektiv innboforsikring")
    for member in members[::3]:
        PositionFactory(
            member=member,
            title=PositionTitle.VERNEOMBUD,
            club=member.club,
            branch=None if member.club else member.branch,
        )
        BenefitReservation.objects.create(member=member, benefit=benefit, reserved_on=today)
    return members


def officer_answers(client, members):
    """(what, text) for every Klubbkontoret page, fragment and export."""
    roster = reverse("klubb:roster")
    queries = [
        {},
        {"status": ""},
        {"status": "", "per_page": "100"},
        {"status": "", "sort": "-birth"},
        {"status": "", "sort": "number", "per_page": "25", "page": "2"},
        {"has_position": "yes", "status": ""},
        {"status": "resigned"},
        {"q": members[0].last_name, "status": ""},
        {"q": members[0].national_id},  # refused, and must not be echoed
        {"q": members[-1].national_id[:6], "status": ""},
        {"sort": "national_id"},
    ]
    for query in queries:
        yield f"roster {query}", client.get(roster, query)
        yield (
            f"fragment {query}",
            client.get(roster, query, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="roster-results"),
        )
        yield f"csv {query}", client.get(reverse("klubb:export_csv"), query)
    for name in ("klubb:new_members", "klubb:resigned_members", "klubb:positions"):
        yield name, client.get(reverse(name))
    yield "pdf", client.get(reverse("klubb:export_pdf"), {"status": ""})
    for member in members:
        yield f"card {member.pk}", client.get(reverse("klubb:card", args=[member.pk]))


def text_of(response) -> str:
    if response.get("Content-Type") == "application/pdf":
        reader = PdfReader(io.BytesIO(response.content))
        return "\n".join(page.extract_text() for page in reader.pages)
    return response.content.decode("utf-8-sig")


@pytest.mark.parametrize("officer", ["club_officer", "branch_officer", "other_club_officer"])
def test_no_officer_page_fragment_or_export_contains_a_national_id_or_account(
    officer, register, request, client_for
):
    client = client_for(request.getfixturevalue(officer))
    secrets = {form: m.pk for m in Member.objects.all() for form in secret_forms(m)}
    assert {m.pk for m in register} <= set(secrets.values())  # every member is searched for
    seen_statuses = set()
    for what, response in officer_answers(client, register):
        seen_statuses.add(response.status_code)
        text = text_of(response)
        found = [form for form in secrets if form in text]
        assert not found, f"{what} shows a secret of member(s) {[secrets[f] for f in found]}"
    # The scan covered both pages that open and pages that are refused (other clubs).
    assert {200, 404} <= seen_statuses


def test_the_pdf_export_is_scanned_as_text(club_officer, register, client_for):
    """Guard for the scan above: the PDF's text is really extracted (names appear)."""
    response = client_for(club_officer).get(reverse("klubb:export_pdf"), {"status": ""})
    assert register[0].last_name in text_of(response)


def test_the_refused_national_id_search_is_not_echoed_back(club_officer, club, client_for):
    member = MemberFactory(club=club)
    client = client_for(club_officer)
    response = client.get(reverse("klubb:roster"), {"q": member.national_id}, follow=True)
    assert response.redirect_chain  # sent on to a URL without it
    page = response.content.decode()
    assert member.national_id not in page
    assert "kan ikke søke på fødselsnummer" in page
