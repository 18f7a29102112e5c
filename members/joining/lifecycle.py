"""Leaving and changing: a resignation the member gives notice of on Min side (carried
out by the daily job on its effective date, withdrawable until then), and changes of
membership type and employer. Writes to the member go through `members.services`."""

from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from clubs.models import Employer
from members import services
from members.choices import MembershipType, MemberStatus, ResignationReason
from members.minside.services import mail_member
from members.models import DuesRate, Member, Union
from members.validators import mask_national_ids_in_text

from .access import position_grants_sync
from .models import ChangeKind, ChangeStatus, MembershipChange, Resignation, ResignationStatus
from .services import applications_purge, organisation_for

MEMBER_REASONS = (
    ResignationReason.RESIGNED,
    ResignationReason.TRANSFER_LO,
    ResignationReason.TRANSFER_OTHER,
)


def default_effective_date(today: dt.date | None = None) -> dt.date:
    """When a resignation given today takes effect: the end of the month by default
    (`RESIGNATION_EFFECTIVE` = "end_of_month"), or "end_of_next_month", or "today"."""
    today = today or timezone.localdate()
    rule = getattr(settings, "RESIGNATION_EFFECTIVE", "end_of_month")
    if rule == "today":
        return today
    year, month = today.year, today.month
    if rule == "end_of_next_month":
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def pending_resignation(member: Member) -> Resignation | None:
    return member.resignations.filter(status=ResignationStatus.PENDING).first()


@transaction.atomic
def resignation_give_notice(
    *,
    member: Member,
    by,
    reason: str,
    union: Union | None = None,
    other_union: str = "",
    details: str = "",
    effective_on: dt.date | None = None,
) -> Resignation:
    """Register the member's resignation; it takes effect on `effective_on` (default and
    earliest: `default_effective_date`) and can be withdrawn until then. A receipt goes by e-mail.
    Raises ValidationError (per field, Norwegian). Returns the resignation."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError(_("Medlemskapet ditt er allerede avsluttet."), code="not_active")
    if reason not in MEMBER_REASONS:
        raise ValidationError({"reason": _("Velg en årsak.")})
    other_union = (other_union or "").strip()
    if reason == ResignationReason.TRANSFER_LO and (union is None or not union.in_lo):
        raise ValidationError({"union": _("Velg LO-forbundet du går over til.")})
    if reason == ResignationReason.TRANSFER_OTHER:
        if union is not None and union.in_lo:
            raise ValidationError(
                {"union": _("Forbundet er med i LO; velg «overført til annet LO-forbund».")}
            )
        if union is None and not other_union:
            raise ValidationError({"union": _("Velg eller skriv navnet på forbundet.")})
    if reason == ResignationReason.RESIGNED:
        union, other_union = None, ""
    today = timezone.localdate()
    earliest = default_effective_date(today)
    effective_on = effective_on or earliest
    if effective_on < today:
        raise ValidationError({"effective_on": _("Utmeldingsdatoen kan ikke være tilbake i tid.")})
    if effective_on < earliest:
        # The union's rule (RESIGNATION_EFFECTIVE) is the earliest; later is the member's.
        raise ValidationError(
            {
                "effective_on": ValidationError(
                    _("Utmeldingen kan tidligst gjelde fra %(date)s."),
                    code="too_early",
                    params={"date": date_format(earliest, "j. F Y")},
                )
            }
        )
    resignation = Resignation(
        member=member,
        reason=reason,
        union=union,
        other_union=other_union if union is None else "",
        # Free text from the member, shown to staff: a national id typed in is masked.
        details=mask_national_ids_in_text((details or "").strip()),
        effective_on=effective_on,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    resignation.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            resignation.save()
    except IntegrityError:
        raise ValidationError(
            _("Du har allerede meldt deg ut. Du kan trekke utmeldingen til den trer i kraft."),
            code="duplicate",
        ) from None
    mail_member(
        to=member.email,
        template="joining/resignation_receipt",
        context={"member": member, "resignation": resignation},
    )
    return resignation


@transaction.atomic
def resignation_withdraw(*, resignation: Resignation, by) -> Resignation:
    """Take back a resignation before it takes effect. Raises ValidationError once it
    has been carried out. Returns the resignation."""
    resignation = (
        Resignation.objects.select_for_update().select_related("member").get(pk=resignation.pk)
    )
    if resignation.status != ResignationStatus.PENDING:
        raise ValidationError(
            _("Utmeldingen er allerede gjennomført eller trukket."), code="not_pending"
        )
    resignation.status = ResignationStatus.WITHDRAWN
    resignation.withdrawn_at = timezone.now()
    resignation.save(update_fields=["status", "withdrawn_at"])
    mail_member(
        to=resignation.member.email,
        template="joining/resignation_withdrawn",
        context={"member": resignation.member, "resignation": resignation},
    )
    return resignation


@transaction.atomic
def resignation_apply(*, resignation: Resignation, by=None) -> Resignation:
    """Carry out one due resignation through `member_resign` (idempotent)."""
    resignation = Resignation.objects.select_for_update().get(pk=resignation.pk)
    if resignation.status != ResignationStatus.PENDING:
        return resignation
    member = Member.objects.select_for_update().get(pk=resignation.member_id)
    if member.status == MemberStatus.ACTIVE:
        union = resignation.union
        if union is None and resignation.other_union:
            # A union outside LO the member typed in: kept in the (editable) list,
            # inactive until staff decide to offer it.
            union, _created = Union.objects.get_or_create(
                name=resignation.other_union, defaults={"in_lo": False, "active": False}
            )
        services.member_resign(
            member=member,
            by=by,
            on=max(resignation.effective_on, member.joined_union_on),
            reason=resignation.reason,
            union=union,
        )
    resignation.status = ResignationStatus.APPLIED
    resignation.applied_at = timezone.now()
    resignation.save(update_fields=["status", "applied_at"])
    return resignation


def resignations_apply_due(*, today: dt.date | None = None) -> int:
    """Carry out every pending resignation whose date has come; returns how many. Each
    in its own transaction, so one bad row does not hold back the others."""
    today = today or timezone.localdate()
    due = Resignation.objects.filter(
        status=ResignationStatus.PENDING, effective_on__lte=today
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(due):
        resignation_apply(resignation=Resignation(pk=pk))
        count += 1
    return count


# --- Changes of membership type and employer --------------------------------------


def _rate_terms(membership_type: str, year: int) -> dict | None:
    rate = DuesRate.objects.filter(year=year, membership_type=membership_type).first()
    if rate is None:
        return None
    return model_to_dict(rate, exclude=["id", "year", "membership_type"])


def changes_dues(old: str, new: str, *, year: int | None = None) -> bool:
    """Whether moving from one membership type to another changes the dues (by this
    year's rates; a missing rate counts as a change: staff must look)."""
    year = year or timezone.localdate().year
    old_terms, new_terms = _rate_terms(old, year), _rate_terms(new, year)
    return old_terms is None or new_terms is None or old_terms != new_terms


@transaction.atomic
def membership_type_change_request(
    *, member: Member, by, membership_type: str, school: str = ""
) -> MembershipChange:
    """Ask to change the membership type. A change that changes the dues waits for
    staff approval; any other is applied at once. Returns the change row."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError(_("Bare aktive medlemmer kan endre medlemskapet."), code="not_active")
    if membership_type not in MembershipType.values:
        raise ValidationError({"membership_type": _("Velg en medlemskapstype.")})
    if membership_type == member.membership_type:
        raise ValidationError({"membership_type": _("Du har allerede denne medlemskapstypen.")})
    if membership_type == MembershipType.STUDENT and not (school or "").strip():
        raise ValidationError({"school": _("Skriv hvor du studerer.")})
    if member.membership_changes.filter(
        kind=ChangeKind.MEMBERSHIP_TYPE, status=ChangeStatus.PENDING
    ).exists():
        raise ValidationError(
            _("Du har allerede en endring som venter på godkjenning."), code="duplicate"
        )
    change = MembershipChange(
        member=member,
        kind=ChangeKind.MEMBERSHIP_TYPE,
        membership_type=membership_type,
        previous_membership_type=member.membership_type,
        school=(school or "").strip() if membership_type == MembershipType.STUDENT else "",
    )
    change.save()
    if not changes_dues(member.membership_type, membership_type):
        _apply_type(change, member=member, by=by)
    return change


def _apply_type(change: MembershipChange, *, member: Member, by) -> None:
    services.member_change_type(member=member, by=by, membership_type=change.membership_type)
    change.status = ChangeStatus.APPLIED
    change.decided_at = timezone.now()
    change.decided_by = by if getattr(by, "is_authenticated", False) else None
    change.save(update_fields=["status", "decided_at", "decided_by"])


@transaction.atomic
def membership_change_decide(
    *, change: MembershipChange, by, approve: bool, note: str = ""
) -> MembershipChange:
    """Staff approve (apply) or reject a pending type change; the member is told."""
    change = MembershipChange.objects.select_for_update().select_related("member").get(pk=change.pk)
    if change.status != ChangeStatus.PENDING:
        raise ValidationError(_("Endringen er allerede behandlet."), code="not_pending")
    change.note = (note or "").strip()
    if approve:
        change.save(update_fields=["note"])
        member = Member.objects.select_for_update().get(pk=change.member_id)
        if member.status != MemberStatus.ACTIVE:
            raise ValidationError(_("Medlemmet er ikke aktivt."), code="not_active")
        _apply_type(change, member=member, by=by)
    else:
        change.status = ChangeStatus.REJECTED
        change.decided_at = timezone.now()
        change.decided_by = by if getattr(by, "is_authenticated", False) else None
        change.save(update_fields=["status", "decided_at", "decided_by", "note"])
    mail_member(
        to=change.member.email,
        template="joining/change_decided",
        context={"member": change.member, "change": change},
    )
    return change


@transaction.atomic
def employer_change(*, member: Member, by, employer: Employer) -> MembershipChange:
    """Move the member to a new employer, and to that workplace's club (and its
    branch) when it has one; the club's officers see the member from now on. Returns
    the change row (a receipt)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError(_("Bare aktive medlemmer kan endre medlemskapet."), code="not_active")
    if employer.pk == member.employer_id:
        raise ValidationError(
            {"employer": _("Du er allerede registrert hos denne arbeidsgiveren.")}
        )
    branch, club = organisation_for(employer)
    change = MembershipChange(
        member=member,
        kind=ChangeKind.EMPLOYER,
        employer=employer,
        previous_club=member.club,
        new_club=club,
    )
    today = timezone.localdate()
    if club is not None:
        services.member_transfer(member=member, by=by, branch=branch, club=club, on=today)
    else:
        services.member_update_profile(
            member=member, by=by, data={"employer": employer, "club": None}
        )
    change.status = ChangeStatus.APPLIED
    change.decided_at = timezone.now()
    change.save()
    return change


def run_daily(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily lifecycle job: carry out due resignations, delete applications past
    their retention, and give position holders the grants they are still missing.
    Safe to run twice."""
    return {
        "resignations": resignations_apply_due(today=today),
        "applications_deleted": applications_purge(),
        "grants": position_grants_sync(today=today),
    }
