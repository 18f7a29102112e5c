"""Klubbkontoret in a real browser: the roster is accessible and the search updates the
list in place (htmx) without a reload; the member card opens and passes axe."""

import re

import pytest

from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_roster_search_updates_in_place_and_every_page_passes_axe(
    page, login_as, axe_check, club_officer, club, other_club
):
    MemberFactory(club=club, first_name="Solveig", last_name="Aasen")
    MemberFactory(club=club, first_name="Per", last_name="Berg")
    MemberFactory(club=other_club, first_name="Solveig", last_name="Utenfor")
    login_as(page, club_officer)

    page.goto("/klubbkontoret/")
    assert page.get_by_role("heading", level=1).inner_text() == "Klubbkontoret"
    axe_check(page)
    page.evaluate("() => { window.__loads = (window.__loads || 0) + 1 }")

    page.get_by_label("Søk").fill("Solveig")
    page.wait_for_url(re.compile(r"q=Solveig"))
    results = page.locator("#roster-results")
    results.get_by_text("Aasen, Solveig").wait_for()
    assert "Berg" not in results.inner_text()
    assert "Utenfor" not in results.inner_text()
    # Still the same document: htmx swapped the list, the page did not reload.
    assert page.evaluate("() => window.__loads") == 1
    axe_check(page)

    results.get_by_role("link", name="Aasen, Solveig").click()
    page.wait_for_load_state()
    assert "Solveig Aasen" in page.get_by_role("heading", level=1).inner_text()
    axe_check(page)
