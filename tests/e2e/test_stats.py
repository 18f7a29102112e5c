"""The statistics dashboard in a real browser: axe-clean, no CSP violations, and the
filters update the dashboard body through htmx (the URL follows, so it can be shared)."""

import datetime as dt

import pytest
from django.utils import timezone

from members.stats.filters import add_months
from tests.factories import ClubFactory, MemberFactory, PositionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_central_staff_filter_the_dashboard_with_htmx(page, login_as, axe_check, central_staff):
    this_month = timezone.localdate().replace(day=1)
    club = ClubFactory(name="Klubb Smelteverket")
    for months_back in range(0, 20):
        MemberFactory(club=club, joined_union_on=add_months(this_month, -months_back))
    PositionFactory(member=MemberFactory(club=club), started_on=dt.date(2024, 1, 1))

    login_as(page, central_staff)
    page.goto("/statistikk/")
    assert page.get_by_role("heading", name="Statistikk", level=1).is_visible()
    assert page.get_by_role("img", name="Medlemmer etter status").is_visible()
    axe_check(page)

    page.get_by_label("Periode", exact=True).select_option("12")
    page.wait_for_url("**/statistikk/?*months=12*")
    page.get_by_text("Hele forbundet, siste 12 måneder").wait_for()
    page.get_by_text("Tabell: Inn- og utmeldinger per måned").click()
    table = page.get_by_role("table", name="Inn- og utmeldinger per måned")
    assert table.get_by_role("row").count() == 1 + 12
    axe_check(page)
