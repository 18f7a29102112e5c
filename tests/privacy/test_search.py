"""Site search and the anonymous search log."""

import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from privacy import search
from privacy.models import InfoPage, SearchTerm

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Kontingent  ", "kontingent"),
        ("Slette   MEG\tnå", "slette meg nå"),
        ("", None),
        ("   ", None),
    ],
)
def test_terms_are_lowercased_with_whitespace_collapsed(raw, expected):
    assert search.loggable_term(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "01019912345",  # fødselsnummer
        "010199 12345",
        "41019912345",  # D-nummer
        "1234.56.78903",  # bank account
        "+47 912 34 567",  # phone
        "912 34 567",
        "91234567",
        "ola.nordmann@example.org",
        "ola@",
        "medlem 123456",
        "x" * (search.MAX_TERM_LENGTH + 1),
    ],
)
def test_terms_that_may_hold_personal_data_are_never_stored(raw):
    assert search.loggable_term(raw) is None
    assert search.log_search(raw, hits=0) is False
    assert not SearchTerm.objects.exists()


@given(st.text(alphabet="0123456789 .-+", min_size=6, max_size=30))
def test_no_long_number_in_any_spacing_is_stored(raw):
    digits = sum(c.isdigit() for c in raw)
    if digits >= 6 and search._LONG_NUMBER.search(search.normalise_term(raw)):
        assert search.loggable_term(raw) is None


def test_short_numbers_such_as_postal_codes_are_allowed():
    assert search.loggable_term("Postnummer 0150") == "postnummer 0150"


def test_searches_are_aggregated_per_term_and_day():
    day = dt.date(2025, 3, 1)
    search.log_search("Kontingent", hits=2, day=day)
    search.log_search("  kontingent ", hits=0, day=day)
    search.log_search("kontingent", hits=1, day=day + dt.timedelta(days=1))
    rows = list(SearchTerm.objects.order_by("day").values("term", "day", "count", "zero_results"))
    assert rows == [
        {"term": "kontingent", "day": day, "count": 2, "zero_results": 1},
        {"term": "kontingent", "day": day + dt.timedelta(days=1), "count": 1, "zero_results": 0},
    ]


def test_the_search_log_has_no_place_for_a_user_session_ip_or_time():
    names = {f.name for f in SearchTerm._meta.get_fields()}
    assert names == {"id", "term", "day", "count", "zero_results"}


def test_the_search_page_finds_the_notice_and_highlights_the_words(client):
    response = client.get(reverse("privacy:search"), {"q": "Datatilsynet"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<mark>Datatilsynet</mark>" in html
    assert SearchTerm.objects.get().term == "datatilsynet"


def test_searching_finds_information_pages_and_cookies(client):
    html = client.get(reverse("privacy:search"), {"q": "tofaktorautentisering"}).content.decode()
    assert reverse("privacy:info", args=["tillitsvalgtes-tilgang"]) in html
    html = client.get(reverse("privacy:search"), {"q": "_fbp"}).content.decode()
    assert "informasjonskapsler/#cookie-" in html


def test_highlighting_escapes_before_marking(client):
    InfoPage.objects.create(
        slug="farlig",
        title_nb="Farlig <b>side</b>",
        title_en="x",
        body_nb="Tekst med <script>alert(1)</script> og ord",
        body_en="x",
    )
    html = client.get(reverse("privacy:search"), {"q": "<script>"}).content.decode()
    assert "<script>alert" not in html
    assert "<mark>&lt;script&gt;</mark>" in html
    assert "Farlig &lt;b&gt;side&lt;/b&gt;" in html


def test_a_word_that_is_part_of_an_entity_does_not_break_it():
    assert str(search.highlight("a & b", ["amp"])) == "a &amp; b"


def test_a_search_without_hits_is_counted_as_zero_results(client):
    client.get(reverse("privacy:search"), {"q": "zzzyyyxxx"})
    assert SearchTerm.objects.get().zero_results == 1


def test_a_search_for_a_national_id_shows_results_but_stores_nothing(client):
    response = client.get(reverse("privacy:search"), {"q": "01019912345"})
    assert response.status_code == 200
    assert not SearchTerm.objects.exists()


def test_staff_see_top_terms_and_searches_without_hits(client_for, central_staff):
    today = dt.date.today()
    SearchTerm.objects.create(term="kontingent", day=today, count=5, zero_results=0)
    SearchTerm.objects.create(term="streik", day=today, count=2, zero_results=2)
    html = client_for(central_staff).get(reverse("privacy:search_terms")).content.decode()
    assert "kontingent" in html and "streik" in html
    top = search.top_terms(since=today)
    assert [t["term"] for t in top] == ["kontingent", "streik"]
    assert [t["term"] for t in search.top_terms(since=today, zero_only=True)] == ["streik"]


@pytest.mark.parametrize("name", ["member", "club_officer"])
def test_the_search_log_page_is_not_found_for_others(request, client_for, name):
    client = client_for(request.getfixturevalue(name))
    assert client.get(reverse("privacy:search_terms")).status_code == 404
