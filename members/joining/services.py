"""Joining (innmelding): the application from /bli-medlem/ or staff, verification of
the e-mail address, acceptance into the register through `members.services`, rejection
and the retention of applications.

A person who is already in the register is found by the keyed hash of the national id:
a former member rejoins on the same record (history kept); an active member gets the
same neutral answer as everybody, and an e-mail to the address on file. The answer
never tells whether a national id or a recruiter is known.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clubs.models import Branch, Club, Employer
from members import services
from members.choices import MembershipType, MemberStatus
from members.crypto import keyed_hash
from members.minside.services import absolute_url, invitation_create, mail_member, token_hash
from members.models import Benefit, BenefitEnrolment, BenefitReservation, Member, PreviousMembership
from members.validators import (
    birth_date_from_national_id,
    normalize_national_id,
    normalize_phone,
    validate_national_id,
    validate_org_number,
)

from .models import ApplicationStatus, JoinApplication, Recruitment

logger = logging.getLogger(__name__)

MINIMUM_AGE = 15
# Statuses of a former member who may rejoin on the same record. A death is final.
REJOIN_STATUSES = (MemberStatus.RESIGNED, MemberStatus.STRUCK_OFF, MemberStatus.TRANSFERRED)
OPEN_STATUSES = (ApplicationStatus.UNVERIFIED, ApplicationStatus.PENDING)
APPLICATION_FIELDS = (
    "first_name",
    "last_name",
    "street",
    "postal_code",
    "city",
    "phone",
    "email",
    "employer",
    "new_employer_name",
    "new_employer_org_number",
    "membership_type",
    "school",
    "payment_method",
    "previous_union",
    "joined_lo_on",
    "recruiter_reference",
    "insurance_reserved",
    "privacy_notice_version",
)


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def check_national_id(value: str, *, today: dt.date | None = None) -> str:
    """Return the normalised national id of someone old enough to join. Raises
    ValidationError (Norwegian, never echoing the number) otherwise."""
    digits = normalize_national_id(value)
    validate_national_id(digits)
    today = today or timezone.localdate()
    if age_on(birth_date_from_national_id(digits, today=today), today) < MINIMUM_AGE:
        raise ValidationError(
            _("Du må være minst %(age)s år for å bli medlem."),
            code="too_young",
            params={"age": MINIMUM_AGE},
        )
    return digits


def find_recruiter(reference: str) -> Member | None:
    """The active member a recruiter reference (member number or mobile) points to."""
    reference = (reference or "").strip().replace(" ", "")
    if not reference:
        return None
    active = Member.objects.filter(status=MemberStatus.ACTIVE)
    if reference.isdigit() and len(reference) <= 8 and not reference.startswith(("4", "9")):
        return active.filter(member_number=int(reference)).first()
    try:
        phone = normalize_phone(reference)
    except ValidationError:
        phone = ""
    if phone:
        found = active.filter(phone=phone).order_by("pk").first()
        if found is not None:
            return found
    if reference.isdigit():
        return active.filter(member_number=int(reference)).first()
    return None


def organisation_for(employer: Employer | None) -> tuple[Branch | None, Club | None]:
    """The branch and club an employer's workplace belongs to (its first club)."""
    if employer is None:
        return None, None
    club = Club.objects.filter(employer=employer).select_related("branch").order_by("pk").first()
    return (club.branch, club) if club else (None, None)


def _resolve_employer(data: dict[str, Any]) -> None:
    """A new employer's org number must be valid; a known one is used as it is."""
    if data.get("employer") is not None:
        data["new_employer_name"] = ""
        data["new_employer_org_number"] = ""
        return
    number = (data.get("new_employer_org_number") or "").replace(" ", "")
    if not number:
        return
    try:
        validate_org_number(number)
    except ValidationError as error:
        raise ValidationError({"new_employer_org_number": error.messages}) from None
    data["new_employer_org_number"] = number
    known = Employer.objects.filter(org_number=number).first()
    if known is not None:
        data["employer"] = known
        data["new_employer_name"] = ""
        data["new_employer_org_number"] = ""


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


@transaction.atomic
def application_submit(
    *, data: dict[str, Any], national_id: str, by=None, request=None, verified: bool = False
) -> JoinApplication | None:
    """Receive an application. Returns it, or None when the person is an active member
    (they get an e-mail at the address on file instead) or already has an application
    in progress: the caller shows the same answer either way. With `verified` (staff
    registering someone) no verification e-mail is sent. Raises ValidationError on bad
    input."""
    digits = check_national_id(national_id)
    digest = keyed_hash(digits)
    existing = Member.objects.filter(national_id_hash=digest).first()
    if existing is not None and existing.status not in REJOIN_STATUSES:
        if existing.status == MemberStatus.ACTIVE:
            mail_member(
                to=existing.email,
                template="joining/already_member",
                context={
                    "member": existing,
                    "url": absolute_url(reverse("minside:index"), request),
                },
            )
        return None
    if JoinApplication.objects.filter(
        national_id_hash=digest, status=ApplicationStatus.PENDING
    ).exists():
        return None
    # An earlier unverified application is replaced by the new one.
    JoinApplication.objects.filter(
        national_id_hash=digest, status=ApplicationStatus.UNVERIFIED
    ).delete()
    data = {name: data.get(name) for name in APPLICATION_FIELDS if name in data}
    _resolve_employer(data)
    data["phone"] = normalize_phone((data.get("phone") or "").strip())
    data["email"] = (data.get("email") or "").strip().lower()
    if data.get("membership_type") != MembershipType.STUDENT:
        data["school"] = ""
    branch, club = organisation_for(data.get("employer"))
    token, digest_token = _new_token()
    now = timezone.now()
    application = JoinApplication(
        **{k: v for k, v in data.items() if v is not None},
        national_id=digits,
        national_id_hash=digest,
        birth_date=birth_date_from_national_id(digits),
        recruited_by=find_recruiter(data.get("recruiter_reference") or ""),
        branch=branch,
        club=club,
        rejoin_member=existing,
        token_hash=digest_token,
        terms_accepted_at=now,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    if verified:
        application.status = ApplicationStatus.PENDING
        application.verified_at = now
    application.full_clean()
    application.save()
    if not verified:
        url = absolute_url(reverse("joining:verify", args=[token]), request)
        mail_member(
            to=application.email,
            template="joining/verify",
            context={"application": application, "url": url},
        )
    return application


def application_lookup(token: str) -> JoinApplication | None:
    """The unverified, unexpired application a verification link belongs to."""
    if not token:
        return None
    return (
        JoinApplication.objects.filter(
            token_hash=token_hash(token), status=ApplicationStatus.UNVERIFIED
        )
        .exclude(pk__in=JoinApplication.objects.expired().values("pk"))
        .first()
    )


@transaction.atomic
def application_verify(*, token: str, request=None) -> JoinApplication:
    """Confirm the e-mail address: the application now counts and goes to staff (or is
    accepted at once when `JOIN_AUTO_ACCEPT` is on and every check passes). Raises
    ValidationError for an unknown, used or expired link."""
    found = application_lookup(token)
    if found is None:
        raise ValidationError(
            _("Lenken er ugyldig, utløpt eller allerede brukt."), code="invalid_link"
        )
    application = JoinApplication.objects.select_for_update().get(pk=found.pk)
    application.status = ApplicationStatus.PENDING
    application.verified_at = timezone.now()
    application.save(update_fields=["status", "verified_at"])
    if getattr(settings, "JOIN_AUTO_ACCEPT", False) and auto_accept_ok(application):
        application_accept(application=application, by=None, request=request)
        application.refresh_from_db()
    return application


def auto_accept_ok(application: JoinApplication) -> bool:
    """Whether nothing needs a person's judgement: a known employer with a club, an
    ordinary membership, no rejoin and no transfer from another union."""
    return bool(
        application.employer_id
        and application.branch_id
        and application.membership_type == MembershipType.ORDINARY
        and application.rejoin_member_id is None
        and application.previous_union_id is None
    )


def _member_data(application: JoinApplication, branch: Branch, club: Club | None) -> dict:
    employer = application.employer
    if employer is None and application.new_employer_org_number:
        employer, _created = Employer.objects.get_or_create(
            org_number=application.new_employer_org_number,
            defaults={"name": application.new_employer_name},
        )
    return {
        "first_name": application.first_name,
        "last_name": application.last_name,
        "street": application.street,
        "postal_code": application.postal_code,
        "city": application.city,
        "country": "NO",
        "phone": application.phone,
        "email": application.email,
        "membership_type": application.membership_type,
        "branch": branch,
        "club": club,
        "employer": employer,
        "recruited_by": application.recruited_by,
    }


def _insurance(member: Member, *, reserved: bool, on: dt.date) -> None:
    """Enrol the new member in the collective insurance, or record the reservation."""
    name = getattr(settings, "COLLECTIVE_INSURANCE_BENEFIT", "Kollektiv hjemforsikring")
    benefit = Benefit.objects.filter(name=name, active=True).first()
    if benefit is None:
        return
    if reserved:
        BenefitReservation.objects.get_or_create(
            member=member,
            benefit=benefit,
            defaults={"reserved_on": on, "note": "innmelding"},
        )
    elif not member.benefit_enrolments.filter(benefit=benefit, ended_on__isnull=True).exists():
        BenefitEnrolment.objects.create(member=member, benefit=benefit, enrolled_on=on)


@transaction.atomic
def application_accept(
    *,
    application: JoinApplication,
    by,
    branch: Branch | None = None,
    club: Club | None = None,
    request=None,
) -> Member:
    """Make the applicant a member (or a member again, on the same record): member
    number, join dates, branch and club, recruiter credit, insurance, the partner
    disclosures (through the member services' outbox) and a welcome e-mail with a
    single-use link to create the Min side login. Returns the member."""
    application = JoinApplication.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.PENDING:
        raise ValidationError(
            _("Bare bekreftede innmeldinger som venter, kan godkjennes."), code="not_pending"
        )
    branch = branch or application.branch
    if club is not None:
        branch = club.branch
    club = (
        club if club is not None else (application.club if branch == application.branch else None)
    )
    if branch is None:
        raise ValidationError({"branch": _("Velg avdelingen medlemmet skal høre til.")})
    today = timezone.localdate()
    data = _member_data(application, branch, club)
    lo_date = application.joined_lo_on if application.previous_union_id else None
    if application.rejoin_member_id:
        member = Member.objects.select_for_update().get(pk=application.rejoin_member_id)
        services.member_rejoin(member=member, by=by, on=today)
        if application.recruited_by_id is None or application.recruited_by_id == member.pk:
            # No (valid) recruiter this time: the record keeps who recruited them first.
            data.pop("recruited_by")
        member = services.member_update_profile(
            member=member, by=by, data={**data, "joined_lo_on": lo_date or member.joined_lo_on}
        )
    else:
        if Member.objects.filter(national_id_hash=application.national_id_hash).exists():
            raise ValidationError(
                _("Personen er allerede i registeret. Avslå innmeldingen."), code="exists"
            )
        member = services.member_create(
            by=by,
            national_id=application.national_id,
            joined_union_on=today,
            joined_lo_on=lo_date or today,
            **data,
        )
    if application.previous_union_id:
        PreviousMembership.objects.create(
            member=member,
            union=application.previous_union,
            from_date=application.joined_lo_on or today,
            to_date=today,
        )
    _insurance(member, reserved=application.insurance_reserved, on=today)
    # Credited for this application's recruiter only: a rejoin without one must not
    # credit the first recruiter a second time.
    if application.recruited_by_id and member.recruited_by_id == application.recruited_by_id:
        Recruitment.objects.get_or_create(
            recruit=member,
            credited_on=member.joined_union_on,
            defaults={"recruiter_id": member.recruited_by_id, "branch": member.branch},
        )
    application.status = ApplicationStatus.ACCEPTED
    application.decided_at = timezone.now()
    application.decided_by = by if getattr(by, "is_authenticated", False) else None
    application.member = member
    application.branch = branch
    application.club = club
    application.save()
    mail_member(to=member.email, template="joining/welcome", context={"member": member})
    if member.user_id is None and member.email:
        invitation_create(member=member, by=by, request=request)
    return member


@transaction.atomic
def application_reject(*, application: JoinApplication, by, reason: str) -> JoinApplication:
    """Reject with a reason the applicant is told. The application is deleted 90 days
    later. Returns it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Skriv en begrunnelse.")})
    application = JoinApplication.objects.select_for_update().get(pk=application.pk)
    if application.status not in OPEN_STATUSES:
        raise ValidationError(_("Innmeldingen er allerede behandlet."), code="not_open")
    application.status = ApplicationStatus.REJECTED
    application.rejection_reason = reason
    application.decided_at = timezone.now()
    application.decided_by = by if getattr(by, "is_authenticated", False) else None
    application.save()
    mail_member(
        to=application.email,
        template="joining/rejected",
        context={"application": application, "reason": reason},
    )
    return application


def applications_purge(*, now: dt.datetime | None = None) -> int:
    """Delete applications past their retention; returns how many. Idempotent."""
    deleted, _detail = JoinApplication.objects.expired(now=now).delete()
    return deleted
