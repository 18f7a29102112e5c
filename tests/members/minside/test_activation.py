"""Activation: signup is only for members, who prove who they are with member number
and national id, or come with a staff invitation. The login is linked to the member
only once its own e-mail address is confirmed."""

import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from members.minside import activation
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


def confirm_email(client, address: str):
    """Open the confirmation link allauth mailed to `address`, as its owner would."""
    message = [m for m in mail.outbox if address in m.to][-1]
    url = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body).group(1)
    return client.post(url)


def test_the_signup_page_asks_for_member_number_and_national_id(client):
    response = client.get(SIGNUP)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="member_number"' in html
    assert 'name="national_id"' in html
    assert "Aktiver Min side" in html


def test_a_member_with_the_right_identity_gets_a_login_linked_to_the_membership(
    client, person, django_capture_on_commit_callbacks
):
    response = signup(client, number=person.member_number, national_id=person.national_id)
    assert response.status_code == 302
    user = User.objects.get(email="ny@example.org")
    # Mandatory verification: an e-mail with a confirmation link, not verified yet, and
    # nothing linked until the address is proven.
    assert not EmailAddress.objects.get(user=user).verified
    person.refresh_from_db()
    assert person.user is None
    with django_capture_on_commit_callbacks(execute=True):
        confirm_email(client, "ny@example.org")
    person.refresh_from_db()
    assert person.user == user
    # The change is in the member's history, made by the new user.
    assert person.history.first().history_user == user
    # The member is told at the address on file that a login was linked.
    notice = [m for m in mail.outbox if m.to == ["kari@example.net"]]
    assert len(notice) == 1
    assert "koblet til medlemskapet" in notice[0].subject


def test_national_id_with_spaces_is_accepted(client, person):
    nid = person.national_id
    spaced = f"{nid[:6]} {nid[6:]}"
    signup(client, number=person.member_number, national_id=spaced)
    confirm_email(client, "ny@example.org")
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
    for _attempt in range(activation.IP_ATTEMPTS):
        other = MemberFactory()
        signup(client, number=other.member_number, national_id=person.national_id, ip="10.9.9.9")
    response = signup(
        client, number=person.member_number, national_id=person.national_id, ip="10.9.9.9"
    )
    assert "For mange forsøk" in response.content.decode()
    person.refresh_from_db()
    assert person.user is None


def _use_up_the_members_attempts(client, person):
    wrong = MemberFactory().national_id
    # Every spelling of the number counts against the one member.
    spellings = [str(person.member_number), f"0{person.member_number}", f"00{person.member_number}"]
    for n in range(activation.ACTIVATION_ATTEMPTS):
        signup(client, number=spellings[n % 3], national_id=wrong, ip=f"10.1.1.{n}")


@pytest.mark.parametrize(
    "number",
    ["１００００１", "١٠٠٠٠١", "100001²", "10000１"],
    ids=["full-width", "arabic-indic", "superscript", "mixed"],
)
def test_a_member_number_in_other_digits_than_ascii_is_refused(client, person, number):
    response = signup(client, number=number, national_id=person.national_id)
    assert "bare av sifrene 0–9" in response.content.decode()
    assert not activation.ActivationClaim.objects.exists()


def test_leading_zeros_do_not_give_a_fresh_counter(client, person):
    _use_up_the_members_attempts(client, person)
    assert activation.member_locked(person.member_number)
    response = signup(
        client, number=f"000{person.member_number}", national_id=MemberFactory().national_id
    )
    assert "engangskode" in response.content.decode()


def test_a_locked_member_answers_the_same_for_a_right_and_a_wrong_identity(
    client, person, django_capture_on_commit_callbacks
):
    _use_up_the_members_attempts(client, person)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        wrong = signup(client, number=person.member_number, national_id=MemberFactory().national_id)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        right = signup(client, number=person.member_number, national_id=person.national_id)
    # Same message either way; only the real member's inbox gets the code.
    assert str(activation.LOCKED_MESSAGE) in wrong.content.decode()
    assert str(activation.LOCKED_MESSAGE) in right.content.decode()
    assert 'name="email_code"' in right.content.decode()
    assert [m.to for m in mail.outbox] == [["kari@example.net"]]
    assert not User.objects.filter(email="ny@example.org").exists()


def test_a_locked_member_can_still_activate_with_the_code_from_the_address_on_file(
    client, person, django_capture_on_commit_callbacks
):
    _use_up_the_members_attempts(client, person)
    with django_capture_on_commit_callbacks(execute=True):
        signup(client, number=person.member_number, national_id=person.national_id)
    code = re.search(r"^(\d{6})$", mail.outbox[-1].body, re.M).group(1)
    data = {
        "member_number": str(person.member_number),
        "national_id": person.national_id,
        "email_code": code,
        "email": "ny@example.org",
        "password1": SIGNUP_PASSWORD,
        "password2": SIGNUP_PASSWORD,
    }
    response = client.post(SIGNUP, data, REMOTE_ADDR="10.3.3.3")
    assert response.status_code == 302
    confirm_email(client, "ny@example.org")
    person.refresh_from_db()
    assert person.user == User.objects.get(email="ny@example.org")


def test_a_wrong_code_does_not_open_a_locked_member(client, person):
    _use_up_the_members_attempts(client, person)
    signup(client, number=person.member_number, national_id=person.national_id)
    data = {
        "member_number": str(person.member_number),
        "national_id": person.national_id,
        "email_code": "000000",
        "email": "ny@example.org",
        "password1": SIGNUP_PASSWORD,
        "password2": SIGNUP_PASSWORD,
    }
    response = client.post(SIGNUP, data)
    assert str(activation.LOCKED_MESSAGE) in response.content.decode()
    assert not User.objects.filter(email="ny@example.org").exists()


def test_a_login_whose_address_is_never_confirmed_is_never_linked(client, person):
    signup(client, number=person.member_number, national_id=person.national_id)
    person.refresh_from_db()
    assert person.user is None
    assert activation.ActivationClaim.objects.filter(member=person).exists()


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
    assert MemberInvitation.objects.get(member=person).used_at is not None
    confirm_email(client, INVITED_SIGNUP["email"])
    person.refresh_from_db()
    assert person.user is not None


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
    activation.member_link_user(member=person, user=first)
    with pytest.raises(ValidationError):
        activation.member_link_user(member=person, user=second)
    person.refresh_from_db()
    assert person.user == first
