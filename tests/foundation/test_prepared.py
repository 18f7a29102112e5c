"""config/prepared.py: queries compiled by the ORM once and then only re-bound, and the
places that use them (sessions, the auth backend, access scopes, the member card).

A prepared query must answer exactly as `list(build(*args))` would, for every value,
and never freeze a value of the first call into the statement."""

import datetime as dt
from contextlib import contextmanager
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends import db as django_db_sessions
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from clubs.models import AccessGrant, AccessLevel, Branch, Club
from clubs.permissions import _active_grants, scope_for
from config.auth_backends import ModelBackend
from config.prepared import PreparedQuery
from config.sessions import SessionStore
from members.dues.models import DuesRate
from members.models import Member, MembershipType
from tests.factories import (
    AccessGrantFactory,
    BranchFactory,
    ClubFactory,
    MemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
ACCOUNT = reverse("minside:account")


@contextmanager
def executed():
    """Every statement sent to the database, as (sql with placeholders, params).
    (CaptureQueriesContext shows PostgreSQL's SQL with the values filled in.)"""
    statements: list[tuple[str, tuple]] = []

    def record(execute, sql, params, many, context):
        statements.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield statements


@pytest.fixture
def world(db):
    """Three branches (the third without clubs), three clubs and four members."""
    west, east, north = (BranchFactory(number=n, name=f"Avdeling {n}") for n in (11, 12, 13))
    anchor = ClubFactory(name="Anker", branch=west)
    bolt = ClubFactory(name="Bolten", branch=west)
    crane = ClubFactory(name="Kranen", branch=east)
    MemberFactory(club=anchor, first_name="Aud", birth_date=dt.date(1960, 5, 1))
    MemberFactory(club=anchor, first_name="Arne", birth_date=dt.date(1985, 5, 1))
    MemberFactory(club=bolt, first_name="Berit", birth_date=dt.date(1970, 5, 1))
    MemberFactory(club=crane, first_name="Kåre", birth_date=dt.date(1990, 5, 1))
    return {"branches": (west, east, north), "clubs": (anchor, bolt, crane)}


# --- What a prepared query returns --------------------------------------------------


def clubs_of_branch(branch_id):
    return Club.objects.filter(branch_id=branch_id).order_by("name")


def members_of_club(club_id):
    # Member.national_id is an encrypted field: the rows go through its converter.
    return Member.objects.filter(club_id=club_id).order_by("pk")


def members_born_before(club_id, born_before):
    return (
        Member.objects.filter(club_id=club_id, birth_date__lt=born_before)
        .values("id", "first_name", "birth_date", "club__name", "national_id")
        .order_by("id")
    )


def club_names_of_branch(branch_id):
    return (
        Club.objects.filter(branch_id=branch_id)
        .order_by("name")
        .values_list("name", "branch__number")
    )


def club_ids_named(name):
    return Club.objects.filter(name__iexact=name).values_list("pk", flat=True)


def members_in(branch_ids, club_ids):
    return (
        Member.objects.filter(Q(branch_id__in=branch_ids) | Q(club_id__in=club_ids))
        .order_by("pk")
        .values_list("first_name", flat=True)
    )


def _instances(rows):
    return [
        (
            type(row),
            {k: v for k, v in vars(row).items() if k != "_state"},
            row._state.db,
            row._state.adding,
        )
        for row in rows
    ]


def _plain(rows):
    return list(rows)


def _args_for(case, world):
    west, east, north = world["branches"]
    anchor, bolt, crane = world["clubs"]
    return {
        "model instances": [(west.pk,), (east.pk,), (north.pk,)],
        "model instances with converters": [(anchor.pk,), (crane.pk,), (bolt.pk,)],
        "values() dicts": [
            (anchor.pk, dt.date(1970, 1, 1)),
            (anchor.pk, dt.date(2000, 1, 1)),
            (crane.pk, dt.date(2000, 1, 1)),
        ],
        "values_list() tuples": [(east.pk,), (west.pk,), (north.pk,)],
        "flat values_list()": [("anker",), ("KRANEN",), ("ingen slik",)],
    }[case]


CASES = {
    "model instances": (clubs_of_branch, _instances),
    "model instances with converters": (members_of_club, _instances),
    "values() dicts": (members_born_before, _plain),
    "values_list() tuples": (club_names_of_branch, _plain),
    "flat values_list()": (club_ids_named, _plain),
}


@pytest.mark.parametrize("case", CASES)
def test_it_returns_the_same_rows_as_the_orm_in_one_query_of_the_same_sql(
    case, world, needs_postgres
):
    build, normal = CASES[case]
    prepared = PreparedQuery(build)
    sqls, params, answers = set(), [], []
    for args in _args_for(case, world):
        with executed() as statements:
            got = prepared(*args)
        assert len(statements) == 1, (args, statements)
        expected = list(build(*args))
        assert normal(got) == normal(expected), args
        sqls.add(statements[0][0])
        params.append(statements[0][1])
        answers.append(normal(expected))
    # The same statement each time, with the values of each call bound to it.
    assert len(sqls) == 1
    assert len(set(params)) == len(params)
    # The argument values were chosen so that a frozen first value would show.
    assert len({repr(answer) for answer in answers}) == len(answers)


def test_the_returned_instances_are_usable_model_objects(world, needs_postgres):
    anchor = world["clubs"][0]
    prepared = PreparedQuery(members_of_club)
    prepared(anchor.pk)  # compile
    first = prepared(anchor.pk)[0]
    assert isinstance(first, Member)
    assert first._state.adding is False and first._state.db == "default"
    assert first.national_id == Member.objects.get(pk=first.pk).national_id
    assert first.club == anchor  # a relation loads lazily as usual
    first.city = "Bergen"
    first.save(update_fields=["city"])  # an update, not an insert
    assert Member.objects.get(pk=first.pk).city == "Bergen"


def test_the_build_runs_once_per_shape_of_the_arguments(world, needs_postgres):
    calls = []

    def build(club_ids):
        calls.append(club_ids)
        return Member.objects.filter(club_id__in=club_ids).values_list("pk", flat=True)

    prepared = PreparedQuery(build)
    anchor, bolt, crane = (club.pk for club in world["clubs"])
    prepared((anchor,))
    after_first = len(calls)
    prepared((bolt,))
    prepared((crane,))
    assert len(calls) == after_first  # same shape: only bound
    prepared((anchor, bolt))
    assert len(calls) > after_first  # a longer tuple is a new statement


def test_an_argument_it_cannot_stand_in_for_is_built_by_the_orm_each_time(world):
    calls = []

    def build(club_ids):
        calls.append(club_ids)
        return (
            Member.objects.filter(club_id__in=club_ids).order_by("pk").values_list("pk", flat=True)
        )

    prepared = PreparedQuery(build)
    anchor, bolt, _ = (club.pk for club in world["clubs"])
    for club_ids in ([anchor], [bolt], [anchor, bolt]):  # a list, not a tuple
        before = len(calls)
        got = prepared(club_ids)
        assert calls[before:] == [club_ids]  # built for this call, with its values
        assert got == list(build(club_ids))
    with pytest.raises(ValueError):  # a tuple of mixed types: the ORM's own error
        prepared((anchor, "x"))


def test_elsewhere_than_postgresql_the_orm_runs_each_call(world):
    calls = []

    def build(branch_id):
        calls.append(branch_id)
        return clubs_of_branch(branch_id)

    prepared = PreparedQuery(build)
    west, east, _ = world["branches"]
    # On PostgreSQL, say it is another database: the plan is never made.
    with mock.patch.object(type(connections["default"]), "vendor", "sqlite"):
        assert [c.name for c in prepared(west.pk)] == ["Anker", "Bolten"]
        assert [c.name for c in prepared(east.pk)] == ["Kranen"]
    assert set(calls) == {west.pk, east.pk}  # built again with each call's values


def test_an_argument_this_shape_does_not_use_is_allowed(world, needs_postgres):
    anchor = world["clubs"][0]

    def build(central, club_id):
        return (
            (Member.objects.all() if central else Member.objects.filter(club_id=club_id))
            .order_by("pk")
            .values_list("pk", flat=True)
        )

    prepared = PreparedQuery(build)
    for args in [(True, anchor.pk), (False, anchor.pk), (True, 0)]:
        assert prepared(*args) == list(build(*args)), args


def test_an_int_compared_with_an_integer_column_is_bound(world, needs_postgres):
    """Branch.number is an IntegerField (not a key): Django's psycopg 3 backend passes
    such values as Int4, which must still be found as the argument."""
    prepared = PreparedQuery(
        lambda number: Branch.objects.filter(number=number).values_list("name", flat=True)
    )
    assert prepared(11) == ["Avdeling 11"]
    assert prepared(12) == ["Avdeling 12"]
    assert prepared(99) == []


def test_keyword_arguments_are_structure_with_a_plan_of_their_own(world, needs_postgres):
    anchor = world["clubs"][0]

    def build(club_id, *, order, window=None):
        names = (
            Member.objects.filter(club_id=club_id)
            .order_by(order)
            .values_list("first_name", flat=True)
        )
        return names[window[0] : window[1]] if window else names

    prepared = PreparedQuery(build)
    cases = [
        {"order": "first_name"},
        {"order": "-first_name"},
        {"order": "first_name", "window": (0, 1)},
        {"order": "first_name", "window": (1, 2)},
        {"order": "-first_name"},
    ]
    for structure in cases:
        with executed() as statements:
            got = prepared(anchor.pk, **structure)
        assert len(statements) == 1
        assert got == list(build(anchor.pk, **structure)), structure
    assert prepared(anchor.pk, order="first_name") == ["Arne", "Aud"]
    assert prepared(anchor.pk, order="-first_name") == ["Aud", "Arne"]
    assert prepared(anchor.pk, order="first_name", window=(1, 2)) == ["Aud"]


def test_a_counting_query_counts_what_the_orm_counts(world, django_assert_num_queries):
    west, east, north = (b.pk for b in world["branches"])
    anchor = world["clubs"][0]
    prepared = PreparedQuery(members_in, count=True)
    for args in [((west,), ()), ((east,), ()), ((north,), (anchor.pk,)), ((west, east), ())]:
        with django_assert_num_queries(1):
            got = prepared(*args)
        assert got == members_in(*args).count(), args
    with django_assert_num_queries(0):
        assert prepared((), ()) == 0


def test_a_counting_query_counts_distinct_values_as_the_orm_does(world):
    def build(born_after):
        return (
            Member.objects.filter(birth_date__gt=born_after).order_by().values("club_id").distinct()
        )

    prepared = PreparedQuery(build, count=True)
    for day in (dt.date(1950, 1, 1), dt.date(1965, 1, 1), dt.date(1980, 1, 1)):
        assert prepared(day) == build(day).count(), day
    assert prepared(dt.date(1950, 1, 1)) == 3  # four members in three clubs


# --- Shapes: tuples of different lengths, bools and None ----------------------------


def test_tuples_of_any_length_give_the_orms_answer(world):
    west, east, north = (b.pk for b in world["branches"])
    anchor, bolt, crane = (c.pk for c in world["clubs"])
    prepared = PreparedQuery(members_in)
    for args in [
        ((), (anchor,)),
        ((east,), ()),  # the empty IN inside the OR is pruned
        ((west, east), (anchor,)),
        ((north,), (bolt, crane)),
        ((), (crane,)),
        ((west,), ()),
        ((west, east, north), (anchor, bolt, crane)),
    ]:
        assert prepared(*args) == list(members_in(*args)), args
    assert prepared((east,), ()) == ["Kåre"]
    assert prepared((), (anchor,)) == ["Aud", "Arne"]


def test_an_empty_tuple_that_is_the_whole_filter_finds_nothing_without_a_query(
    world, django_assert_num_queries
):
    anchor = world["clubs"][0]
    prepared = PreparedQuery(lambda ids: Club.objects.filter(pk__in=ids))
    both_empty = PreparedQuery(members_in)
    for _ in range(2):  # the first call compiles, the second uses the plan
        with django_assert_num_queries(0):
            assert prepared(()) == []
            assert both_empty((), ()) == []
    assert [club.pk for club in prepared((anchor.pk,))] == [anchor.pk]
    with django_assert_num_queries(0):
        assert prepared(()) == []


def test_a_bool_or_none_argument_is_part_of_the_shape(world):
    anchor, bolt, crane = world["clubs"]
    ended = dt.date(2021, 1, 1)
    for club in (anchor, bolt):
        AccessGrantFactory(club=club, valid_to=ended)
    AccessGrantFactory(club=crane, valid_to=None)

    def build(open_ended, valid_to):
        grants = AccessGrant.objects.filter(valid_to__isnull=open_ended)
        if valid_to is not None:
            grants = grants.filter(valid_to=valid_to)
        return grants.order_by("club__name").values_list("club__name", flat=True)

    prepared = PreparedQuery(build)
    assert prepared(True, None) == ["Kranen"]
    assert prepared(False, None) == ["Anker", "Bolten"]
    assert prepared(False, ended) == ["Anker", "Bolten"]
    assert prepared(False, ended + dt.timedelta(days=1)) == []
    assert prepared(True, None) == ["Kranen"]


# --- Dates and datetimes are bound on every call ------------------------------------


def test_a_date_argument_is_bound_each_call_not_frozen(world):
    user = UserFactory()
    last_day = dt.date(2030, 6, 1)
    AccessGrantFactory(user=user, club=world["clubs"][0], valid_to=last_day)
    prepared = PreparedQuery(_active_grants.build)
    assert len(prepared(user.pk, last_day)) == 1  # compiled while the grant was valid
    assert prepared(user.pk, last_day + dt.timedelta(days=1)) == []
    assert len(prepared(user.pk, last_day)) == 1
    assert prepared(user.pk, dt.date(2019, 12, 31)) == []  # before valid_from


def test_a_grant_that_ended_yesterday_gives_no_scope(club):
    user = UserFactory(mfa=True)
    last_day = dt.date(2030, 6, 1)
    AccessGrantFactory(user=user, level=AccessLevel.CLUB, club=club, valid_to=last_day)

    def scope_on(day):
        fresh = get_user_model().objects.get(pk=user.pk)  # the scope is cached per user
        with mock.patch("django.utils.timezone.localdate", return_value=day):
            return scope_for(fresh)

    assert scope_on(last_day).club_ids == {club.pk}
    assert not scope_on(last_day + dt.timedelta(days=1)).any
    assert scope_on(last_day).club_ids == {club.pk}


# The naive time is the point of the test; Django warns about it, rightly.
@pytest.mark.filterwarnings("ignore:DateTimeField .* received a naive datetime:RuntimeWarning")
def test_a_naive_datetime_is_read_as_the_orm_reads_it(world):
    """The ORM reads a naive datetime in the current time zone (Europe/Oslo)."""
    user = UserFactory()
    grant = AccessGrantFactory(user=user, club=world["clubs"][0])
    at = timezone.make_aware(dt.datetime(2030, 6, 1, 12, 0))
    AccessGrant.objects.filter(pk=grant.pk).update(activated_at=at)
    naive = dt.datetime(2030, 6, 1, 11, 30)  # half an hour before, Oslo time

    def build(since):
        return AccessGrant.objects.filter(activated_at__gt=since).values_list("pk", flat=True)

    prepared = PreparedQuery(build)
    with pytest.warns(RuntimeWarning):
        expected = list(build(naive))
    assert expected == [grant.pk]
    with pytest.warns(RuntimeWarning):
        prepared(naive)  # compile
    assert prepared(naive) == expected


# --- What it refuses ----------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda s: Club.objects.filter(name__istartswith=s), id="istartswith"),
        pytest.param(lambda s: Club.objects.filter(name__contains=s), id="contains"),
    ],
)
def test_a_pattern_built_from_a_string_argument_is_refused(build, world, needs_postgres):
    with pytest.raises(ImproperlyConfigured):
        PreparedQuery(build)("Ank")


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(
            lambda pk: Club.objects.select_related("branch").filter(pk=pk), id="select_related"
        ),
        pytest.param(lambda pk: Club.objects.only("name").filter(pk=pk), id="only"),
        pytest.param(lambda pk: Club.objects.defer("name").filter(pk=pk), id="defer"),
        pytest.param(
            lambda pk: Club.objects.filter(pk=pk).annotate(n=Count("members")),
            id="annotated instances",
        ),
        pytest.param(
            lambda pk: (
                Club.objects.filter(pk=pk).annotate(n=Count("members")).values_list("n", "name")
            ),
            id="values_list with annotations",
        ),
    ],
)
def test_an_unsupported_queryset_is_refused(build, world, needs_postgres):
    with pytest.raises(ImproperlyConfigured):
        PreparedQuery(build)(world["clubs"][0].pk)


def test_an_int_compared_with_a_small_integer_column_is_bound(db):
    """DuesRate.year is a smallint. The ORM turns a filter on a value outside a
    column's range into "finds nothing" (EmptyResultSet): a stand-in value outside it
    would make a plan that never finds anything."""
    DuesRate.objects.create(
        year=2025, membership_type=MembershipType.ORDINARY, percent=1, legal_aid_ore=0
    )

    def build(year):
        return DuesRate.objects.filter(year=year).values_list("year", flat=True)

    prepared = PreparedQuery(build)
    assert prepared(2025) == list(build(2025)) == [2025]
    assert prepared(2024) == []


# --- Sessions -----------------------------------------------------------------------


def test_a_logged_in_session_is_loaded_on_every_request(member, client_for):
    client = client_for(member)
    for _ in range(3):
        response = client.get(ACCOUNT)
        assert response.status_code == 200
        assert response.wsgi_request.user == member


def test_the_session_store_loads_what_djangos_store_loads(member, client_for):
    key = client_for(member).session.session_key
    ours = SessionStore(key).load()
    assert ours == django_db_sessions.SessionStore(key).load()
    assert ours["_auth_user_id"] == str(member.pk)


def test_an_expired_session_is_not_loaded(member, client_for):
    client = client_for(member)
    assert client.get(ACCOUNT).status_code == 200
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None  # the next save makes a new key
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not response.wsgi_request.user.is_authenticated


def test_an_unknown_session_key_gives_an_empty_session(member, client_for, client):
    client_for(member)
    store = SessionStore("unknownsessionkey0123456789abcd")
    assert store.load() == {}
    assert store.session_key is None
    client.cookies["sessionid"] = "unknownsessionkey0123456789abcd"
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert not response.wsgi_request.user.is_authenticated


# --- The auth backend ---------------------------------------------------------------


def test_the_backend_returns_the_user_by_id(member):
    backend = ModelBackend()
    for _ in range(2):
        found = backend.get_user(member.pk)
        assert found == member
        assert found.email == member.email and found.password == member.password


def test_the_backend_refuses_an_inactive_or_missing_user(member):
    backend = ModelBackend()
    assert backend.get_user(member.pk) == member  # compiled
    get_user_model().objects.filter(pk=member.pk).update(is_active=False)
    assert backend.get_user(member.pk) is None
    assert backend.get_user(member.pk + 1000) is None


def test_a_string_id_goes_through_djangos_own_path(member):
    backend = ModelBackend()
    assert backend.get_user(str(member.pk)) == member
    assert backend.get_user(str(member.pk + 1000)) is None


# --- The officer's member card ------------------------------------------------------


def _card(client, member):
    return client.get(reverse("klubb:card", args=[member.pk])).status_code


def test_the_card_plan_is_reused_with_another_officers_scope(
    club, other_club, club_officer, other_club_officer, client_for
):
    mine = MemberFactory(club=club)
    theirs = MemberFactory(club=other_club)
    # Each officer in turn, own card first and then foreign card first: the plan that
    # the first call compiled answers for the other officer's scope too.
    for officer, member, status in [
        (club_officer, mine, 200),
        (club_officer, theirs, 404),
        (other_club_officer, mine, 404),
        (other_club_officer, theirs, 200),
        (club_officer, theirs, 404),
        (club_officer, mine, 200),
        (other_club_officer, theirs, 200),
        (other_club_officer, mine, 404),
    ]:
        assert _card(client_for(officer), member) == status, (officer.email, status)


def test_branch_officers_and_officers_of_two_clubs_see_their_own_cards(
    branch, club, other_club, club_officer, branch_officer, client_for
):
    sister = ClubFactory(branch=branch)
    in_club, in_sister, outside = (MemberFactory(club=c) for c in (club, sister, other_club))
    two_clubs = UserFactory(mfa=True)
    for c in (sister, other_club):
        AccessGrantFactory(user=two_clubs, level=AccessLevel.CLUB, club=c)
    expected = {
        club_officer: {in_club: 200, in_sister: 404, outside: 404},
        branch_officer: {in_club: 200, in_sister: 200, outside: 404},
        two_clubs: {in_club: 404, in_sister: 200, outside: 200},
    }
    for _ in range(2):  # the second round uses the plans of every shape
        for officer, cards in expected.items():
            client = client_for(officer)
            assert {m: _card(client, m) for m in cards} == cards, officer.email


def test_central_staff_who_is_also_a_club_officer_can_open_a_card(
    club, other_club, central_staff, client_for
):
    AccessGrantFactory(user=central_staff, level=AccessLevel.CLUB, club=club)
    client = client_for(central_staff)
    assert _card(client, MemberFactory(club=club)) == 200
    assert _card(client, MemberFactory(club=other_club)) == 200  # central sees everyone
