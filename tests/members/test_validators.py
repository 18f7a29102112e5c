"""Validators for Norwegian identifiers: every valid number accepted, every single-digit
change rejected, messages in Norwegian that never repeat the number."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum.no import kontonr, orgnr

from members.validators import (
    birth_date_from_national_id,
    make_national_id,
    mask_bank_account,
    mask_national_id,
    normalize_phone,
    validate_bank_account,
    validate_national_id,
    validate_org_number,
    validate_phone,
    validate_postal_code,
)

TODAY = dt.date(2026, 1, 1)
birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))


@st.composite
def national_ids(draw):
    """(number, birth date) for fødselsnummer, D-nummer, H-nummer, both schemes."""
    born = draw(birth_dates)
    if born.year >= 2000:
        individual = draw(st.integers(500, 999))
    else:
        individual = draw(st.integers(0, 499))
    kind = draw(st.sampled_from(["f", "d", "h"]))
    scheme_2032 = draw(st.booleans())
    try:
        number = make_national_id(
            born, individual, d_number=kind == "d", h_number=kind == "h", scheme_2032=scheme_2032
        )
    except ValueError:
        assume(False)
    return number, born


@given(national_ids())
@settings(max_examples=400, deadline=None)
def test_every_generated_national_id_is_accepted_with_its_birth_date(case):
    number, born = case
    validate_national_id(number)
    assert birth_date_from_national_id(number) == born


@given(national_ids(), st.integers(0, 10), st.integers(1, 9))
@settings(max_examples=400, deadline=None)
def test_every_single_digit_change_is_rejected(case, position, delta):
    number, _born = case
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    with pytest.raises(ValidationError):
        validate_national_id(changed)


def test_a_2032_scheme_number_is_accepted_where_stdnum_alone_would_reject_it():
    from stdnum.no import fodselsnummer

    number = next(
        n for individual in range(100, 200) for n in [_try(dt.date(1990, 5, 17), individual)] if n
    )
    assert not fodselsnummer.is_valid(number)
    validate_national_id(number)


def _try(born, individual, *, scheme_2032=True):
    try:
        return make_national_id(born, individual, scheme_2032=scheme_2032)
    except ValueError:
        return None


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "invalid_length"),
        ("1234567890", "invalid_length"),
        ("123456789012", "invalid_length"),
        ("0101901234a", "invalid_length"),
        ("01019012345", "invalid_checksum"),
    ],
)
def test_malformed_national_ids_are_rejected_with_a_code(value, code):
    with pytest.raises(ValidationError) as error:
        validate_national_id(value)
    assert error.value.code == code
    assert value not in str(error.value.messages) or not value


def test_an_impossible_date_is_rejected():
    # 31 February with check digits that add up.
    for individual in range(500):
        base = f"310290{individual:03d}"
        k1 = -sum(int(d) * w for d, w in zip(base, (3, 7, 6, 1, 8, 9, 4, 5, 2), strict=True)) % 11
        if k1 == 10:
            continue
        base += str(k1)
        k2 = (
            -sum(int(d) * w for d, w in zip(base, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
        )
        if k2 == 10:
            continue
        with pytest.raises(ValidationError) as error:
            validate_national_id(base + str(k2))
        assert error.value.code == "invalid_date"
        return
    pytest.fail("no candidate number")


def test_a_number_with_spaces_or_dots_is_accepted():
    number = next(
        n for i in range(100, 200) if (n := _try(dt.date(1990, 1, 1), i, scheme_2032=False))
    )
    validate_national_id(f"{number[:6]} {number[6:]}")
    validate_national_id(f"{number[:6]}.{number[6:]}")


def test_mask_shows_only_the_birth_date_part():
    assert mask_national_id("01019012345") == "010190 *****"
    assert mask_national_id("") == ""
    assert mask_bank_account("12345678903") == "**** ** 78903"


@st.composite
def bank_accounts(draw):
    base = draw(st.from_regex(r"\A[1-9][0-9]{9}\Z"))
    weights = (6, 7, 8, 9, 4, 5, 6, 7, 8, 9)
    check = sum(w * int(d) for w, d in zip(weights, base, strict=True)) % 11
    assume(check < 10)
    return base + str(check)


@given(bank_accounts(), st.integers(0, 10), st.integers(1, 9))
@settings(max_examples=200, deadline=None)
def test_valid_bank_accounts_pass_and_any_single_digit_change_fails(account, position, delta):
    assert kontonr.is_valid(account)
    validate_bank_account(account)
    validate_bank_account(f"{account[:4]}.{account[4:6]}.{account[6:]}")
    changed = (
        account[:position] + str((int(account[position]) + delta) % 10) + account[position + 1 :]
    )
    with pytest.raises(ValidationError):
        validate_bank_account(changed)


@pytest.mark.parametrize("value", ["", "1234", "1234567890a", "123456789012"])
def test_malformed_bank_accounts_are_rejected(value):
    with pytest.raises(ValidationError):
        validate_bank_account(value)


@given(st.from_regex(r"\A[89][0-9]{7}\Z"), st.integers(0, 8), st.integers(1, 9))
@settings(max_examples=200, deadline=None)
def test_org_numbers_pass_and_any_single_digit_change_fails(base, position, delta):
    check = -sum(int(d) * w for d, w in zip(base, (3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
    assume(check < 10)
    number = base + str(check)
    assert orgnr.is_valid(number)
    validate_org_number(number)
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    with pytest.raises(ValidationError):
        validate_org_number(changed)


@pytest.mark.parametrize("value", ["", "12345678", "1234567890", "98765432a"])
def test_malformed_org_numbers_are_rejected(value):
    with pytest.raises(ValidationError):
        validate_org_number(value)


@pytest.mark.parametrize("value", ["0150", "9990", "0001"])
def test_four_digit_postal_codes_pass(value):
    validate_postal_code(value)


@pytest.mark.parametrize("value", ["", "150", "01500", "O150", " 0150"])
def test_other_postal_codes_fail_with_a_norwegian_message(value):
    with pytest.raises(ValidationError) as error:
        validate_postal_code(value)
    assert "fire siffer" in error.value.messages[0]


@pytest.mark.parametrize(
    ("value", "e164"),
    [
        ("91234567", "+4791234567"),
        ("912 34 567", "+4791234567"),
        ("+47 22 00 00 00", "+4722000000"),
        ("0047 41234567", "+4741234567"),
        ("+46 70 123 45 67", "+46701234567"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(value, e164):
    assert normalize_phone(value) == e164
    validate_phone(e164)


@pytest.mark.parametrize("value", ["123", "abc", "+47 1234", "99999999999999"])
def test_invalid_phone_numbers_are_rejected(value):
    with pytest.raises(ValidationError):
        normalize_phone(value)


def test_a_valid_phone_not_in_e164_is_refused_by_the_model_validator():
    with pytest.raises(ValidationError) as error:
        validate_phone("912 34 567")
    assert error.value.code == "not_e164"


def test_make_national_id_rejects_out_of_range_individual_numbers():
    with pytest.raises(ValueError):
        make_national_id(TODAY, 1000)
