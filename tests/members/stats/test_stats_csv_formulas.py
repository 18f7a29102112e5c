"""Every statistics CSV, as every reader who may download it: no cell a spreadsheet would
run as a formula, whatever a branch, club or recruiter is called."""

import csv
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from members.stats.sections import SECTIONS
from tests.factories import BranchFactory, ClubFactory, MemberFactory

pytestmark = pytest.mark.django_db
FORMULA = ("=", "+", "-", "@")
PLAIN_NUMBER = re.compile(r"^[+-]?\d[\d ]*(?:[.,]\d+)?$")


@pytest.fixture
def formula_names(branch):
    evil_branch = BranchFactory(name='=HYPERLINK("http://x","y")')
    evil_club = ClubFactory(name="+CMD|' /C calc'!A0", branch=branch)
    other_club = ClubFactory(name="-2+3", branch=evil_branch)
    recruiter = MemberFactory(club=evil_club, first_name="@SUM(1)", last_name="=1+1")
    for _ in range(6):
        MemberFactory(club=evil_club, recruited_by=recruiter, joined_union_on=timezone.localdate())
        MemberFactory(club=other_club)


@pytest.mark.parametrize("role", ["central_staff", "branch_officer"])
def test_no_statistics_csv_cell_starts_a_formula(role, request, client_for, formula_names):
    client = client_for(request.getfixturevalue(role))
    offending, cells = [], []
    for key in SECTIONS:
        response = client.get(reverse("stats:csv", args=[key]))
        if response.status_code == 404:
            continue  # a section this reader may not see (payments for officers)
        assert response.status_code == 200, key
        text = response.content.decode("utf-8-sig")
        for row in csv.reader(io.StringIO(text), delimiter=";"):
            cells.extend(row)
            for cell in row:
                if cell.startswith(FORMULA) and not PLAIN_NUMBER.match(cell):
                    offending.append(f"{key}: {cell!r}")
    assert not offending, "\n".join(offending)
    # The names are in the files, defused (so the test saw them at all).
    assert "'+CMD|' /C calc'!A0" in cells
    assert any(cell.startswith("'@SUM(1)") for cell in cells)
