"""Writes for the public privacy side: cookie choices and requests from members
(access, erasure, rectification, objection, resignation).

Every function is keyword-only and atomic. E-mails to the member are sent after the
transaction commits, so a rolled-back change never tells anyone anything."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from members.validators import mask_national_ids_in_text

from .consent import Consent, current_notice_version
from .models import (
    ConsentRecord,
    DataSubjectRequest,
    RequestChannel,
    RequestKind,
    RequestStatus,
    one_month_after,
)
from .processing import field_labels

logger = logging.getLogger(__name__)

# Fields a rectification may change through `members.services.member_update_profile`.
# National id, bank account, membership and dates are corrected in the register itself.
CORRECTABLE_FIELDS = ("first_name", "last_name", "street", "postal_code", "city", "phone", "email")


# --- Cookie consent ---------------------------------------------------------------


def consent_record(
    *,
    statistics: bool,
    marketing: bool,
    consent_id: str | None = None,
    member=None,
) -> tuple[ConsentRecord, Consent]:
    """Store one cookie choice (no IP, no user agent) and return the record with the
    `Consent` to write into the cookie. A visitor keeps their consent id across choices
    so the records of one browser can be read together."""
    try:
        cid = uuid.UUID(str(consent_id)) if consent_id else uuid.uuid4()
    except ValueError:
        cid = uuid.uuid4()
    version = current_notice_version()
    record = ConsentRecord(
        consent_id=cid,
        necessary=True,
        statistics=bool(statistics),
        marketing=bool(marketing),
        notice_version=version,
        member=member,
    )
    record.full_clean()
    record.save()
    consent = Consent(
        consent_id=str(cid),
        statistics=record.statistics,
        marketing=record.marketing,
        version=version,
    )
    return record, consent


# --- Requests from members --------------------------------------------------------


def _append_note(dsr: DataSubjectRequest, text: str, by=None) -> None:
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    who = (by.get_full_name() or by.email or by.get_username()) if by is not None else "system"
    # Notes are typed by staff and shown to staff: a national id in them is masked.
    line = f"[{stamp}] {who}: {mask_national_ids_in_text(text.strip())}"
    dsr.notes = f"{dsr.notes}\n{line}" if dsr.notes else line


def _mail_member(dsr: DataSubjectRequest, template: str) -> None:
    """Queue an e-mail to the member about `dsr` once the transaction commits."""
    member = dsr.member
    if member is None or not member.email:
        return
    context = {
        "request_obj": dsr,
        "member": member,
        "kind": dsr.get_kind_display(),
    }
    # Members get bokmål regardless of which language the staff user reads.
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(
            render_to_string(f"privacy/email/{template}_subject.txt", context).split()
        )
        body = render_to_string(f"privacy/email/{template}.txt", context)
    recipient = member.email
    request_id = dsr.pk

    def send() -> None:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
        except Exception:
            # Log the request id only: the address is personal data.
            logger.exception("Could not e-mail the member about privacy request %s", request_id)

    transaction.on_commit(send)


@transaction.atomic
def request_create(
    *,
    member,
    kind: str,
    channel: str,
    details: str = "",
    payload: dict[str, Any] | None = None,
    by=None,
    received_on: dt.date | None = None,
) -> DataSubjectRequest:
    """Register a request from `member`, due one month after it was received (today
    unless staff enter a letter's date); the member is e-mailed a receipt after commit.
    Returns the saved request."""
    today = timezone.localdate()
    if received_on is not None and received_on > today:
        raise ValidationError(_("Mottaksdatoen kan ikke være fram i tid."))
    received_on = received_on or today
    dsr = DataSubjectRequest(
        member=member,
        member_number=member.member_number,
        kind=kind,
        channel=channel,
        received_on=received_on,
        due_on=one_month_after(received_on),
        details=mask_national_ids_in_text(details or ""),
        payload=payload or {},
        status=RequestStatus.RECEIVED,
    )
    _append_note(
        dsr,
        str(_("Mottatt via %(channel)s.") % {"channel": RequestChannel(channel).label}),
        by,
    )
    dsr.full_clean()
    dsr.save()
    _mail_member(dsr, "request_received")
    return dsr


@transaction.atomic
def request_nothing_held(*, channel: str) -> DataSubjectRequest:
    """Record an access request from someone the register holds nothing about (proven
    with BankID): answered at once, and nothing about the person is kept."""
    today = timezone.localdate()
    dsr = DataSubjectRequest(
        member=None,
        kind=RequestKind.ACCESS,
        channel=channel,
        received_on=today,
        due_on=one_month_after(today),
        details=str(_("Ingen opplysninger om personen i medlemsregisteret.")),
        payload={"identity": "bankid", "held": False},
        status=RequestStatus.COMPLETED,
        completed_at=timezone.now(),
    )
    _append_note(dsr, str(_("Besvart straks: ingen opplysninger registrert.")), None)
    dsr.full_clean()
    dsr.save()
    return dsr


@transaction.atomic
def request_from_public(
    *, name: str, email: str, phone: str, birth_date, details: str
) -> DataSubjectRequest:
    """An access request through the public form without BankID: staff verify who it is
    from by hand before answering. Returns the request."""
    today = timezone.localdate()
    dsr = DataSubjectRequest(
        member=None,
        kind=RequestKind.ACCESS,
        channel=RequestChannel.WEB,
        received_on=today,
        due_on=one_month_after(today),
        details=mask_national_ids_in_text(details),
        payload={
            "identity": "manual",
            "name": name,
            "email": email,
            "phone": phone,
            "birth_date": birth_date.isoformat() if birth_date else "",
        },
        status=RequestStatus.RECEIVED,
    )
    _append_note(
        dsr,
        str(_("Mottatt via nettskjema uten BankID: identiteten må bekreftes før svar.")),
        None,
    )
    dsr.full_clean()
    dsr.save()
    return dsr


def _require_open(dsr: DataSubjectRequest) -> None:
    if not dsr.is_open:
        raise ValidationError(_("Henvendelsen er allerede avsluttet."))


@transaction.atomic
def request_assign(*, request: DataSubjectRequest, to, by) -> DataSubjectRequest:
    """Give the request to a case handler (or nobody, `to=None`); moves a new request to
    'in progress'. Returns the request."""
    _require_open(request)
    request.assigned_to = to
    if to is not None and request.status == RequestStatus.RECEIVED:
        request.status = RequestStatus.IN_PROGRESS
    who = (to.get_full_name() or to.email or to.get_username()) if to is not None else "-"
    _append_note(request, str(_("Tildelt %(who)s.") % {"who": who}), by)
    request.full_clean()
    request.save(update_fields=["assigned_to", "status", "notes"])
    return request


@transaction.atomic
def request_add_note(*, request: DataSubjectRequest, text: str, by) -> DataSubjectRequest:
    """Append a dated, signed note to the case. Returns the request."""
    if not text.strip():
        raise ValidationError(_("Notatet er tomt."))
    _append_note(request, text, by)
    request.save(update_fields=["notes"])
    return request


@transaction.atomic
def request_complete(
    *, request: DataSubjectRequest, by, note: str = "", rejected: bool = False
) -> DataSubjectRequest:
    """Close the request (as completed, or rejected with a reason) and e-mail the member.
    Returns the request."""
    if request.status not in (
        RequestStatus.RECEIVED,
        RequestStatus.IN_PROGRESS,
        RequestStatus.APPROVED,
    ):
        raise ValidationError(_("Henvendelsen er allerede avsluttet."))
    if rejected and not note.strip():
        raise ValidationError(_("Skriv en begrunnelse for avslaget."))
    request.status = RequestStatus.REJECTED if rejected else RequestStatus.COMPLETED
    request.completed_at = timezone.now()
    label = _("Avslått") if rejected else _("Fullført")
    _append_note(request, f"{label}. {note}".strip(), by)
    request.full_clean()
    request.save(update_fields=["status", "completed_at", "notes"])
    _mail_member(request, "request_rejected" if rejected else "request_completed")
    return request


@transaction.atomic
def request_approve_erasure(*, request: DataSubjectRequest, by) -> DataSubjectRequest:
    """Approve an erasure request. The purge job erases members with an approved erasure
    request; the member is told now, because afterwards there is nobody to tell.
    Returns the request."""
    if request.kind != RequestKind.ERASURE:
        raise ValidationError(_("Bare slettehenvendelser kan godkjennes for sletting."))
    _require_open(request)
    if request.member is None:
        raise ValidationError(_("Medlemmet er allerede slettet."))
    request.status = RequestStatus.APPROVED
    _append_note(request, str(_("Sletting godkjent; utføres av slettejobben.")), by)
    request.full_clean()
    request.save(update_fields=["status", "notes"])
    _mail_member(request, "request_erasure_approved")
    return request


def correction_from_payload(payload: dict[str, Any] | None) -> dict[str, str]:
    """Return the corrections a member proposed, limited to CORRECTABLE_FIELDS. Accepts
    `{"changes": {...}}` or a flat mapping of field to new value."""
    payload = payload or {}
    source = payload.get("changes", payload)
    if not isinstance(source, dict):
        return {}
    return {
        key: str(value)
        for key, value in source.items()
        if key in CORRECTABLE_FIELDS and value is not None
    }


@transaction.atomic
def request_apply_correction(
    *, request: DataSubjectRequest, changes: dict[str, str], by, complete: bool = True
) -> DataSubjectRequest:
    """Apply a rectification to the member through the register's own service (so its
    history, validation and partner updates happen there) and, by default, complete the
    request. Returns the request."""
    from members.services import member_update_profile

    if request.kind != RequestKind.RECTIFICATION:
        raise ValidationError(_("Bare rettingshenvendelser kan rette medlemsdata."))
    _require_open(request)
    if request.member is None:
        raise ValidationError(_("Medlemmet finnes ikke lenger."))
    clean = {key: value for key, value in changes.items() if key in CORRECTABLE_FIELDS}
    if not clean:
        raise ValidationError(_("Ingen endringer å rette."))
    member_update_profile(member=request.member, data=clean, by=by)
    field_names = ", ".join(field_labels(sorted(clean)))
    _append_note(request, str(_("Rettet felter: %(fields)s.") % {"fields": field_names}), by)
    request.save(update_fields=["notes"])
    if complete:
        request_complete(request=request, by=by)
    return request
