"""History values as people read them."""

from members.models import Member
from members.readable import value_text


def test_a_phone_number_in_the_history_reads_as_on_every_other_page():
    assert value_text(Member, "phone", "+4747108136") == "47 10 81 36"


def test_an_empty_value_reads_as_a_dash():
    assert value_text(Member, "phone", "") == "–"
