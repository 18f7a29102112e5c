"""Writes to the member register. Views, admin actions, tasks and commands call these;
nothing else saves a Member or a Position.

Every service is keyword-only, atomic, validates with `full_clean()` before saving,
leaves a simple-history row naming who made the change (`by`) and why, and queues the
partner outbox in the same transaction, so a change and its disclosure commit together.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from clubs.models import Branch, Club, Position, PositionTitle

from .joining import access
from .models import (
    MagazineChoice,
    Member,
    MembershipType,
    MemberStatus,
    ResignationReason,
    Union,
    next_member_numbers,
)
from .validators import normalize_country, normalize_phone

# Fields `member_update_profile` may change. Status, resignation and member number have
# their own services (resign, rejoin, …) so that their rules cannot be bypassed.
PROFILE_FIELD_ORDER = (
    "first_name",
    "last_name",
    "national_id",
    "bank_account",
    "street",
    "postal_code",
    "city",
    "country",
    "phone",
    "email",
    "membership_type",
    "joined_lo_on",
    "joined_union_on",
    "joined_branch_on",
    "branch",
    "club",
    "employer",
    "recruited_by",
    "allow_email",
    "allow_sms",
    "newsletter",
    "magazine",
    "surveys",
    "benefits_marketing_reserved",
    "user",
)
PROFILE_FIELDS = frozenset(PROFILE_FIELD_ORDER)
_FOREIGN_KEYS = {"branch", "club", "employer", "recruited_by", "user"}

# The status a resignation reason leaves the member in.
STATUS_FOR_REASON = {
    ResignationReason.RESIGNED: MemberStatus.RESIGNED,
    ResignationReason.TRANSFER_LO: MemberStatus.TRANSFERRED,
    ResignationReason.TRANSFER_OTHER: MemberStatus.TRANSFERRED,
    ResignationReason.STRUCK_OFF: MemberStatus.STRUCK_OFF,
    ResignationReason.DECEASED: MemberStatus.DECEASED,
}

# Tracked for the outbox: the concrete columns, with secrets compared in plain text.
_TRACKED = [
    f.attname
    for f in Member._meta.concrete_fields
    if f.name not in {"id", "created_at", "updated_at", "national_id_hash"}
]


def _snapshot(member: Member) -> dict[str, Any]:
    return {name: getattr(member, name) for name in _TRACKED}


def _changed(before: dict[str, Any], member: Member) -> set[str]:
    """Return the field names (not attnames) whose value differs from `before`."""
    names = set()
    for attname, old in before.items():
        if getattr(member, attname) != old:
            names.add(attname[:-3] if attname.endswith("_id") else attname)
    return names


def _history_user(by):
    return by if getattr(by, "is_authenticated", False) else None


def _save(instance, *, by, reason: str) -> None:
    """Validate, then save with a history row naming `by` and the reason."""
    instance.full_clean()
    instance._history_user = _history_user(by)
    instance._change_reason = reason
    instance.save()


def _queue_member(member: Member, event: str, changed: set[str]) -> None:
    # The outbox lives in privacy/ (the disclosure side). It is looked up at call time so
    # the register works, and is testable, before or without that module.
    if not changed:
        return
    try:
        from privacy import outbox
    except ImportError:
        return
    queue = getattr(outbox, "queue_member_event", None)
    if queue is not None:
        queue(member=member, event=event, changed_fields=set(changed))


def _queue_position(position: Position, event: str) -> None:
    try:
        from privacy import outbox
    except ImportError:
        return
    queue = getattr(outbox, "queue_position_event", None)
    if queue is not None:
        queue(position=position, event=event)


def _set_national_id(member: Member, value: str) -> None:
    try:
        member.set_national_id(value)
    except ValidationError as error:
        raise ValidationError({"national_id": error.messages}) from None
    taken = Member.objects.by_national_id(member.national_id).exclude(pk=member.pk).exists()
    if taken:
        raise ValidationError(
            {"national_id": _("Det finnes allerede et medlem med dette fødselsnummeret.")}
        )


def _set_bank_account(member: Member, value: str) -> None:
    try:
        member.set_bank_account(value or "")
    except ValidationError as error:
        raise ValidationError({"bank_account": error.messages}) from None


def _set_phone(member: Member, value: str) -> None:
    try:
        member.phone = normalize_phone((value or "").strip())
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from None


def _check_organisation(member: Member) -> None:
    club = member.club if member.club_id else None
    if club is not None and club.branch_id != member.branch_id:
        raise ValidationError({"club": _("Klubben hører til en annen avdeling enn medlemmet.")})
    if member.recruited_by_id and member.recruited_by_id == member.pk:
        raise ValidationError({"recruited_by": _("Et medlem kan ikke verve seg selv.")})


def _apply(member: Member, data: dict[str, Any]) -> None:
    unknown = set(data) - PROFILE_FIELDS - {f"{name}_id" for name in _FOREIGN_KEYS}
    if unknown:
        raise ValidationError(
            _("Disse feltene kan ikke endres her: %(fields)s"),
            params={"fields": ", ".join(sorted(unknown))},
            code="unknown_fields",
        )
    for name, value in data.items():
        if name == "national_id":
            if value != member.national_id:
                _set_national_id(member, value)
        elif name == "bank_account":
            _set_bank_account(member, value)
        elif name == "phone":
            _set_phone(member, value)
        elif name in {"first_name", "last_name", "street", "city", "email"}:
            setattr(member, name, (value or "").strip())
        elif name == "country":
            member.country = normalize_country(value)
        else:
            setattr(member, name, value)


@transaction.atomic
def member_create(
    *,
    by,
    first_name: str,
    last_name: str,
    national_id: str,
    branch: Branch,
    joined_union_on: dt.date,
    **optional: Any,
) -> Member:
    """Enrol a new member with a fresh member number; returns the saved member."""
    member = Member(
        branch=branch,
        joined_union_on=joined_union_on,
        joined_branch_on=optional.pop("joined_branch_on", None) or joined_union_on,
    )
    _apply(member, {"first_name": first_name, "last_name": last_name, **optional})
    _set_national_id(member, national_id)
    if "bank_account" not in optional:
        member.bank_account = ""
    _check_organisation(member)
    # Validate before drawing a number so that bad input does not burn one.
    member.member_number = 0
    member.full_clean(exclude=["member_number"])
    member.member_number = next_member_numbers(1)[0]
    _save(member, by=by, reason="member_create")
    _queue_member(member, "created", set(_changed({k: None for k in _TRACKED}, member)))
    return member


@transaction.atomic
def member_update_profile(*, member: Member, by, data: dict[str, Any]) -> Member:
    """Change any profile field (national id and bank account through their setters).
    Raises ValidationError (per field, in Norwegian) and saves nothing on bad input."""
    before = _snapshot(member)
    _apply(member, dict(data))
    changed = _changed(before, member)
    if not changed:
        return member
    _check_organisation(member)
    _save(member, by=by, reason="member_update_profile")
    _queue_member(member, "updated", changed)
    return member


@transaction.atomic
def member_set_preferences(
    *,
    member: Member,
    by,
    allow_email: bool,
    allow_sms: bool,
    newsletter: bool,
    magazine: str | MagazineChoice,
    surveys: bool,
    benefits_marketing_reserved: bool,
) -> Member:
    """Set the member's communication preferences; returns the member."""
    before = _snapshot(member)
    member.allow_email = allow_email
    member.allow_sms = allow_sms
    member.newsletter = newsletter
    member.magazine = magazine
    member.surveys = surveys
    member.benefits_marketing_reserved = benefits_marketing_reserved
    changed = _changed(before, member)
    if changed:
        _save(member, by=by, reason="member_set_preferences")
        _queue_member(member, "updated", changed)
    return member


@transaction.atomic
def member_change_type(*, member: Member, by, membership_type: str | MembershipType) -> Member:
    """Change the membership type (ordinary, student, pensioner, …)."""
    if member.membership_type == membership_type:
        return member
    member.membership_type = membership_type
    _save(member, by=by, reason="member_change_type")
    _queue_member(member, "updated", {"membership_type"})
    return member


@transaction.atomic
def member_transfer(
    *, member: Member, by, branch: Branch, club: Club | None = None, on: dt.date
) -> Member:
    """Move an active member to another branch and/or club. The branch join date is
    reset when the branch changes; a club at an employer sets the member's employer."""
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError(_("Bare aktive medlemmer kan flyttes."), code="not_active")
    if club is not None and club.branch_id != branch.pk:
        raise ValidationError({"club": _("Klubben hører til en annen avdeling.")})
    before = _snapshot(member)
    if member.branch_id != branch.pk:
        member.joined_branch_on = on
    member.branch = branch
    member.club = club
    if club is not None and club.employer_id:
        member.employer_id = club.employer_id
    changed = _changed(before, member)
    if changed:
        _save(member, by=by, reason="member_transfer")
        _queue_member(member, "updated", changed)
    return member


@transaction.atomic
def member_resign(
    *,
    member: Member,
    by,
    on: dt.date,
    reason: str | ResignationReason,
    union: Union | None = None,
) -> Member:
    """End the membership with a reason; a transfer names the union it goes to (in LO
    or outside, matching the reason). Open positions end on the same day."""
    try:
        reason = ResignationReason(reason)
    except ValueError:
        raise ValidationError(
            {"resignation_reason": _("Ukjent utmeldingsårsak.")}, code="invalid_reason"
        ) from None
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError(_("Medlemmet er allerede utmeldt."), code="not_active")
    if reason in (ResignationReason.TRANSFER_LO, ResignationReason.TRANSFER_OTHER):
        if union is None:
            raise ValidationError(
                {"resignation_union": _("Velg forbundet medlemmet overføres til.")}
            )
        if union.in_lo != (reason == ResignationReason.TRANSFER_LO):
            message = (
                _("Forbundet er ikke med i LO; velg «overført til forbund utenfor LO».")
                if reason == ResignationReason.TRANSFER_LO
                else _("Forbundet er med i LO; velg «overført til annet LO-forbund».")
            )
            raise ValidationError({"resignation_union": message})
    elif union is not None:
        raise ValidationError({"resignation_union": _("Forbund oppgis bare ved overføring.")})
    if on < member.joined_union_on:
        raise ValidationError(
            {"resigned_on": _("Utmeldingsdatoen kan ikke være før innmeldingsdatoen.")}
        )
    before = _snapshot(member)
    member.status = STATUS_FOR_REASON[reason]
    member.resigned_on = on
    member.resignation_reason = reason
    member.resignation_union = union
    _save(member, by=by, reason=f"member_resign:{reason}")
    for position in member.positions.filter(ended_on__isnull=True):
        position_end(position=position, by=by, ended_on=max(on, position.started_on))
    _queue_member(member, "resigned", _changed(before, member))
    return member


def member_strike_off(*, member: Member, by, on: dt.date) -> Member:
    """Strike the member off for non-payment."""
    return member_resign(member=member, by=by, on=on, reason=ResignationReason.STRUCK_OFF)


def member_record_death(*, member: Member, by, on: dt.date) -> Member:
    """Record that the member has died."""
    return member_resign(member=member, by=by, on=on, reason=ResignationReason.DECEASED)


@transaction.atomic
def member_rejoin(*, member: Member, by, on: dt.date) -> Member:
    """Make a former member active again from `on`. The resignation is cleared from the
    record; it stays in the change history."""
    if member.status == MemberStatus.ACTIVE:
        raise ValidationError(_("Medlemmet er allerede aktivt."), code="already_active")
    before = _snapshot(member)
    member.status = MemberStatus.ACTIVE
    member.resigned_on = None
    member.resignation_reason = ""
    member.resignation_union = None
    member.joined_union_on = on
    member.joined_branch_on = on
    _save(member, by=by, reason="member_rejoin")
    _queue_member(member, "updated", _changed(before, member))
    return member


@transaction.atomic
def position_start(
    *,
    member: Member,
    by,
    title: str | PositionTitle,
    club: Club | None = None,
    branch: Branch | None = None,
    started_on: dt.date,
) -> Position:
    """Give an active member a position in their own club or branch."""
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError(_("Bare aktive medlemmer kan ha tillitsverv."), code="not_active")
    if club is not None and club.pk != member.club_id:
        raise ValidationError({"club": _("Medlemmet er ikke med i denne klubben.")})
    if branch is not None and branch.pk != member.branch_id:
        raise ValidationError({"branch": _("Medlemmet hører ikke til denne avdelingen.")})
    position = Position(member=member, title=title, club=club, branch=branch, started_on=started_on)
    _save(position, by=by, reason="position_start")
    _queue_position(position, "created")
    access.position_grant_start(position=position, by=by)
    return position


@transaction.atomic
def position_end(*, position: Position, by, ended_on: dt.date) -> Position:
    """End a position on a day (not before it started)."""
    if position.ended_on is not None and position.ended_on <= ended_on:
        return position
    position.ended_on = ended_on
    _save(position, by=by, reason="position_end")
    _queue_position(position, "updated")
    access.position_grant_end(position=position, by=by, on=ended_on)
    return position
