"""Access grants: the only source of access, managed by central staff."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clubs.models import AccessGrant, AccessLevel
from clubs.permissions import scope_for
from clubs.services import grant_create, grant_end
from members.models import Member
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def fresh(user):
    """The user as a new request would see it (the scope is cached per object)."""
    return type(user).objects.get(pk=user.pk)


def test_a_club_grant_gives_exactly_the_clubs_members(club, other_club, central_staff):
    user = UserFactory()
    mine = MemberFactory(club=club)
    MemberFactory(club=other_club)
    grant = grant_create(user=user, level=AccessLevel.CLUB, club=club, by=central_staff)
    # Nothing until the holder takes the grant into use (the e-mailed link and MFA).
    assert list(Member.objects.visible_to(fresh(user))) == []
    AccessGrant.objects.filter(pk=grant.pk).update(activated_at=timezone.now())
    assert list(Member.objects.visible_to(fresh(user))) == [mine]


def test_a_grant_with_the_wrong_scope_for_its_level_is_refused(club, central_staff):
    with pytest.raises(ValidationError):
        grant_create(user=UserFactory(), level=AccessLevel.BRANCH, club=club, by=central_staff)
    with pytest.raises(ValidationError):
        grant_create(user=UserFactory(), level=AccessLevel.CENTRAL, club=club, by=central_staff)


def test_ending_a_grant_takes_access_away_at_once(club_officer, central_staff):
    grant = AccessGrant.objects.get(user=club_officer)
    grant_end(grant=grant, by=central_staff)
    assert not scope_for(fresh(club_officer)).any
    grant.refresh_from_db()
    assert grant.valid_to == TODAY - dt.timedelta(days=1)
    assert grant.history.first().history_user == central_staff


def test_ending_a_grant_that_has_not_started_removes_it(club, central_staff):
    grant = grant_create(
        user=UserFactory(),
        level=AccessLevel.CLUB,
        club=club,
        valid_from=TODAY + dt.timedelta(days=10),
        by=central_staff,
    )
    grant_end(grant=grant, by=central_staff)
    assert not AccessGrant.objects.filter(pk=grant.pk).exists()


def test_an_ended_grant_cannot_be_extended_by_ending_it_later(club_officer, central_staff):
    grant = AccessGrant.objects.get(user=club_officer)
    grant_end(grant=grant, by=central_staff)
    with pytest.raises(ValidationError):
        grant_end(grant=grant, on=TODAY + dt.timedelta(days=30), by=central_staff)


def test_central_staff_give_a_grant_from_the_grants_page(central_staff, branch, client_for):
    user = UserFactory(email="ny.tillitsvalgt@example.org")
    response = client_for(central_staff).post(
        reverse("register:grants"),
        {
            "email": "ny.tillitsvalgt@example.org",
            "level": "branch",
            "branch": branch.pk,
            "valid_from": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302
    grant = AccessGrant.objects.get(user=user)
    assert grant.level == AccessLevel.BRANCH and grant.branch == branch and grant.club is None


def test_an_unknown_user_is_refused_on_the_grants_page(central_staff, client_for):
    response = client_for(central_staff).post(
        reverse("register:grants"),
        {"email": "ingen@example.org", "level": "central", "valid_from": TODAY.isoformat()},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"]


def test_central_staff_end_a_grant_from_its_page(central_staff, club_officer, client_for):
    grant = AccessGrant.objects.get(user=club_officer)
    client = client_for(central_staff)
    url = reverse("register:grant_end", args=[grant.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"last_day": (TODAY - dt.timedelta(days=1)).isoformat()})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.valid_to == TODAY - dt.timedelta(days=1)


def test_the_grants_page_lists_grants_in_force(central_staff, club_officer, client_for):
    page = client_for(central_staff).get(reverse("register:grants")).content.decode()
    assert club_officer.email in page
