"""The staff search's capped hit count: counted per name half and combined
(|first ∪ last| = |first| + |last| − |both|) on PostgreSQL, the same number as counting
the whole OR filter, capped the same way; and the page still says "Mer enn …"."""

import pytest
from django.urls import reverse

from members.models import Member
from members.register.counting import capped, capped_search_count
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("register:search")


@pytest.fixture
def names(club):
    for first, last in [
        ("Johan", "Johansen"),  # both halves match 'joh'
        ("Johanne", "Berg"),
        ("Kari", "Johnsen"),
        ("Jo", "Hansen"),  # neither: 'Jo' is shorter than the prefix
        ("Ola", "Nordmann"),
        ("Åse", "Ødegård"),
        ("Øyvind", "Åsen"),
    ]:
        MemberFactory(club=club, first_name=first, last_name=last)


@pytest.mark.parametrize("query", ["Joh", "joh", "JOHAN", "Jo", "Ø", "å", "Nord", "x", "Hansen"])
@pytest.mark.parametrize("cap", [1, 2, 3, 1000])
def test_the_count_is_the_count_of_the_whole_filter_capped(names, query, cap):
    visible = Member.objects.all()
    assert capped_search_count(visible, query, cap) == capped(visible.search(query), cap)


@pytest.mark.parametrize("query", ["Johan Johansen", "Johansen, Johan", "12345", "a@b.no", ""])
def test_other_searches_are_counted_as_before(names, query):
    visible = Member.objects.all()
    assert capped_search_count(visible, query, 1000) == capped(visible.search(query), 1000)


def test_the_count_keeps_to_what_the_user_may_see(names, club, other_club):
    MemberFactory(club=other_club, first_name="Johannes", last_name="Utenfor")
    visible = Member.objects.filter(club=club)
    assert capped_search_count(visible, "Joh", 1000) == 3


def test_the_page_counts_names_in_both_halves_once(names, central_staff, client_for):
    response = client_for(central_staff).get(SEARCH, {"q": "Joh"})
    assert response.context["page"].paginator.count == 3
    assert len(response.context["rows"]) == 3
    assert "3 treff" in response.content.decode()


def test_a_broad_name_prefix_still_says_more_than_the_cap(
    names, club, central_staff, client_for, monkeypatch
):
    from members.register.views import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 2)
    response = client_for(central_staff).get(SEARCH, {"q": "Joh"})
    assert "Mer enn 2 treff" in response.content.decode()
    assert response.context["page"].paginator.capped
