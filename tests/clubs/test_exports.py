"""Roster exports: the current filter, only officer columns, logged with the row count."""

import csv
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from members.exports import safe_cell as _export_cell
from privacy.models import AccessAction, AccessLog
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_csv_export_has_the_filtered_rows_and_only_officer_columns(
    club_officer, club, client_for
):
    MemberFactory(club=club, last_name="Eksportsen", membership_type="student")
    MemberFactory(club=club, last_name="Utelatt")
    response = client_for(club_officer).get(
        reverse("klubb:export_csv"), {"membership_type": "student"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    header, body = rows[0], rows[1:]
    assert "Fødselsnummer" not in header and "Kontonummer" not in header
    assert "Arbeidsgiver" not in header
    assert len(body) == 1 and "Eksportsen" in body[0]


def test_the_csv_export_is_logged_with_filter_and_row_count(club_officer, club, client_for):
    MemberFactory.create_batch(3, club=club)
    client_for(club_officer).get(
        reverse("klubb:export_csv"), {"status": "active", "sort": "-number"}
    )
    entry = AccessLog.objects.get(member__isnull=True)
    assert entry.action == AccessAction.EXPORT
    # Each exported member's own log shows the export too.
    assert AccessLog.objects.filter(detail__export=entry.pk).count() == 3
    assert entry.detail == {
        "format": "csv",
        "filter": {"status": "active", "sort": "-number"},
        "rows": 3,
    }


def test_the_pdf_export_lists_the_filtered_members_and_is_logged(club_officer, club, client_for):
    MemberFactory(club=club, last_name="Pdfsen")
    MemberFactory(club=club, last_name="Student", membership_type="student")
    response = client_for(club_officer).get(
        reverse("klubb:export_pdf"), {"membership_type": "ordinary"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response)
    assert "Pdfsen" in text and "Student" not in text.replace("Medlemsliste", "")
    entry = AccessLog.objects.get(member__isnull=True)
    assert entry.detail["format"] == "pdf" and entry.detail["rows"] == 1


def test_an_export_never_contains_another_clubs_members(club_officer, club, other_club, client_for):
    MemberFactory(club=club, last_name="Egen")
    MemberFactory(club=other_club, last_name="Fremmed")
    # Even naming the other club in the filter gives nothing from it.
    response = client_for(club_officer).get(
        reverse("klubb:export_csv"), {"club": str(other_club.pk), "status": ""}
    )
    body = read_csv(response)[1:]
    assert not any("Fremmed" in row for row in body)


def test_spreadsheet_formulas_are_defused_but_phone_numbers_are_kept():
    assert _export_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _export_cell("@SUM(A1)") == "'@SUM(A1)"
    assert _export_cell("-2+3") == "'-2+3"
    assert _export_cell("+4791234567") == "+4791234567"
    assert _export_cell("Nordmann") == "Nordmann"


@pytest.mark.parametrize("user", ["member", "central_staff"])
def test_exports_are_closed_to_users_without_an_officer_grant(user, request, client_for):
    client = client_for(request.getfixturevalue(user))
    assert client.get(reverse("klubb:export_csv")).status_code == 403
    assert client.get(reverse("klubb:export_pdf")).status_code == 403
    assert not AccessLog.objects.exists()
