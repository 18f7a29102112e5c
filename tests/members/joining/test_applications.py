"""Applications: verification, duplicates and rejoin (no enumeration), acceptance into
the register, rejection, retention, recruitment credits, staff queue."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from members.choices import MemberStatus
from members.joining import services
from members.joining.models import ApplicationStatus, JoinApplication, Recruitment
from members.models import Member, MemberInvitation
from privacy.models import Disclosure, Recipient
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


_capture = {}


@pytest.fixture(autouse=True)
def _on_commit(django_capture_on_commit_callbacks):
    # Mails go out after commit: run those callbacks as each step commits.
    _capture["fn"] = django_capture_on_commit_callbacks


def committed(fn, *args, **kwargs):
    with _capture["fn"](execute=True):
        return fn(*args, **kwargs)


def apply(client, data):
    return committed(client.post, reverse("joining:join"), data)


def verify(client):
    return committed(client.post, reverse("joining:verify", args=[verify_link()]))


def accept(application, by):
    return committed(services.application_accept, application=application, by=by)


def verify_link() -> str:
    for message in reversed(mail.outbox):
        found = re.search(r"https?://\S+/bli-medlem/bekreft/(\S+)/", message.body)
        if found:
            return found.group(1)
    raise AssertionError([m.subject for m in mail.outbox])


def test_an_application_counts_only_after_the_e_mail_is_verified(client, form_data):
    apply(client, form_data)
    application = JoinApplication.objects.get()
    assert application.status == ApplicationStatus.UNVERIFIED
    assert mail.outbox[-1].to == ["kari@example.org"]
    token = verify_link()
    assert client.get(reverse("joining:verify", args=[token])).status_code == 200
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNVERIFIED  # a GET confirms nothing
    response = committed(client.post, reverse("joining:verify", args=[token]))
    assert response.status_code == 200
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING and application.verified_at
    again = client.post(reverse("joining:verify", args=[token]))
    assert again.status_code == 410


def test_the_application_keeps_terms_notice_version_and_organisation(client, form_data, club):
    apply(client, form_data)
    application = JoinApplication.objects.get()
    assert application.terms_accepted_at is not None
    assert application.branch == club.branch and application.club == club
    assert application.phone == "+4791234567"
    assert application.national_id == form_data["national_id"]


def test_an_active_member_gets_the_same_answer_and_a_mail_to_the_address_on_file(client, form_data):
    existing = MemberFactory(email="på-fil@example.net")
    data = {**form_data, "national_id": existing.national_id, "email": "annen@example.org"}
    response = apply(client, data)
    assert response.status_code == 302 and response.url == reverse("joining:sent")
    assert not JoinApplication.objects.exists()
    assert [m.to for m in mail.outbox] == [["på-fil@example.net"]]
    assert "allerede medlem" in mail.outbox[0].body
    # Same answer page for a stranger: nothing tells them apart.
    assert apply(client, form_data).url == response.url


def test_a_resigned_member_rejoins_on_the_same_record(client, form_data, central_staff, club):
    former = MemberFactory(
        status=MemberStatus.RESIGNED,
        resigned_on=dt.date(2023, 6, 30),
        resignation_reason="resigned",
    )
    apply(client, {**form_data, "national_id": former.national_id})
    application = JoinApplication.objects.get()
    assert application.rejoin_member == former
    verify(client)
    member = accept(application, central_staff)
    assert member.pk == former.pk and Member.objects.count() == 1
    member.refresh_from_db()
    assert member.status == MemberStatus.ACTIVE and member.resigned_on is None
    assert member.joined_union_on == timezone.localdate()
    assert member.club == club and member.email == "kari@example.org"
    assert member.history.filter(history_change_reason="member_rejoin").exists()


def test_a_second_application_while_one_is_pending_is_not_created(client, form_data):
    apply(client, form_data)
    verify(client)
    apply(client, form_data)
    assert JoinApplication.objects.count() == 1


def test_accepting_creates_the_member_with_invitation_recruiter_and_disclosures(
    client, form_data, central_staff, club
):
    recruiter = MemberFactory(phone="+4790000001")
    Recipient.objects.update_or_create(
        slug="lo",
        defaults=dict(
            name="LO",
            active=True,
            purpose_nb="x",
            purpose_en="x",
            legal_basis_nb="x",
            legal_basis_en="x",
            role="controller",
            fields=["member_number", "first_name"],
            rule="all_active",
        ),
    )
    apply(client, {**form_data, "recruiter_reference": "900 00 001"})
    verify(client)
    application = JoinApplication.objects.get()
    assert application.recruited_by == recruiter
    mail.outbox.clear()
    member = accept(application, central_staff)
    assert member.member_number and member.branch == club.branch and member.club == club
    assert member.recruited_by == recruiter
    assert member.national_id == form_data["national_id"]
    assert Disclosure.objects.filter(member=member, event="created").exists()
    assert MemberInvitation.objects.filter(member=member, used_at__isnull=True).exists()
    subjects = [m.subject for m in mail.outbox]
    assert "Velkommen som medlem" in subjects and "Lag innlogging til Min side" in subjects
    credit = Recruitment.objects.get()
    assert (credit.recruiter, credit.recruit) == (recruiter, member)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED and application.member == member


def test_an_unknown_recruiter_reference_is_never_revealed(client, form_data):
    response = apply(client, {**form_data, "recruiter_reference": "99999999"})
    assert response.status_code == 302
    assert JoinApplication.objects.get().recruited_by is None


def test_a_recruit_is_credited_once_and_only_when_accepted(client, form_data, central_staff):
    recruiter = MemberFactory()
    apply(client, {**form_data, "recruiter_reference": str(recruiter.member_number)})
    assert not Recruitment.objects.exists()  # an application is not a recruit yet
    verify(client)
    assert not Recruitment.objects.exists()
    application = JoinApplication.objects.get()
    member = accept(application, central_staff)
    with pytest.raises(ValidationError):
        accept(application, central_staff)
    assert Recruitment.objects.filter(recruiter=recruiter).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Recruitment.objects.create(
            recruiter=MemberFactory(), recruit=member, credited_on=member.joined_union_on
        )


def test_a_rejoin_without_a_recruiter_keeps_the_first_and_credits_nobody_again(
    client, form_data, central_staff
):
    first = MemberFactory()
    former = MemberFactory(
        status=MemberStatus.RESIGNED,
        resigned_on=dt.date(2023, 6, 30),
        resignation_reason="resigned",
        recruited_by=first,
    )
    Recruitment.objects.create(recruiter=first, recruit=former, credited_on=dt.date(2019, 1, 1))
    apply(client, {**form_data, "national_id": former.national_id})
    verify(client)
    member = accept(JoinApplication.objects.get(), central_staff)
    assert member.pk == former.pk and member.recruited_by == first
    assert Recruitment.objects.filter(recruit=member).count() == 1
    # Recruited back by someone else: that recruiter is credited for this membership.
    services_resign(member, central_staff)
    second = MemberFactory()
    apply(
        client,
        {
            **form_data,
            "national_id": former.national_id,
            "recruiter_reference": str(second.member_number),
        },
    )
    verify(client)
    member = accept(JoinApplication.objects.filter(status="pending").get(), central_staff)
    assert member.recruited_by == second
    credits = Recruitment.objects.filter(recruit=member).values_list("recruiter", flat=True)
    assert sorted(credits) == sorted([first.pk, second.pk])


def services_resign(member, by):
    from members import services as member_services

    member_services.member_resign(member=member, by=by, on=timezone.localdate(), reason="resigned")


def test_a_transfer_from_an_lo_union_keeps_the_lo_join_date(client, form_data, central_staff):
    from members.models import Union

    union = Union.objects.create(name="Fellesforbundet", in_lo=True)
    apply(client, {**form_data, "previous_union": union.pk, "joined_lo_on": "2004-02-01"})
    verify(client)
    member = accept(JoinApplication.objects.get(), central_staff)
    assert member.joined_lo_on == dt.date(2004, 2, 1)
    assert member.previous_memberships.get().union == union


def test_rejecting_tells_the_applicant_and_needs_a_reason(client, form_data, central_staff):
    apply(client, form_data)
    application = JoinApplication.objects.get()
    with pytest.raises(ValidationError):
        services.application_reject(application=application, by=central_staff, reason=" ")
    committed(
        services.application_reject,
        application=application,
        by=central_staff,
        reason="Ikke i vårt område",
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert "Ikke i vårt område" in mail.outbox[-1].body


def test_retention_unverified_30_days_rejected_90_days(client, form_data, central_staff):
    now = timezone.now()
    apply(client, form_data)
    unverified = JoinApplication.objects.get()
    JoinApplication.objects.filter(pk=unverified.pk).update(created_at=now - dt.timedelta(days=29))
    assert services.applications_purge() == 0
    JoinApplication.objects.filter(pk=unverified.pk).update(created_at=now - dt.timedelta(days=31))
    assert services.applications_purge() == 1
    apply(client, {**form_data, "email": "b@example.org"})
    rejected = JoinApplication.objects.get()
    services.application_reject(application=rejected, by=central_staff, reason="Nei")
    JoinApplication.objects.filter(pk=rejected.pk).update(decided_at=now - dt.timedelta(days=89))
    assert services.applications_purge() == 0
    JoinApplication.objects.filter(pk=rejected.pk).update(decided_at=now - dt.timedelta(days=91))
    assert services.applications_purge() == 1
    assert not JoinApplication.objects.exists()


def test_automatic_acceptance_when_every_check_passes(client, form_data, settings):
    settings.JOIN_AUTO_ACCEPT = True
    apply(client, form_data)
    verify(client)
    application = JoinApplication.objects.get()
    assert application.status == ApplicationStatus.ACCEPTED
    assert Member.objects.filter(pk=application.member_id).exists()


# --- The staff queue ------------------------------------------------------------------


def test_staff_accept_from_the_queue(client, client_for, form_data, central_staff, club_officer):
    apply(client, form_data)
    verify(client)
    application = JoinApplication.objects.get()
    staff = client_for(central_staff)
    queue = staff.get(reverse("joining_staff:applications"))
    assert "Nordmann, Kari" in queue.content.decode()
    page = staff.get(reverse("joining_staff:application", args=[application.pk]))
    assert form_data["national_id"] not in page.content.decode()
    response = staff.post(reverse("joining_staff:accept", args=[application.pk]), {"confirm": "on"})
    assert response.status_code == 302
    member = Member.objects.get(first_name="Kari")
    # The club's officers find the new member on "Nye medlemmer".
    new_members = client_for(club_officer).get(reverse("klubb:new_members")).content.decode()
    assert f"{member.member_number}" in new_members and "Nordmann, Kari" in new_members


def test_branch_officers_see_their_branch_and_cannot_decide(
    client, client_for, form_data, branch_officer, club_officer
):
    apply(client, form_data)
    verify(client)
    application = JoinApplication.objects.get()
    officer = client_for(branch_officer)
    assert "Nordmann" in officer.get(reverse("joining_staff:applications")).content.decode()
    page = officer.get(reverse("joining_staff:application", args=[application.pk]))
    assert page.status_code == 200 and "Godkjenn innmeldingen" not in page.content.decode()
    assert officer.post(reverse("joining_staff:accept", args=[application.pk])).status_code == 404
    club_client = client_for(club_officer)
    assert club_client.get(reverse("joining_staff:applications")).status_code == 404


def test_staff_register_a_member_with_the_same_form(client_for, form_data, central_staff, club):
    staff = client_for(central_staff)
    assert staff.get(reverse("joining_staff:register_member")).status_code == 200
    response = staff.post(reverse("joining_staff:register_member"), form_data)
    member = Member.objects.get(first_name="Kari")
    assert response.status_code == 302
    assert response.url == reverse("register:member", args=[member.pk])


def test_the_queue_needs_few_queries(
    client_for, central_staff, django_assert_max_num_queries, club
):
    from members.joining.models import JoinApplication as J

    for n in range(5):
        J.objects.create(
            first_name=f"P{n}",
            last_name="X",
            national_id="x",
            national_id_hash=f"h{n}",
            birth_date=dt.date(1990, 1, 1),
            street="s",
            postal_code="5003",
            city="Bergen",
            phone="+4791234567",
            email="x@example.org",
            membership_type="ordinary",
            payment_method="invoice",
            terms_accepted_at=timezone.now(),
            token_hash=f"t{n}",
            status="pending",
            branch=club.branch,
            employer=club.employer,
        )
    staff = client_for(central_staff)
    with django_assert_max_num_queries(15):
        assert staff.get(reverse("joining_staff:applications")).status_code == 200
