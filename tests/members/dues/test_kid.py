"""KIDs: mod-10 and mod-11 check digits, both accepted, both lead to the member."""

from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn

from members.dues.kid import (
    is_valid_kid,
    kid_mod11,
    member_number_from_kid,
    mod10_digit,
    mod11_digit,
)
from members.models import kid_for

member_numbers = st.integers(min_value=1, max_value=9_999_999)
bases = st.text(alphabet="0123456789", min_size=3, max_size=24)


@given(member_numbers)
def test_every_union_kid_is_valid_and_leads_back_to_the_member(number):
    kid = kid_for(number)
    assert is_valid_kid(kid)
    assert member_number_from_kid(kid) == number


@given(member_numbers)
def test_mod11_kids_lead_back_to_the_member_too(number):
    kid = kid_mod11(number)
    if kid.endswith("-"):
        assert is_valid_kid(kid)
    assert member_number_from_kid(kid) == number


@given(bases)
def test_the_mod10_digit_is_luhns(base):
    assert mod10_digit(base) == luhn.calc_check_digit(base)
    assert is_valid_kid(base + mod10_digit(base))


@given(bases, st.integers(min_value=0, max_value=9))
def test_a_wrong_check_digit_is_refused_unless_it_happens_to_be_the_other_schemes(base, digit):
    kid = base + str(digit)
    expected = str(digit) in (mod10_digit(base), mod11_digit(base))
    assert is_valid_kid(kid) is expected


@given(bases)
def test_changing_one_digit_breaks_the_mod10_kid(base):
    kid = base + mod10_digit(base)
    changed = str((int(kid[0]) + 1) % 10) + kid[1:]
    # A single changed digit is always caught by Luhn; only the mod-11 check could
    # accept the changed number by chance.
    assert not is_valid_kid(changed) or changed[-1] == mod11_digit(changed[:-1])


def test_length_and_characters_are_checked():
    assert not is_valid_kid("")
    assert not is_valid_kid("123")  # shorter than 4
    assert not is_valid_kid("1" * 26)
    assert not is_valid_kid("12a45")
    assert not is_valid_kid("-1234")
    assert not is_valid_kid("١٢٣٤٥")  # digits, but not the ASCII digits a KID is made of
    assert not is_valid_kid("1234²")
