"""Statistics (/statistikk/): each aggregate against hand-built data, scoping, the
"<5" suppression, CSV downloads, a fixed number of queries, and the nightly snapshot."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from clubs.models import PositionTitle
from members.models import (
    DuesRate,
    DuesSnapshot,
    Member,
    MembershipSnapshot,
    MembershipType,
    MemberStatus,
    PaymentKind,
    ResignationReason,
)
from members.stats.filters import Filters, add_months, stats_scope
from members.stats.queries import Dashboard
from members.stats.snapshots import take_membership_snapshot
from members.tasks import take_membership_snapshot as snapshot_task
from tests.factories import (
    BranchFactory,
    ClubFactory,
    MemberFactory,
    PaymentFactory,
    PositionFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)
LAST_MONTH = add_months(THIS_MONTH, -1)
URL = "/statistikk/"


def board_for(user, **filters) -> Dashboard:
    return Dashboard(user, stats_scope(user), Filters(today=TODAY, **filters))


def resigned(club, *, on, reason=ResignationReason.RESIGNED, **kwargs):
    status = {
        ResignationReason.RESIGNED: MemberStatus.RESIGNED,
        ResignationReason.STRUCK_OFF: MemberStatus.STRUCK_OFF,
        ResignationReason.DECEASED: MemberStatus.DECEASED,
        ResignationReason.TRANSFER_LO: MemberStatus.TRANSFERRED,
        ResignationReason.TRANSFER_OTHER: MemberStatus.TRANSFERRED,
    }[reason]
    return MemberFactory(
        club=club, status=status, resigned_on=on, resignation_reason=reason, **kwargs
    )


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig")), delimiter=";"))


# --- who may open it ----------------------------------------------------------------
@pytest.mark.parametrize("who", ["member", "club_officer"])
def test_members_and_club_officers_get_404_for_the_dashboard_and_every_csv(
    who, request, client_for
):
    client = client_for(request.getfixturevalue(who))
    assert client.get(URL).status_code == 404
    assert client.get(reverse("stats:csv", args=["status"])).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_central_staff_and_branch_officers_can_open_the_dashboard(
    central_staff, branch_officer, club, client_for
):
    MemberFactory(club=club)
    for user in (central_staff, branch_officer):
        response = client_for(user).get(URL)
        assert response.status_code == 200
        assert "Statistikk" in response.content.decode()


def test_an_unknown_csv_section_is_a_404(central_staff, client_for):
    assert client_for(central_staff).get("/statistikk/finnesikke.csv").status_code == 404


# --- aggregates -----------------------------------------------------------------------
def test_members_are_counted_by_status_type_branch_and_age_band(central_staff, club):
    other = ClubFactory()
    for _ in range(3):
        MemberFactory(club=club, birth_date=TODAY.replace(year=TODAY.year - 30))
    MemberFactory(
        club=club, membership_type=MembershipType.STUDENT, birth_date=dt.date(TODAY.year - 20, 1, 1)
    )
    MemberFactory(
        club=other, membership_type=MembershipType.PENSIONER, birth_date=dt.date(1940, 5, 5)
    )
    resigned(club, on=LAST_MONTH)

    board = board_for(central_staff)
    status = {value: n for value, _label, n in board.by_status}
    assert status[MemberStatus.ACTIVE] == 5
    assert status[MemberStatus.RESIGNED] == 1
    types = {value: n for value, _label, n in board.by_type}
    assert types == {
        "ordinary": 3,
        "student": 1,
        "apprentice": 0,
        "pensioner": 1,
        "unemployed": 0,
        "disabled": 0,
    }
    branches = {branch.pk: n for branch, n in board.by_branch}
    assert branches == {club.branch_id: 4, other.branch_id: 1}
    ages = {str(label): n for label, n in board.by_age}
    assert ages == {"Under 25": 1, "25–34": 3, "35–44": 0, "45–54": 0, "55–66": 0, "67 og eldre": 1}


def test_age_band_changes_on_the_birthday_itself(central_staff, club):
    MemberFactory(club=club, birth_date=TODAY - dt.timedelta(days=1) - _years(25))
    MemberFactory(club=club, birth_date=TODAY + dt.timedelta(days=1) - _years(25))
    ages = {str(label): n for label, n in board_for(central_staff).by_age}
    assert ages["25–34"] == 1
    assert ages["Under 25"] == 1


def _years(n):
    from dateutil.relativedelta import relativedelta

    return relativedelta(years=n)


def test_joins_resignations_reasons_recruits_and_net_growth_per_month(central_staff, club):
    recruiter = MemberFactory(club=club)
    MemberFactory(club=club, joined_union_on=THIS_MONTH, recruited_by=recruiter)
    MemberFactory(club=club, joined_union_on=THIS_MONTH)
    MemberFactory(club=club, joined_union_on=LAST_MONTH + dt.timedelta(days=3))
    resigned(club, on=LAST_MONTH, reason=ResignationReason.STRUCK_OFF)
    resigned(club, on=LAST_MONTH + dt.timedelta(days=1), reason=ResignationReason.TRANSFER_LO)
    resigned(club, on=THIS_MONTH, reason=ResignationReason.DECEASED)
    # Outside the 12-month period: not counted.
    MemberFactory(club=club, joined_union_on=add_months(THIS_MONTH, -14))

    movement = {e["month"]: e for e in board_for(central_staff, months=12).movement}
    assert len(movement) == 12
    now, before = movement[THIS_MONTH], movement[LAST_MONTH]
    assert (now["joins"], now["recruited"], now["resignations"], now["net"]) == (2, 1, 1, 1)
    assert now["reasons"] == {"deceased": 1}
    assert (before["joins"], before["resignations"], before["net"]) == (1, 2, -1)
    assert before["reasons"] == {"struck_off": 1, "transfer_lo": 1}
    assert sum(e["joins"] for e in movement.values()) == 3


def test_active_members_at_each_month_end_are_worked_back_from_today(central_staff, club):
    MemberFactory(club=club)  # active all along
    MemberFactory(club=club, joined_union_on=THIS_MONTH)  # not yet a member last month
    resigned(club, on=THIS_MONTH)  # still a member at the end of last month
    movement = {e["month"]: e for e in board_for(central_staff, months=12).movement}
    assert movement[THIS_MONTH]["active"] == 2
    assert movement[LAST_MONTH]["active"] == 2  # 1 + the one who left this month
    assert movement[add_months(THIS_MONTH, -2)]["active"] == 2


def test_top_recruiters_are_named_only_inside_the_officers_own_branch(
    branch_officer, central_staff, club
):
    outsider = MemberFactory(club=ClubFactory(), first_name="Utenfor", last_name="Verver")
    insider = MemberFactory(club=club, first_name="Ingrid", last_name="Innenfor")
    for _ in range(6):
        MemberFactory(club=club, joined_union_on=THIS_MONTH, recruited_by=insider)
    for _ in range(2):
        MemberFactory(club=club, joined_union_on=THIS_MONTH, recruited_by=outsider)

    officer_view = board_for(branch_officer).top_recruiters
    assert [(str(r["name"]), r["shown"]) for r in officer_view] == [
        ("Ingrid Innenfor", 6),
        ("1 verver utenfor ditt område", "<5"),
    ]
    central_view = board_for(central_staff).top_recruiters
    assert [str(r["name"]) for r in central_view] == ["Ingrid Innenfor", "Utenfor Verver"]


def test_dues_come_live_for_this_month_and_from_the_nightly_sums_before(central_staff, club):
    member = MemberFactory(club=club)
    PaymentFactory(member=member, period=THIS_MONTH, paid_on=TODAY, amount_ore=60000)
    PaymentFactory(member=member, period=LAST_MONTH, paid_on=LAST_MONTH, amount_ore=50000)
    PaymentFactory(member=member, period=LAST_MONTH, paid_on=LAST_MONTH, amount_ore=1000)
    PaymentFactory(member=member, kind=PaymentKind.OTHER, period=LAST_MONTH, amount_ore=99999)

    before = {m["month"]: m for m in board_for(central_staff).dues_months}
    assert before[THIS_MONTH]["paid"] == 60000
    assert before[LAST_MONTH]["paid"] == 0  # not summed yet

    take_membership_snapshot(on=TODAY)
    after = {m["month"]: m for m in board_for(central_staff).dues_months}
    assert (after[THIS_MONTH]["paid"], after[THIS_MONTH]["payments"]) == (60000, 1)
    assert (after[LAST_MONTH]["paid"], after[LAST_MONTH]["payments"]) == (51000, 2)


def test_expected_dues_use_flat_rates_and_the_cap_for_percentage_rates(central_staff, club):
    for _ in range(2):
        MemberFactory(club=club)
    MemberFactory(club=club, membership_type=MembershipType.STUDENT)
    DuesRate.objects.create(
        year=THIS_MONTH.year,
        membership_type=MembershipType.ORDINARY,
        percent="1.30",
        monthly_cap_ore=57500,
        legal_aid_ore=5900,
    )
    DuesRate.objects.create(
        year=THIS_MONTH.year, membership_type=MembershipType.STUDENT, flat_monthly_ore=10000
    )
    this_month = {m["month"]: m for m in board_for(central_staff).dues_months}[THIS_MONTH]
    assert this_month["expected"] == 2 * (57500 + 5900) + 10000


def test_arrears_are_active_members_without_dues_in_three_months_at_the_snapshot(
    central_staff, club
):
    paying, late, _never = (
        MemberFactory(club=club),
        MemberFactory(club=club),
        MemberFactory(club=club),
    )
    PaymentFactory(member=paying, period=LAST_MONTH, paid_on=TODAY - dt.timedelta(days=20))
    PaymentFactory(
        member=late, period=add_months(THIS_MONTH, -5), paid_on=TODAY - dt.timedelta(days=150)
    )
    resigned(club, on=LAST_MONTH)  # not active: never in arrears
    assert board_for(central_staff).arrears["taken_on"] is None

    take_membership_snapshot(on=TODAY)
    arrears = board_for(central_staff).arrears
    assert (arrears["taken_on"], arrears["total"], arrears["active"]) == (TODAY, 2, 3)


def test_positions_filled_and_clubs_lacking_a_required_title(central_staff, club):
    empty_club = ClubFactory(branch=club.branch)
    MemberFactory(club=empty_club)
    leader = MemberFactory(club=club)
    PositionFactory(member=leader, title=PositionTitle.KLUBBLEDER, club=club)
    PositionFactory(member=MemberFactory(club=club), title=PositionTitle.STYREMEDLEM, club=club)
    PositionFactory(member=MemberFactory(club=club), title=PositionTitle.STYREMEDLEM, club=club)
    # An ended position is not filled.
    PositionFactory(
        member=MemberFactory(club=club),
        title=PositionTitle.KASSERER,
        club=club,
        ended_on=TODAY - dt.timedelta(days=1),
    )
    positions = {p["title"]: p for p in board_for(central_staff).positions}
    assert positions["Klubbleder"] == {
        "title": "Klubbleder",
        "filled": 1,
        "clubs_with": 1,
        "vacant": 1,
    }
    assert positions["Kasserer"]["filled"] == 0
    assert positions["Kasserer"]["vacant"] == 2
    assert positions["Styremedlem"]["filled"] == 2
    assert positions["Styremedlem"]["vacant"] is None  # not a title every club must have


def test_the_type_filter_narrows_every_member_figure(central_staff, club):
    MemberFactory(club=club, joined_union_on=THIS_MONTH)
    MemberFactory(club=club, joined_union_on=THIS_MONTH, membership_type=MembershipType.STUDENT)
    board = board_for(central_staff, membership_type=MembershipType.STUDENT)
    assert board.active_total == 1
    assert board.movement[-1]["joins"] == 1


# --- scoping ----------------------------------------------------------------------------
def test_a_branch_officer_sees_only_their_branch(branch_officer, club, client_for):
    other_club = ClubFactory(branch=BranchFactory(name="Fremmed avdeling"), name="Fremmed klubb")
    for _ in range(7):
        MemberFactory(club=club)
    for _ in range(11):
        MemberFactory(club=other_club)

    board = board_for(branch_officer)
    assert board.active_total == 7
    assert [branch.pk for branch, _n in board.by_branch] == [club.branch_id]

    page = client_for(branch_officer).get(URL).content.decode()
    assert "Fremmed avdeling" not in page
    assert "Fremmed klubb" not in page
    # Asking for the other branch by id widens nothing: the filter falls back.
    page = client_for(branch_officer).get(URL, {"branch": other_club.branch_id}).content.decode()
    assert "Fremmed" not in page
    csv_page = client_for(branch_officer).get(
        reverse("stats:csv", args=["branch"]), {"branch": other_club.branch_id}
    )
    assert csv_rows(csv_page)[1:] == [[str(club.branch), "7"]]


def test_central_staff_can_filter_by_branch(central_staff, club, client_for):
    other_club = ClubFactory()
    for _ in range(6):
        MemberFactory(club=other_club)
    MemberFactory(club=club)
    response = client_for(central_staff).get(
        reverse("stats:csv", args=["status"]), {"branch": other_club.branch_id}
    )
    rows = dict(csv_rows(response)[1:])
    assert rows["Aktiv"] == "6"


def test_snapshot_figures_are_scoped_to_the_officers_branch(branch_officer, club):
    member = MemberFactory(club=club)
    foreign = MemberFactory(club=ClubFactory())
    PaymentFactory(member=member, period=LAST_MONTH, amount_ore=100)
    PaymentFactory(member=foreign, period=LAST_MONTH, amount_ore=9900)
    take_membership_snapshot(on=TODAY)
    board = board_for(branch_officer)
    assert {m["month"]: m["paid"] for m in board.dues_months}[LAST_MONTH] == 100
    assert board.arrears["total"] == 1  # `member` has not paid in the last three months


# --- suppression, CSV, htmx -------------------------------------------------------------
def test_clubs_with_fewer_than_five_members_show_as_less_than_five(central_staff, club, client_for):
    small = ClubFactory(name="Lille klubb", branch=club.branch)
    for _ in range(3):
        MemberFactory(club=small)
    for _ in range(5):
        MemberFactory(club=club)
    client = client_for(central_staff)
    rows = {row[0]: row[2] for row in csv_rows(client.get(reverse("stats:csv", args=["club"])))[1:]}
    assert rows == {"Lille klubb": "<5", "Klubb Raffineriet": "5"}
    page = client.get(URL).content.decode()
    assert "&lt;5" in page


def test_csv_download_has_a_header_the_rows_and_the_same_filters(central_staff, club, client_for):
    MemberFactory(club=club, joined_union_on=THIS_MONTH)
    MemberFactory(club=club, joined_union_on=THIS_MONTH, membership_type=MembershipType.STUDENT)
    response = client_for(central_staff).get(
        reverse("stats:csv", args=["movement"]), {"months": "12", "type": "student"}
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == ["Måned", "Innmeldt", "Utmeldt", "Netto vekst"]
    assert len(rows) == 1 + 12
    assert rows[-1][1:] == ["1", "0", "1"]


def test_every_section_has_a_csv_download_that_answers(central_staff, club, client_for):
    from members.stats.sections import SECTIONS

    MemberFactory(club=club)
    client = client_for(central_staff)
    page = client.get(URL).content.decode()
    for key in SECTIONS:
        assert f"/statistikk/{key}.csv?" in page
        response = client.get(reverse("stats:csv", args=[key]))
        assert response.status_code == 200, key
        assert csv_rows(response)[0], key


def test_charts_are_accessible_svg_with_title_and_desc(central_staff, club, client_for):
    MemberFactory(club=club)
    page = client_for(central_staff).get(URL).content.decode()
    assert (
        'role="img" aria-labelledby="chart-status-title" aria-describedby="chart-status-desc"'
        in page
    )
    assert '<title id="chart-status-title">Medlemmer etter status</title>' in page
    assert '<th scope="col"' in page and '<th scope="row">' in page
    assert "style=" not in page.split("<main", 1)[1]


def test_an_htmx_request_gets_only_the_dashboard_body(central_staff, club, client_for):
    MemberFactory(club=club)
    client = client_for(central_staff)
    partial = client.get(URL, {"months": "12"}, headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode()
    assert 'id="status"' in partial.content.decode()
    full = client.get(URL, {"months": "12"})
    assert "<html" in full.content.decode()
    assert 'method="get"' in full.content.decode()  # the form works without JavaScript


# --- fixed cost -------------------------------------------------------------------------
def test_the_dashboard_costs_the_same_number_of_queries_for_12_and_36_months(
    central_staff, club, client_for, django_assert_num_queries
):
    for months_back in range(0, 36, 2):
        MemberFactory(club=club, joined_union_on=add_months(THIS_MONTH, -months_back))
        resigned(club, on=add_months(THIS_MONTH, -months_back))
    take_membership_snapshot(on=TODAY)
    client = client_for(central_staff)
    client.get(URL)  # session and caches warm
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as twelve:
        assert client.get(URL, {"months": "12"}).status_code == 200
    with django_assert_num_queries(len(twelve.captured_queries)):
        assert client.get(URL, {"months": "36"}).status_code == 200
    with django_assert_num_queries(len(twelve.captured_queries)):
        assert client.get(URL, {"months": "60"}).status_code == 200


# --- the nightly snapshot ---------------------------------------------------------------
def test_the_snapshot_task_is_idempotent_for_a_day(club):
    MemberFactory(club=club, joined_union_on=THIS_MONTH)
    MemberFactory(club=club, membership_type=MembershipType.STUDENT)
    resigned(club, on=THIS_MONTH, reason=ResignationReason.TRANSFER_OTHER)
    PaymentFactory(member=Member.objects.first(), period=THIS_MONTH)

    snapshot_task.delay(on=TODAY.isoformat())
    first = sorted(
        MembershipSnapshot.objects.values_list(
            "taken_on",
            "branch_id",
            "membership_type",
            "status",
            "resignation_reason",
            "count",
            "joined",
            "resigned",
            "arrears",
        )
    )
    dues = sorted(DuesSnapshot.objects.values_list("period", "branch_id", "paid_ore", "payments"))
    snapshot_task.delay(on=TODAY.isoformat())
    again = sorted(
        MembershipSnapshot.objects.values_list(
            "taken_on",
            "branch_id",
            "membership_type",
            "status",
            "resignation_reason",
            "count",
            "joined",
            "resigned",
            "arrears",
        )
    )
    assert first == again
    assert dues == sorted(
        DuesSnapshot.objects.values_list("period", "branch_id", "paid_ore", "payments")
    )
    rows = {(r[2], r[3], r[4]): r for r in first}
    assert rows[("ordinary", "active", "")][5:8] == (1, 1, 0)
    assert rows[("ordinary", "transferred", "transfer_other")][5:8] == (1, 0, 1)
    assert rows[("student", "active", "")][5] == 1


def test_the_snapshot_task_without_a_date_records_yesterday(club):
    MemberFactory(club=club)
    snapshot_task.delay()
    assert set(MembershipSnapshot.objects.values_list("taken_on", flat=True)) == {
        TODAY - dt.timedelta(days=1)
    }


def test_history_before_the_erasure_horizon_comes_from_snapshots(central_staff, club):
    """Members resigned over three years ago are erased; a month-end snapshot taken
    then keeps that month's numbers right."""
    board = board_for(central_staff, months=60)
    old_month = add_months(board.filters.history_before, -6)
    month_end = add_months(old_month, 1) - dt.timedelta(days=1)
    MemberFactory(club=club, joined_union_on=dt.date(2000, 1, 1))
    common = {"taken_on": month_end, "branch": club.branch, "membership_type": "ordinary"}
    MembershipSnapshot.objects.create(**common, status="active", count=120, joined=9, recruited=4)
    MembershipSnapshot.objects.create(
        **common, status="resigned", resignation_reason="resigned", count=30, resigned=7
    )
    # An earlier snapshot in the same month is ignored: the last one holds the month.
    MembershipSnapshot.objects.create(
        **{**common, "taken_on": old_month}, status="active", count=1, joined=1
    )
    movement = {e["month"]: e for e in board_for(central_staff, months=60).movement}
    entry = movement[old_month]
    assert entry["source"] == "snapshot"
    assert (entry["joins"], entry["recruited"], entry["resignations"], entry["active"]) == (
        9,
        4,
        7,
        120,
    )
    assert movement[add_months(old_month, -1)]["source"] == "incomplete"
    assert movement[THIS_MONTH]["source"] == "live"
