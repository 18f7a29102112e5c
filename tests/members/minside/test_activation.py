"""Activation: signup is only for members, who prove who they are with member number
and national id, or come with a staff invitation."""

import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from members.minside import services as selfservice
from members.models import MemberInvitation, MemberStatus
from tests.factories import SIGNUP_PASSWORD, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
SIGNUP = "/accounts/signup/"
GENERIC = "Vi kunne ikke bekrefte medlemskapet"
# What an invited member fills in: the invitation stands in for number and national id.
INVITED_SIGNUP = {
    "email": "kari@example.net",
    "password1": SIGNUP_PASSWORD,
    "password2": SIGNUP_PASSWORD,
}


@pytest.fixture(autouse=True)
def _clear_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def person(club):
    return MemberFactory(club=club, email="kari@example.net")


def signup(client, *, number, national_id, email="ny@example.org", ip="10.0.0.1"):
    data = {
        "member_number": str(number),
        "national_id": national_id,
        "email": email,
        "password1": SIGNUP_PASSWORD,
        "password2": SIGNUP_PASSWORD,
    }
    return client.post(SIGNUP, data, REMOTE_ADDR=ip)


def test_the_signup_page_asks_for_member_number_and_national_id(client):
    response = client.get(SIGNUP)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="member_number"' in html
    assert 'name="national_id"' in html
    assert "Aktiver Min side" in html


def test_a_member_with_the_right_identity_gets_a_login_linked_to_the_membership(client, person):
    response = signup(client, number=person.member_number, national_id=person.national_id)
    assert response.status_code == 302
    user = User.objects.get(email="ny@example.org")
    person.refresh_from_db()
    assert person.user == user
    # Mandatory verification: an e-mail with a confirmation link, not verified yet.
    assert not EmailAddress.objects.get(user=user).verified
    assert any("ny@example.org" in m.to for m in mail.outbox)
    # The change is in the member's history, made by the new user.
    assert person.history.first().history_user == user


def test_national_id_with_spaces_is_accepted(client, person):
    nid = person.national_id
    spaced = f"{nid[:6]} {nid[6:]}"
    signup(client, number=person.member_number, national_id=spaced)
    person.refresh_from_db()
    assert person.user is not None


@pytest.mark.parametrize("case", ["wrong_id", "unknown_number", "already_linked", "resigned"])
def test_every_wrong_identity_gets_the_same_message_and_no_login(client, person, member, case):
    number, national_id = person.member_number, person.national_id
    if case == "wrong_id":
        national_id = MemberFactory().national_id  # a valid id of someone else
    elif case == "unknown_number":
        number = 99999999
    elif case == "already_linked":
        number, national_id = member.member.member_number, member.member.national_id
    elif case == "resigned":
        person.status = MemberStatus.RESIGNED
        person.resigned_on = dt.date(2024, 1, 1)
        person.save()
    users_before = User.objects.count()
    response = signup(client, number=number, national_id=national_id)
    assert response.status_code == 200
    assert GENERIC in response.content.decode()
    assert User.objects.count() == users_before
    person.refresh_from_db()
    assert person.user is None


def test_a_national_id_with_wrong_check_digits_is_reported_on_the_field(client, person):
    bad = person.national_id[:10] + str((int(person.national_id[10]) + 1) % 10)
    response = signup(client, number=person.member_number, national_id=bad)
    html = response.content.decode()
    assert "Kontrollsifrene stemmer ikke" in html
    assert bad not in html  # the typed number is never echoed back


def test_attempts_are_limited_per_ip(client, person):
    other = MemberFactory()
    for _attempt in range(selfservice.ACTIVATION_ATTEMPTS):
        signup(client, number=other.member_number, national_id=person.national_id, ip="10.9.9.9")
    response = signup(
        client, number=person.member_number, national_id=person.national_id, ip="10.9.9.9"
    )
    assert "For mange forsøk" in response.content.decode()
    person.refresh_from_db()
    assert person.user is None


def test_attempts_are_limited_per_member_number_across_ips(client, person):
    wrong = MemberFactory().national_id
    for n in range(selfservice.ACTIVATION_ATTEMPTS):
        signup(client, number=person.member_number, national_id=wrong, ip=f"10.1.1.{n}")
    response = signup(
        client, number=person.member_number, national_id=person.national_id, ip="10.2.2.2"
    )
    assert "For mange forsøk" in response.content.decode()
    person.refresh_from_db()
    assert person.user is None


def test_an_existing_login_email_does_not_create_a_second_account(client, person):
    UserFactory(email="tatt@example.org")
    signup(
        client,
        number=person.member_number,
        national_id=person.national_id,
        email="tatt@example.org",
    )
    person.refresh_from_db()
    assert person.user is None
    assert User.objects.filter(email="tatt@example.org").count() == 1


# --- Invitations -------------------------------------------------------------------


def test_an_invitation_stores_only_a_hash_and_mails_a_single_use_link(
    person, central_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        url = selfservice.invitation_create(member=person, by=central_staff)
    token = url.rstrip("/").rsplit("/", 1)[1]
    invitation = MemberInvitation.objects.get(member=person)
    assert invitation.token_hash == selfservice.token_hash(token)
    assert token not in invitation.token_hash
    assert invitation.expires_at - timezone.now() > dt.timedelta(days=13)
    assert mail.outbox[-1].to == ["kari@example.net"]
    assert url in mail.outbox[-1].body


def _token_from(url):
    return re.search(r"/min-side/aktiver/([^/]+)/", url).group(1)


def test_an_invitation_link_activates_without_national_id(client, person, central_staff):
    url = selfservice.invitation_create(member=person, by=central_staff)
    response = client.get(reverse("minside:invitation", args=[_token_from(url)]))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_signup")
    page = client.get(SIGNUP).content.decode()
    assert 'name="national_id"' not in page
    assert "Du er invitert" in page
    response = client.post(SIGNUP, INVITED_SIGNUP)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.user is not None
    assert MemberInvitation.objects.get(member=person).used_at is not None


def test_a_used_invitation_link_cannot_be_used_again(client, person, central_staff):
    url = selfservice.invitation_create(member=person, by=central_staff)
    token = _token_from(url)
    client.get(reverse("minside:invitation", args=[token]))
    client.post(SIGNUP, INVITED_SIGNUP)
    client.logout()
    response = client.get(reverse("minside:invitation", args=[token]))
    assert response.status_code == 410
    assert "ugyldig, utløpt eller allerede brukt" in response.content.decode()


def test_an_expired_invitation_link_is_refused(client, person, central_staff):
    url = selfservice.invitation_create(member=person, by=central_staff)
    MemberInvitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("minside:invitation", args=[_token_from(url)]))
    assert response.status_code == 410


def test_an_unknown_invitation_token_is_refused(client):
    response = client.get(reverse("minside:invitation", args=["not-a-real-token"]))
    assert response.status_code == 410


def test_an_invitation_that_expires_between_visit_and_signup_links_nothing(
    client, person, central_staff
):
    url = selfservice.invitation_create(member=person, by=central_staff)
    client.get(reverse("minside:invitation", args=[_token_from(url)]))
    MemberInvitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.post(SIGNUP, INVITED_SIGNUP)
    # Without a valid invitation the form asks for number and national id again.
    assert response.status_code == 200
    assert 'name="national_id"' in response.content.decode()
    person.refresh_from_db()
    assert person.user is None


def test_a_new_invitation_retires_the_previous_one(person, central_staff):
    first = _token_from(selfservice.invitation_create(member=person, by=central_staff))
    selfservice.invitation_create(member=person, by=central_staff)
    assert selfservice.invitation_lookup(first) is None


def test_members_with_a_login_cannot_be_invited(member, central_staff):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        selfservice.invitation_create(member=member.member, by=central_staff)


def test_linking_refuses_a_member_that_got_a_login_meanwhile(person):
    from django.core.exceptions import ValidationError

    first, second = UserFactory(), UserFactory()
    selfservice.member_link_user(member=person, user=first)
    with pytest.raises(ValidationError):
        selfservice.member_link_user(member=person, user=second)
    person.refresh_from_db()
    assert person.user == first
