"""Resignation on Min side for real, the daily job, type and employer changes, grants
from positions, and the staff pages around them."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clubs.models import AccessGrant, AccessLevel, PositionTitle
from members import services as member_services
from members.choices import MemberStatus
from members.joining import lifecycle
from members.joining.access import position_grants_sync
from members.joining.models import (
    ChangeStatus,
    PositionAccessRule,
    PositionGrant,
    Resignation,
    ResignationStatus,
)
from members.models import DuesRate
from members.tasks import apply_lifecycle
from tests.factories import ClubFactory, EmployerFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_default_effective_date_is_the_end_of_the_month(settings):
    assert lifecycle.default_effective_date(dt.date(2025, 2, 3)) == dt.date(2025, 2, 28)
    assert lifecycle.default_effective_date(dt.date(2024, 12, 31)) == dt.date(2024, 12, 31)
    settings.RESIGNATION_EFFECTIVE = "end_of_next_month"
    assert lifecycle.default_effective_date(dt.date(2024, 12, 5)) == dt.date(2025, 1, 31)


def test_resign_withdraw_resign_and_the_daily_job_applies_it(client_for, member):
    m = member.member
    client = client_for(member)
    client.post(reverse("minside:resign"), {"reason": "resigned", "confirm": "on"})
    first = Resignation.objects.get()
    response = client.post(reverse("minside:resign_withdraw"))
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == ResignationStatus.WITHDRAWN
    client.post(reverse("minside:resign"), {"reason": "resigned", "confirm": "on"})
    second = Resignation.objects.get(status=ResignationStatus.PENDING)
    # Before the date nothing happens.
    apply_lifecycle(on=(second.effective_on - dt.timedelta(days=1)).isoformat())
    m.refresh_from_db()
    assert m.status == MemberStatus.ACTIVE
    apply_lifecycle(on=second.effective_on.isoformat())
    m.refresh_from_db()
    second.refresh_from_db()
    assert m.status == MemberStatus.RESIGNED and m.resigned_on == second.effective_on
    assert second.status == ResignationStatus.APPLIED
    # Running again changes nothing; a withdrawn one is never applied.
    assert lifecycle.resignations_apply_due(today=second.effective_on) == 0
    with pytest.raises(ValidationError):
        lifecycle.resignation_withdraw(resignation=second, by=member)


def test_a_member_may_choose_a_later_date_but_not_an_earlier_one(
    client_for, member, mailoutbox, django_capture_on_commit_callbacks
):
    from privacy.models import DataSubjectRequest

    client = client_for(member)
    earliest = lifecycle.default_effective_date()
    too_early = earliest - dt.timedelta(days=1)
    response = client.post(
        reverse("minside:resign"),
        {"reason": "resigned", "confirm": "on", "effective_on": too_early.isoformat()},
    )
    assert response.status_code == 400
    assert "Utmeldingen kan tidligst gjelde fra" in response.content.decode()
    assert not Resignation.objects.exists()
    with pytest.raises(ValidationError) as error:
        lifecycle.resignation_give_notice(
            member=member.member, by=member, reason="resigned", effective_on=too_early
        )
    assert "effective_on" in error.value.error_dict
    later = earliest + dt.timedelta(days=45)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("minside:resign"),
            {"reason": "resigned", "confirm": "on", "effective_on": later.isoformat()},
        )
    assert response.status_code == 302
    assert Resignation.objects.get().effective_on == later
    # A resignation for real: a receipt, and no privacy request opened for it.
    assert [m.subject for m in mailoutbox] == ["Kvittering for utmelding"]
    assert not DataSubjectRequest.objects.exists()
    assert lifecycle.resignations_apply_due(today=earliest) == 0


def test_a_transfer_to_a_union_outside_the_list_is_applied_with_that_union(member):
    resignation = lifecycle.resignation_give_notice(
        member=member.member, by=member, reason="transfer_other", other_union="Lederne"
    )
    lifecycle.resignations_apply_due(today=resignation.effective_on)
    member.member.refresh_from_db()
    assert member.member.status == MemberStatus.TRANSFERRED
    assert member.member.resignation_union.name == "Lederne"


def test_staff_see_pending_resignations(client_for, central_staff, member, club_officer):
    lifecycle.resignation_give_notice(member=member.member, by=member, reason="resigned")
    html = client_for(central_staff).get(reverse("joining_staff:resignations")).content.decode()
    assert member.member.last_name in html
    assert client_for(club_officer).get(reverse("joining_staff:resignations")).status_code == 404


def test_a_type_change_that_changes_dues_waits_for_staff(client_for, member, central_staff):
    year = timezone.localdate().year
    DuesRate.objects.create(
        year=year, membership_type="ordinary", percent=1.3, monthly_cap_ore=57500
    )
    DuesRate.objects.create(year=year, membership_type="pensioner", flat_monthly_ore=10000)
    response = client_for(member).post(
        reverse("minside:membership"), {"form": "type", "membership_type": "pensioner"}
    )
    assert response.status_code == 302
    member.member.refresh_from_db()
    assert member.member.membership_type == "ordinary"
    change = member.member.membership_changes.get()
    assert change.status == ChangeStatus.PENDING
    staff = client_for(central_staff)
    assert member.member.last_name in staff.get(reverse("joining_staff:changes")).content.decode()
    staff.post(reverse("joining_staff:changes"), {"change": change.pk, "decision": "approve"})
    member.member.refresh_from_db()
    assert member.member.membership_type == "pensioner"


def test_a_type_change_with_the_same_dues_is_applied_at_once(member):
    year = timezone.localdate().year
    for kind in ("ordinary", "apprentice"):
        DuesRate.objects.create(year=year, membership_type=kind, flat_monthly_ore=5000)
    change = lifecycle.membership_type_change_request(
        member=member.member, by=member, membership_type="apprentice"
    )
    assert change.status == ChangeStatus.APPLIED
    member.member.refresh_from_db()
    assert member.member.membership_type == "apprentice"


def test_a_student_must_name_the_school(member):
    with pytest.raises(ValidationError) as error:
        lifecycle.membership_type_change_request(
            member=member.member, by=member, membership_type="student"
        )
    assert "Skriv hvor du studerer." in str(error.value)


def test_an_employer_change_moves_the_member_to_that_club(client_for, member):
    new_club = ClubFactory(name="Klubb Nytt Verk")
    response = client_for(member).post(
        reverse("minside:membership"),
        {"form": "employer", "employer_query": new_club.employer.org_number},
    )
    assert response.status_code == 302
    member.member.refresh_from_db()
    assert member.member.club == new_club and member.member.branch == new_club.branch
    assert member.member.employer == new_club.employer


def test_an_employer_without_a_club_leaves_the_club(member):
    employer = EmployerFactory()
    lifecycle.employer_change(member=member.member, by=member, employer=employer)
    member.member.refresh_from_db()
    assert member.member.employer == employer and member.member.club is None


# --- Positions carry their access ------------------------------------------------------


def test_a_club_position_gives_a_club_grant_that_ends_with_it(member, club, central_staff):
    position = member_services.position_start(
        member=member.member,
        by=central_staff,
        title=PositionTitle.KLUBBLEDER,
        club=club,
        started_on=timezone.localdate(),
    )
    link = PositionGrant.objects.get(position=position)
    grant = link.grant
    assert (grant.user, grant.level, grant.club) == (member, AccessLevel.CLUB, club)
    # Takes effect only once activated with the second factor.
    assert grant.activated_at is None
    assert not AccessGrant.objects.active().filter(user=member).exists()
    end = timezone.localdate() + dt.timedelta(days=10)
    member_services.position_end(position=position, by=central_staff, ended_on=end)
    grant.refresh_from_db()
    assert grant.valid_to == end


def test_one_login_a_club_position_feeds_training_and_its_grant_needs_the_second_factor(
    member, club, central_staff, django_capture_on_commit_callbacks, mailoutbox
):
    """The member's own Min side login gets the Klubbkontoret grant; it counts only once
    taken into use from the mailed link (after MFA), and the training platform hears of
    the new club officer."""
    import re

    from clubs import services as club_services
    from clubs.permissions import scope_for
    from privacy.models import Disclosure

    with django_capture_on_commit_callbacks(execute=True):
        position = member_services.position_start(
            member=member.member,
            by=central_staff,
            title=PositionTitle.SEKRETAER,
            club=club,
            started_on=timezone.localdate(),
        )
    assert Disclosure.objects.filter(
        recipient__slug="training", member=member.member, event="created"
    ).exists()
    grant = PositionGrant.objects.get(position=position).grant
    assert grant.user == member.member.user == member
    assert club.pk not in scope_for(member).club_ids
    token = re.search(r"/klubbkontoret/tilgang/([^/\s]+)/", mailoutbox[-1].body).group(1)
    club_services.grant_activate(token=token, user=member)
    assert AccessGrant.objects.active().filter(pk=grant.pk).exists()
    today = timezone.localdate()
    member_services.position_end(position=position, by=central_staff, ended_on=today)
    assert AccessGrant.objects.active(today).filter(pk=grant.pk).exists()
    tomorrow = today + dt.timedelta(days=1)
    assert not AccessGrant.objects.active(tomorrow).filter(user=member).exists()


def test_a_branch_board_position_gives_a_branch_grant(member, branch, central_staff):
    position = member_services.position_start(
        member=member.member,
        by=central_staff,
        title=PositionTitle.STYREMEDLEM,
        branch=branch,
        started_on=timezone.localdate(),
    )
    grant = PositionGrant.objects.get(position=position).grant
    assert grant.level == AccessLevel.BRANCH and grant.branch == branch


def test_a_title_without_a_rule_gives_no_access(member, club, central_staff):
    position = member_services.position_start(
        member=member.member,
        by=central_staff,
        title=PositionTitle.VERNEOMBUD,
        club=club,
        started_on=timezone.localdate(),
    )
    assert not PositionGrant.objects.filter(position=position).exists()


def test_the_daily_job_catches_up_with_holders_who_got_a_login_later(club, central_staff):
    holder = MemberFactory(club=club)
    member_services.position_start(
        member=holder,
        by=central_staff,
        title=PositionTitle.KASSERER,
        club=club,
        started_on=timezone.localdate(),
    )
    assert not PositionGrant.objects.exists()
    holder.user = UserFactory()
    holder.save()
    assert position_grants_sync() == 1
    assert position_grants_sync() == 0


def test_staff_edit_the_table_of_access_from_positions(client_for, central_staff, member):
    staff = client_for(central_staff)
    PositionAccessRule.objects.filter(title="verneombud").delete()
    staff.post(reverse("joining_staff:access_rules"), {"title": "verneombud", "level": "club"})
    rule = PositionAccessRule.objects.get(title="verneombud", level="club")
    staff.post(reverse("joining_staff:access_rules"), {"delete": rule.pk})
    assert not PositionAccessRule.objects.filter(pk=rule.pk).exists()
    assert client_for(member).get(reverse("joining_staff:access_rules")).status_code == 404


# --- Recruitment -------------------------------------------------------------------------


def test_recruitment_counts_per_period_and_branch(client_for, central_staff, member, club):
    from members.joining.models import Recruitment

    recruiter = member.member
    today = timezone.localdate()
    for n in range(3):
        recruit = MemberFactory(club=club)
        Recruitment.objects.create(
            recruiter=recruiter,
            recruit=recruit,
            branch=club.branch,
            credited_on=today - dt.timedelta(days=400 * (n == 2)),
        )
    mine = client_for(member).get(reverse("minside:recruits"))
    assert mine.context["this_year"] == 2
    assert mine.context["total"] == 3
    staff = client_for(central_staff)
    page = staff.get(
        reverse("joining_staff:recruitment"),
        {"start": (today - dt.timedelta(days=30)).isoformat(), "end": today.isoformat()},
    )
    assert page.context["total"] == 2
    other_branch = staff.get(
        reverse("joining_staff:recruitment"),
        {
            "start": (today - dt.timedelta(days=30)).isoformat(),
            "end": today.isoformat(),
            "branch": ClubFactory().branch.pk,
        },
    )
    assert other_branch.context["total"] == 0
