"""Activation cannot be used to guess a member's national id: the limits hold over
days, not a quarter of an hour, the e-mailed code cannot be guessed, and the IP limit
does not tell a right identity from a wrong one."""

import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache

from members.minside import activation
from tests.factories import SIGNUP_PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
SIGNUP = "/accounts/signup/"


@pytest.fixture(autouse=True)
def _clear_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def person(club):
    return MemberFactory(club=club, email="kari@example.net")


def signup(client, *, number, national_id, ip, code=""):
    data = {
        "member_number": str(number),
        "national_id": national_id,
        "email_code": code,
        "email": "ny@example.org",
        "password1": SIGNUP_PASSWORD,
        "password2": SIGNUP_PASSWORD,
    }
    return client.post(SIGNUP, data, REMOTE_ADDR=ip)


def guess_wrong(client, person, times: int, *, first_ip: int = 0) -> None:
    for n in range(times):
        wrong = MemberFactory().national_id
        signup(client, number=person.member_number, national_id=wrong, ip=f"10.7.{first_ip}.{n}")


def test_the_member_stays_locked_when_the_short_window_has_passed(client, person, monkeypatch):
    # Two short windows of guessing: without a long window each would give 5 fresh tries,
    # and every valid national id of a birth date would be tried within days.
    monkeypatch.setattr(activation, "ACTIVATION_WINDOW_SECONDS", 1)
    guess_wrong(client, person, activation.ACTIVATION_ATTEMPTS)
    time.sleep(1.5)
    guess_wrong(
        client, person, activation.LONG_ATTEMPTS - activation.ACTIVATION_ATTEMPTS, first_ip=1
    )
    time.sleep(1.5)
    assert activation.member_locked(person.member_number)
    # The real member is not locked out: the right identity gets the code by e-mail.
    response = signup(
        client, number=person.member_number, national_id=person.national_id, ip="10.8.0.1"
    )
    assert str(activation.LOCKED_MESSAGE) in response.content.decode()
    assert not User.objects.filter(email="ny@example.org").exists()


def test_the_code_is_void_after_a_few_wrong_guesses(
    client, person, django_capture_on_commit_callbacks
):
    guess_wrong(client, person, activation.ACTIVATION_ATTEMPTS)
    with django_capture_on_commit_callbacks(execute=True):
        signup(client, number=person.member_number, national_id=person.national_id, ip="10.8.0.1")
    code = re.search(r"^(\d{6})$", mail.outbox[-1].body, re.M).group(1)
    wrong_code = f"{(int(code) + 1) % 10**6:06d}"
    for n in range(activation.CODE_ATTEMPTS):
        signup(
            client,
            number=person.member_number,
            national_id=person.national_id,
            code=wrong_code,
            ip=f"10.9.0.{n}",
        )
    response = signup(
        client,
        number=person.member_number,
        national_id=person.national_id,
        code=code,
        ip="10.9.1.1",
    )
    assert str(activation.LOCKED_MESSAGE) in response.content.decode()
    assert not User.objects.filter(email="ny@example.org").exists()


def test_a_locked_member_can_activate_with_the_code_after_a_wrong_one(
    client, person, django_capture_on_commit_callbacks
):
    guess_wrong(client, person, activation.ACTIVATION_ATTEMPTS)
    with django_capture_on_commit_callbacks(execute=True):
        signup(client, number=person.member_number, national_id=person.national_id, ip="10.8.0.1")
    code = re.search(r"^(\d{6})$", mail.outbox[-1].body, re.M).group(1)
    signup(
        client,
        number=person.member_number,
        national_id=person.national_id,
        code=f"{(int(code) + 1) % 10**6:06d}",
        ip="10.8.0.1",
    )
    response = signup(
        client,
        number=person.member_number,
        national_id=person.national_id,
        code=code,
        ip="10.8.0.1",
    )
    assert response.status_code == 302
    assert User.objects.filter(email="ny@example.org").exists()


def test_a_right_identity_of_a_locked_member_costs_the_ip_an_attempt_too(client, person):
    """Otherwise a guesser would try each national id and then count how many more
    attempts the IP gets: one more than expected means the id was right."""
    guess_wrong(client, person, activation.ACTIVATION_ATTEMPTS)
    for _attempt in range(activation.IP_ATTEMPTS):
        signup(client, number=person.member_number, national_id=person.national_id, ip="10.6.6.6")
    response = signup(
        client, number=person.member_number, national_id=person.national_id, ip="10.6.6.6"
    )
    assert "For mange forsøk" in response.content.decode()
