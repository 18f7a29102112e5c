"""The dashboard's table cells: the fast integer formatting gives exactly what
`number_format(n, force_grouping=True)` gives, in each language, and cells are escaped."""

import pytest
from django.utils import translation
from django.utils.formats import number_format

from members.stats.sections import INT, TEXT, Column, Section, display, int_formatter

NUMBERS = [0, 1, 4, 5, 999, 1000, 1001, 12345, 999999, 1000000, 123456789, -1, -1234, -1234567]


@pytest.mark.parametrize("language", ["nb", "en"])
def test_integers_read_as_number_format_has_them(language):
    with translation.override(language):
        grouped = int_formatter()
        for n in NUMBERS:
            assert display(n, INT, grouped) == number_format(n, force_grouping=True)
            assert display(n, INT) == number_format(n, force_grouping=True)


def test_table_cells_are_escaped_and_numbers_right_aligned():
    section = Section(
        key="k",
        title="t",
        columns=[Column("Klubb", TEXT), Column("Medlemmer", INT), Column("Note", TEXT)],
        rows=[["<b>Klubb & co</b>", 12345, "<5"], ["Uten klubb", None, ""]],
    )
    with translation.override("nb"):
        body = section.table_body()
    assert "&lt;b&gt;Klubb &amp; co&lt;/b&gt;" in body
    assert '<td class="num">12\xa0345</td>' in body
    assert "<td>&lt;5</td>" in body
    assert '<td class="num">–</td>' in body
