"""Addresses typed on Min side and by staff are checked against Posten's register: an
unknown code ("0000") or a code with another place ("0150 Mongstad") is refused, an empty
place is filled in; staff cannot date a membership in the future."""

import datetime as dt

import pytest
from django.utils import timezone

from members.minside.forms import ProfileForm
from members.register.forms import MemberEditForm

pytestmark = pytest.mark.django_db


def profile_form(member, **data):
    return ProfileForm({"street": "Gata 1", "phone": "", "email": "", **data}, member=member)


def test_an_unknown_postal_code_is_refused(member):
    form = profile_form(member.member, postal_code="0000", city="Oslo")
    assert not form.is_valid()
    assert "postal_code" in form.errors


def test_a_postal_code_of_another_place_is_refused(member):
    form = profile_form(member.member, postal_code="0150", city="Mongstad")
    assert not form.is_valid()
    assert "Oslo" in " ".join(form.errors["city"])


def test_an_empty_postal_place_is_filled_in_from_the_register(member):
    form = profile_form(member.member, postal_code="0150", city="")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["city"] == "Oslo"


def test_staff_cannot_date_a_membership_in_the_future(member):
    m = member.member
    data = {key: value for key, value in MemberEditForm.initial_for(m).items() if value is not None}
    data.update(
        postal_code="0150",
        city="Oslo",
        country="NO",
        joined_union_on=(timezone.localdate() + dt.timedelta(days=3)).isoformat(),
    )
    form = MemberEditForm(data)
    assert not form.is_valid()
    assert "joined_union_on" in form.errors
