"""Klubbkontoret: the roster, the member card, the 12-month lists and positions."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clubs.models import PositionTitle
from members.models import Benefit, BenefitReservation, MemberStatus
from privacy.models import AccessAction, AccessLog
from tests.factories import ClubFactory, MemberFactory, PositionFactory

pytestmark = pytest.mark.django_db
ROSTER = reverse("klubb:roster")


def _reads_other_members(sql: str) -> bool:
    """A SELECT on members other than the user's own record (the navigation looks up
    `user.member`, which is the officer's own data)."""
    return (
        sql.startswith("SELECT")
        and "members_member" in sql
        and '"members_member"."user_id" =' not in sql
    )


def names(response) -> str:
    return response.content.decode()


def test_the_roster_lists_the_officers_members_and_no_one_else(
    club_officer, club, other_club, client_for
):
    mine = MemberFactory(club=club, last_name="Innenfor")
    theirs = MemberFactory(club=other_club, last_name="Utenfor")
    response = client_for(club_officer).get(ROSTER)
    assert response.status_code == 200
    assert mine.last_name in names(response)
    assert theirs.last_name not in names(response)


def test_a_branch_officer_sees_every_club_of_the_branch(branch_officer, club, branch, client_for):
    sister = ClubFactory(branch=branch, name="Søsterklubben")
    MemberFactory(club=club, last_name="Førsteklubb")
    MemberFactory(club=sister, last_name="Andreklubb")
    page = names(client_for(branch_officer).get(ROSTER))
    assert "Førsteklubb" in page and "Andreklubb" in page
    assert "Søsterklubben" in page  # the club filter and the club column


def test_the_roster_searches_by_name_number_email_and_phone(club_officer, club, client_for):
    ola = MemberFactory(club=club, first_name="Ola", last_name="Nordmann", email="ola@example.net")
    kari = MemberFactory(club=club, first_name="Kari", last_name="Hansen", phone="+4791234567")
    client = client_for(club_officer)
    for query, expected, absent in [
        ("nordm", ola, kari),
        (str(kari.member_number), kari, ola),
        ("ola@example.net", ola, kari),
        ("91234567", kari, ola),
    ]:
        page = names(client.get(ROSTER, {"q": query}))
        assert expected.last_name in page, query
        assert absent.last_name not in page, query


def test_the_roster_refuses_to_search_for_a_national_id(club_officer, club, client_for):
    member = MemberFactory(club=club)
    response = client_for(club_officer).get(ROSTER, {"q": member.national_id, "status": ""})
    assert response.status_code == 302
    assert member.national_id not in response["Location"]
    assert "status=" in response["Location"]  # the other filters are kept


def test_an_htmx_national_id_search_pushes_a_clean_url(club_officer, club, client_for):
    member = MemberFactory(club=club)
    response = client_for(club_officer).get(
        ROSTER, {"q": member.national_id}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="roster-results"
    )
    assert response.status_code == 200
    assert member.national_id not in response["HX-Push-Url"]
    assert member.national_id not in response.content.decode()


def test_an_export_with_a_national_id_search_is_refused(club_officer, club, client_for):
    member = MemberFactory(club=club)
    response = client_for(club_officer).get(reverse("klubb:export_csv"), {"q": member.national_id})
    assert response.status_code == 403


def test_the_roster_shows_active_members_by_default_and_everyone_when_asked(
    club_officer, club, client_for
):
    MemberFactory(club=club, last_name="Aktivsen")
    MemberFactory(
        club=club,
        last_name="Utmeldtsen",
        status=MemberStatus.RESIGNED,
        resigned_on=dt.date(2024, 5, 1),
        resignation_reason="resigned",
    )
    client = client_for(club_officer)
    default = names(client.get(ROSTER))
    assert "Aktivsen" in default and "Utmeldtsen" not in default
    everyone = names(client.get(ROSTER, {"status": ""}))
    assert "Aktivsen" in everyone and "Utmeldtsen" in everyone


def test_the_roster_filters_by_type_and_by_position(club_officer, club, client_for):
    student = MemberFactory(club=club, last_name="Studentsen", membership_type="student")
    leader = MemberFactory(club=club, last_name="Ledersen")
    PositionFactory(member=leader, title=PositionTitle.KLUBBLEDER)
    client = client_for(club_officer)
    by_type = names(client.get(ROSTER, {"membership_type": "student"}))
    assert student.last_name in by_type and leader.last_name not in by_type
    with_position = names(client.get(ROSTER, {"has_position": "yes"}))
    assert leader.last_name in with_position and student.last_name not in with_position
    assert "Klubbleder" in with_position
    without = names(client.get(ROSTER, {"has_position": "no"}))
    assert student.last_name in without and leader.last_name not in without


def test_the_roster_sorts_by_whitelisted_columns_and_ignores_others(club_officer, club, client_for):
    MemberFactory(club=club, last_name="Aasen")
    MemberFactory(club=club, last_name="Øvreli")
    client = client_for(club_officer)
    ascending = names(client.get(ROSTER, {"sort": "name"}))
    assert ascending.index("Aasen") < ascending.index("Øvreli")
    descending = names(client.get(ROSTER, {"sort": "-name"}))
    assert descending.index("Øvreli") < descending.index("Aasen")
    crafted = client.get(ROSTER, {"sort": "national_id"})
    assert crafted.status_code == 200
    page = names(crafted)
    assert page.index("Aasen") < page.index("Øvreli")


def test_the_roster_pages_through_members(club_officer, club, client_for):
    MemberFactory.create_batch(30, club=club)
    client = client_for(club_officer)
    first = client.get(ROSTER, {"per_page": 25})
    assert first.context["page"].paginator.num_pages == 2
    assert len(first.context["rows"]) == 25
    second = client.get(ROSTER, {"per_page": 25, "page": 2})
    assert len(second.context["rows"]) == 5


def test_an_htmx_request_gets_only_the_table_fragment(club_officer, club, client_for):
    MemberFactory(club=club, last_name="Fragmentsen")
    response = client_for(club_officer).get(
        ROSTER, {"q": "Frag"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="roster-results"
    )
    html = names(response)
    assert response.status_code == 200
    assert "Fragmentsen" in html
    assert "<html" not in html and "<form" not in html
    assert 'hx-swap-oob="true"' in html  # keeps the sort select in step
    assert "HX-Request" in response["Vary"]


def test_without_javascript_the_same_url_gives_the_whole_page(club_officer, club, client_for):
    MemberFactory(club=club, last_name="Helsiden")
    html = names(client_for(club_officer).get(ROSTER, {"q": "Hel"}))
    assert "<html" in html and 'id="roster-results"' in html and "Helsiden" in html


@pytest.mark.parametrize("rows", [10, 100])
def test_the_roster_uses_the_same_number_of_queries_for_10_and_100_rows(
    rows, club_officer, club, client_for, django_assert_max_num_queries
):
    members = MemberFactory.create_batch(rows, club=club)
    for member in members[: rows // 2]:
        PositionFactory(member=member)
    client = client_for(club_officer)
    client.get(ROSTER)  # warm the session
    with django_assert_max_num_queries(12):
        response = client.get(ROSTER, {"per_page": 100})
    assert len(response.context["rows"]) == rows


def test_roster_query_count_does_not_grow_with_page_size(club_officer, club, client_for):
    client = client_for(club_officer)
    MemberFactory.create_batch(10, club=club)
    client.get(ROSTER)
    with CaptureQueriesContext(connection) as small:
        client.get(ROSTER, {"per_page": 100})
    MemberFactory.create_batch(90, club=club)
    with CaptureQueriesContext(connection) as large:
        client.get(ROSTER, {"per_page": 100})
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_roster_never_loads_national_id_or_bank_account(club_officer, club, client_for):
    MemberFactory.create_batch(3, club=club)
    client = client_for(club_officer)
    with CaptureQueriesContext(connection) as queries:
        client.get(ROSTER, {"status": ""})
    member_sql = [q["sql"] for q in queries.captured_queries if _reads_other_members(q["sql"])]
    assert member_sql
    for sql in member_sql:
        assert "national_id" not in sql
        assert "bank_account" not in sql


def test_the_card_shows_officer_fields_positions_and_reservations(club_officer, club, client_for):
    member = MemberFactory(club=club, first_name="Kortine", street="Storgata 1")
    PositionFactory(member=member, title=PositionTitle.VERNEOMBUD)
    benefit = Benefit.objects.create(name="Kollektiv hjemforsikring")
    BenefitReservation.objects.create(
        member=member, benefit=benefit, reserved_on=dt.date(2024, 1, 1)
    )
    response = client_for(club_officer).get(reverse("klubb:card", args=[member.pk]))
    html = names(response)
    assert response.status_code == 200
    assert "Kortine" in html and "Storgata 1" in html
    assert "Verneombud" in html and "Kollektiv hjemforsikring" in html
    assert member.national_id not in html
    assert member.bank_account not in html
    assert str(member.employer) not in html


def test_every_card_view_is_logged(club_officer, club, client_for):
    member = MemberFactory(club=club)
    client_for(club_officer).get(reverse("klubb:card", args=[member.pk]))
    entry = AccessLog.objects.get()
    assert entry.action == AccessAction.VIEW_CARD
    assert entry.member_id == member.pk
    assert entry.user == club_officer
    assert entry.view == "klubb:card"


def test_the_card_never_loads_national_id_or_bank_account(club_officer, club, client_for):
    member = MemberFactory(club=club)
    with CaptureQueriesContext(connection) as queries:
        client_for(club_officer).get(reverse("klubb:card", args=[member.pk]))
    for query in queries.captured_queries:
        if _reads_other_members(query["sql"]):
            assert "national_id" not in query["sql"]
            assert "bank_account" not in query["sql"]


def test_another_clubs_member_card_is_a_404_and_is_not_logged(club_officer, other_club, client_for):
    stranger = MemberFactory(club=other_club)
    response = client_for(club_officer).get(reverse("klubb:card", args=[stranger.pk]))
    assert response.status_code == 404
    assert not AccessLog.objects.exists()


def test_new_and_resigned_lists_cover_the_last_12_months(club_officer, club, client_for):
    today = timezone.localdate()
    MemberFactory(club=club, last_name="Nyansatt", joined_union_on=today - dt.timedelta(days=30))
    MemberFactory(club=club, last_name="Veteran", joined_union_on=today - dt.timedelta(days=800))
    MemberFactory(
        club=club,
        last_name="Nyligslutt",
        status=MemberStatus.RESIGNED,
        resigned_on=today - dt.timedelta(days=10),
        resignation_reason="resigned",
    )
    MemberFactory(
        club=club,
        last_name="Lengesiden",
        status=MemberStatus.RESIGNED,
        resigned_on=today - dt.timedelta(days=500),
        resignation_reason="resigned",
    )
    client = client_for(club_officer)
    new = names(client.get(reverse("klubb:new_members")))
    assert "Nyansatt" in new and "Veteran" not in new
    resigned = names(client.get(reverse("klubb:resigned_members")))
    assert "Nyligslutt" in resigned and "Lengesiden" not in resigned
    assert "Utmeldt" in resigned  # the reason is shown


def test_members_who_move_here_by_changing_employer_show_beside_the_new_members(
    club_officer, club, other_club, client_for
):
    from members.joining.lifecycle import employer_change

    old_joiner = dt.date(2015, 3, 1)
    mover = MemberFactory(club=other_club, last_name="Flyttersen", joined_union_on=old_joiner)
    leaver = MemberFactory(club=club, last_name="Bortreist", joined_union_on=old_joiner)
    employer_change(member=mover, by=None, employer=club.employer)
    employer_change(member=leaver, by=None, employer=other_club.employer)

    page = names(client_for(club_officer).get(reverse("klubb:new_members")))

    assert "Flyttet hit fra en annen arbeidsplass" in page
    assert "Flyttersen" in page
    # The member who left is no longer the officer's to see, and the other club's name
    # is not the officer's either.
    assert "Bortreist" not in page
    assert other_club.name not in page


def test_the_moves_list_has_an_empty_state(club_officer, client_for):
    page = names(client_for(club_officer).get(reverse("klubb:new_members")))
    assert "Ingen har flyttet hit siste 12 måneder." in page


def test_the_positions_page_lists_current_positions_of_own_members(
    club_officer, club, other_club, client_for
):
    PositionFactory(
        member=MemberFactory(club=club, last_name="Kassersen"), title=PositionTitle.KASSERER
    )
    PositionFactory(
        member=MemberFactory(club=club, last_name="Tidligere"),
        started_on=dt.date(2020, 1, 1),
        ended_on=dt.date(2021, 1, 1),
    )
    PositionFactory(member=MemberFactory(club=other_club, last_name="Fremmed"))
    html = names(client_for(club_officer).get(reverse("klubb:positions")))
    assert "Kassersen" in html and "Kasserer" in html
    assert "Tidligere" not in html
    assert "Fremmed" not in html


@pytest.mark.parametrize("user", ["member", "central_staff"])
def test_users_without_an_officer_grant_get_403(user, request, client_for):
    response = client_for(request.getfixturevalue(user)).get(ROSTER)
    assert response.status_code == 403


def test_an_expired_grant_gives_no_access(club, client_for):
    from clubs.models import AccessLevel
    from tests.factories import AccessGrantFactory, UserFactory

    user = UserFactory(mfa=True)
    AccessGrantFactory(
        user=user,
        level=AccessLevel.CLUB,
        club=club,
        valid_to=timezone.localdate() - dt.timedelta(days=1),
    )
    assert client_for(user).get(ROSTER).status_code == 403


def test_an_officer_without_mfa_is_sent_to_set_it_up(club, client_for):
    from clubs.models import AccessLevel
    from tests.factories import AccessGrantFactory, UserFactory

    user = UserFactory()
    AccessGrantFactory(user=user, level=AccessLevel.CLUB, club=club)
    response = client_for(user).get(ROSTER)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")


def test_the_filter_form_shows_the_current_choices(club_officer, club, client_for):
    html = names(client_for(club_officer).get(ROSTER, {"membership_type": "student"}))
    assert '<option value="student" selected>' in html
    assert '<option value="50" selected>' in html  # the default page size
    assert '<option value="active" selected>' in html  # active members by default
