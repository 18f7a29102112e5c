"""Statistics read well: whole, evenly spaced axis values; no rows that differ in
nothing; the intro names the area shown; the period choices follow the language."""

import re

import pytest
from django.utils import timezone, translation

from members.stats.charts import Series, column_chart, line_chart, nice_ticks
from members.stats.forms import StatsFilterForm
from tests.factories import ClubFactory, MemberFactory

pytestmark = pytest.mark.django_db
URL = "/statistikk/"


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 5, [0, 1, 2, 3, 4, 5]),
        (0, 2.5, [0, 1, 2, 3]),
        (-1, 0, [-1, 0]),
        (-1, 1, [-1, 0, 1]),
        (0, 0, [0, 1]),
        (-7, 23, [-10, 0, 10, 20, 30]),
        (69_870, 70_130, [69_800, 69_900, 70_000, 70_100, 70_200]),
        (0, 0.4, [0, 1]),
    ],
)
def test_nice_ticks_are_whole_evenly_spaced_and_cover_the_data(low, high, expected):
    assert nice_ticks(low, high) == expected


@pytest.mark.parametrize("values", [[0, 1, 2, 5, 3], [0, 0, -1], [0, -3, 7], [120, 0, 60]])
def test_column_chart_axis_labels_are_whole_numbers_without_repeats(values):
    svg = str(
        column_chart(
            chart_id="c",
            title="t",
            labels=[str(i) for i in range(len(values))],
            series=[Series("s", "series-1", values)],
            desc="d",
        )
    )
    labels = re.findall(r'<text class="axis" [^>]*text-anchor="end">([^<]*)</text>', svg)
    assert len(labels) == len(set(labels)) >= 2
    assert all(re.fullmatch(r"[−-]?\d[\d\s\u00a0]*", label) for label in labels), labels


def test_line_chart_of_a_large_total_shows_distinct_labels():
    svg = str(
        line_chart(
            chart_id="l",
            title="t",
            labels=["a", "b", "c"],
            series=[Series("s", "series-1", [70_010, 70_050, 70_020])],
            desc="d",
        )
    )
    labels = re.findall(r'<text class="axis" [^>]*text-anchor="end">([^<]*)</text>', svg)
    assert len(labels) == len(set(labels)) >= 2


def test_recruiters_outside_the_officers_area_are_one_row(branch_officer, club, client_for):
    this_month = timezone.localdate().replace(day=1)
    for i in range(5):
        outsider = MemberFactory(club=ClubFactory(), first_name=f"Ute{i}")
        MemberFactory(club=club, joined_union_on=this_month, recruited_by=outsider)
    page = client_for(branch_officer).get(URL).content.decode()
    assert "5 ververe utenfor ditt område" in page
    assert page.count("utenfor ditt område") <= 3  # the row, the chart's bar and its desc


def test_the_intro_names_the_branch_also_after_an_htmx_filter(central_staff, club, client_for):
    client = client_for(central_staff)
    full = client.get(URL, {"branch": club.branch_id}).content.decode()
    assert f"tillitsverv for {club.branch}" in full
    partial = client.get(URL, {"branch": club.branch_id}, HTTP_HX_REQUEST="true")
    text = partial.content.decode()
    assert 'id="stats-lead" hx-swap-oob="true"' in text and str(club.branch) in text
    everything = client.get(URL, HTTP_HX_REQUEST="true").content.decode()
    assert "hele forbundet" in everything


def test_period_choices_follow_the_language():
    with translation.override("en"):
        form = StatsFilterForm(branches={}, central=True)
        labels = [str(label) for _value, label in form.fields["months"].choices]
    assert labels[0].startswith("Last"), labels
    with translation.override("nb"):
        form = StatsFilterForm(branches={}, central=True)
        labels = [str(label) for _value, label in form.fields["months"].choices]
    assert labels[0].startswith("Siste")
