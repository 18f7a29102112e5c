"""The statistics aggregates in the shared cache: shared per statistics scope and filters
(never per user, never across scopes), the time of computation on the page, the "<5"
suppression still applied to cached rows, and the nightly snapshot invalidating them."""

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clubs.models import AccessLevel
from members.stats import cache as stats_cache
from members.stats.filters import Filters, StatsScope
from members.stats.snapshots import take_membership_snapshot
from tests.conftest import mark_mfa_authenticated
from tests.factories import (
    AccessGrantFactory,
    BranchFactory,
    ClubFactory,
    MemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = "/statistikk/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="config.auth_backends.ModelBackend")
    mark_mfa_authenticated(client, user)
    return client


def active(client, **query) -> int:
    response = client.get(reverse("stats:csv", args=["status"]), query)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    return int(dict(rows[1:])["Aktiv"])


def clubs(client) -> dict[str, str]:
    response = client.get(reverse("stats:csv", args=["club"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    return {row[0]: row[2] for row in rows[1:]}


@pytest.fixture
def second_branch_officer(branch):
    user = UserFactory(email="avdeling2@example.org", mfa=True)
    AccessGrantFactory(user=user, level=AccessLevel.BRANCH, branch=branch, club=None)
    return user


@pytest.fixture
def foreign_club():
    return ClubFactory(branch=BranchFactory(number=2, name="Fremmed avdeling"), name="Fremmed")


def test_the_key_is_the_scope_and_the_filters_never_the_user():
    today = timezone.localdate()
    central = stats_cache.key_for(StatsScope(central=True), Filters(today=today))
    one = stats_cache.key_for(StatsScope(central=False, branch_ids=frozenset({1})), Filters())
    two = stats_cache.key_for(StatsScope(central=False, branch_ids=frozenset({1, 2})), Filters())
    assert len({central, one, two}) == 3
    assert ":central:" in central and ":branches-1:" in one and ":branches-1-2:" in two
    assert stats_cache.key_for(StatsScope(central=True), Filters(today=today, months=12)) != central


def test_two_officers_of_one_branch_share_the_figures(
    branch_officer, second_branch_officer, club, foreign_club
):
    for _ in range(6):
        MemberFactory(club=club)
    first = logged_in(branch_officer)
    assert active(first) == 6

    MemberFactory(club=club)  # within the cache's lifetime: not yet counted
    second = logged_in(second_branch_officer)
    with CaptureQueriesContext(connection) as hit:
        assert active(second) == 6
    assert not any("members_member" in q["sql"] and "GROUP BY" in q["sql"] for q in hit)


def test_a_branch_officer_never_gets_the_central_figures_from_the_cache(
    central_staff, branch_officer, club, foreign_club
):
    for _ in range(6):
        MemberFactory(club=club)
    for _ in range(9):
        MemberFactory(club=foreign_club)
    assert active(logged_in(central_staff)) == 15

    officer = logged_in(branch_officer)
    assert active(officer) == 6
    page = officer.get(URL).content.decode()
    assert "Fremmed" not in page


def test_central_staff_never_get_a_branchs_figures_from_the_cache(
    central_staff, branch_officer, club, foreign_club
):
    for _ in range(6):
        MemberFactory(club=club)
    for _ in range(9):
        MemberFactory(club=foreign_club)
    assert active(logged_in(branch_officer)) == 6
    logged_in(branch_officer).get(URL)

    staff = logged_in(central_staff)
    assert active(staff) == 15
    assert "Fremmed" in staff.get(URL).content.decode()


def test_the_filters_are_part_of_the_key(central_staff, club, foreign_club):
    for _ in range(6):
        MemberFactory(club=club)
    for _ in range(9):
        MemberFactory(club=foreign_club)
    staff = logged_in(central_staff)
    assert active(staff) == 15
    assert active(staff, branch=foreign_club.branch_id) == 9
    assert active(staff, branch=club.branch_id) == 6


def test_small_clubs_stay_suppressed_when_read_from_the_cache(branch_officer, club):
    small = ClubFactory(name="Lille klubb", branch=club.branch)
    for _ in range(3):
        MemberFactory(club=small)
    for _ in range(5):
        MemberFactory(club=club)
    officer = logged_in(branch_officer)
    assert clubs(officer) == {"Lille klubb": "<5", "Klubb Raffineriet": "5"}
    assert officer.get(URL).status_code == 200  # the whole dashboard now cached

    again = logged_in(branch_officer)
    with CaptureQueriesContext(connection) as hit:
        page = again.get(URL).content.decode()
        assert clubs(again) == {"Lille klubb": "<5", "Klubb Raffineriet": "5"}
    assert "&lt;5" in page
    assert not any("GROUP BY" in q["sql"] for q in hit)


def test_the_page_says_when_the_figures_were_computed(central_staff, club):
    MemberFactory(club=club)
    staff = logged_in(central_staff)
    before = timezone.localtime()
    first = staff.get(URL).content.decode()
    computed = first.split("Tall per kl. ")[1][:5]
    assert computed in {f"{before:%H:%M}", f"{timezone.localtime():%H:%M}"}
    MemberFactory(club=club)
    assert f"Tall per kl. {computed}" in staff.get(URL).content.decode()


def test_the_nightly_snapshot_invalidates_the_cache(
    central_staff, club, django_capture_on_commit_callbacks
):
    for _ in range(6):
        MemberFactory(club=club)
    staff = logged_in(central_staff)
    assert active(staff) == 6
    MemberFactory(club=club)
    assert active(staff) == 6

    with django_capture_on_commit_callbacks(execute=True):
        take_membership_snapshot(on=timezone.localdate())

    assert active(staff) == 7


def test_no_caching_when_switched_off(central_staff, club, settings):
    settings.STATS_CACHE_SECONDS = 0
    for _ in range(6):
        MemberFactory(club=club)
    staff = logged_in(central_staff)
    assert active(staff) == 6
    MemberFactory(club=club)
    assert active(staff) == 7
