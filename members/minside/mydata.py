"""Read side of Min side: everything the register holds about one member, for the
"My data" page, its JSON download and the PDF access report; and the payment figures
for the payments page and the annual statement.

The page budget is 12 SQL queries including session, user and grants, so related rows
are fetched with as few queries as the ORM allows: the member with its foreign keys and
counts in one query, and the four small "period" lists (earlier unions, positions,
benefits, reservations) in one UNION query.

National id and bank account appear masked everywhere here, also in the JSON: the
member sees that we hold them and which they are, without the full number travelling
through downloads and browser caches.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    CharField,
    Count,
    DateField,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Concat, ExtractYear, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clubs.models import Position, PositionTitle
from members.messaging.models import MessageRecipient
from members.messaging.queries import message_row
from members.messaging.text import values_for
from members.models import (
    DIRECT_SOURCES,
    BenefitEnrolment,
    BenefitReservation,
    Member,
    Payment,
    PaymentKind,
    PaymentSource,
    PreviousMembership,
    TaxDeductionCap,
)
from members.readable import reason_text, value_text
from members.templatetags.people import phone as phone_text
from members.validators import mask_bank_account, mask_national_id

POSITION_LABELS = dict(PositionTitle.choices)

ACCESS_LOG_ON_PAGE = 200

# Member fields shown on My data, in order (label comes from the model field).
PROFILE_FIELDS = (
    "member_number",
    "first_name",
    "last_name",
    "national_id",
    "birth_date",
    "street",
    "postal_code",
    "city",
    "country",
    "phone",
    "email",
    "membership_type",
    "status",
    "joined_lo_on",
    "joined_union_on",
    "joined_branch_on",
    "branch",
    "club",
    "employer",
    "recruited_by",
    "bank_account",
    "resigned_on",
    "resignation_reason",
    "resignation_union",
    "allow_email",
    "allow_sms",
    "newsletter",
    "magazine",
    "surveys",
    "benefits_marketing_reserved",
)
SECRET_FIELDS = {"national_id", "bank_account"}
MASKS = {"national_id": mask_national_id, "bank_account": mask_bank_account}
# Fields whose history is shown as "changed" only (ids are not meaningful to people).
RELATION_FIELDS = {
    "branch",
    "club",
    "employer",
    "recruited_by",
    "resignation_union",
    "user",
}


def member_for_self(user, *, payment_summary: bool = False):
    """The member record of the logged-in user (Min side's only gate: a login sees the
    one member it is linked to), with the relations My data shows and the number of
    members they recruited; with `payment_summary` also the number of payments and the
    last payment date (subqueries, so My data stays within its query budget)."""
    recruits = (
        Member.objects.filter(recruited_by=OuterRef("pk"))
        .order_by()
        .values("recruited_by")
        .annotate(n=Count("pk"))
        .values("n")
    )
    queryset = (
        Member.objects.select_related(
            "branch", "club", "employer", "recruited_by", "resignation_union"
        )
        .annotate(recruit_count=Coalesce(Subquery(recruits), 0))
        .filter(user=user)
    )
    if payment_summary:
        own_payments = Payment.objects.filter(member=OuterRef("pk")).order_by().values("member")
        queryset = queryset.annotate(
            payment_count=Coalesce(Subquery(own_payments.annotate(n=Count("pk")).values("n")), 0),
            payment_last=Subquery(own_payments.annotate(last=Max("paid_on")).values("last")),
        )
    return queryset


def display(member: Member, name: str) -> str:
    """Return one field as the member reads it (masked for secrets)."""
    if name == "national_id":
        return member.national_id_masked
    if name == "bank_account":
        return member.bank_account_masked
    if name == "recruited_by":
        recruiter = member.recruited_by
        return f"{recruiter.full_name} ({recruiter.member_number})" if recruiter else ""
    if name == "phone":
        return phone_text(member.phone)
    value = getattr(member, name)
    model_field = member._meta.get_field(name)
    if model_field.choices:
        return str(getattr(member, f"get_{name}_display")())
    if isinstance(value, bool):
        return str(_("Ja") if value else _("Nei"))
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return "" if value is None else str(value)


def _json_value(member: Member, name: str) -> Any:
    if name in SECRET_FIELDS or name == "recruited_by":
        return display(member, name) or None
    if name in {"branch", "club", "employer", "resignation_union"}:
        related = getattr(member, name)
        return str(related) if related else None
    value = getattr(member, name)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def periods(member: Member) -> dict[str, list[dict]]:
    """Earlier unions, positions, benefits and reservations in ONE query (UNION ALL of
    four projections with the same columns)."""
    text = CharField()
    date = DateField()
    columns = ("kind", "label", "place", "started", "ended")
    previous = PreviousMembership.objects.filter(member=member).values_list(
        Value("previous", output_field=text),
        F("union__name"),
        Value("", output_field=text),
        F("from_date"),
        F("to_date"),
    )
    positions = Position.objects.filter(member=member).values_list(
        Value("position", output_field=text),
        F("title"),
        Coalesce(F("club__name"), F("branch__name"), output_field=text),
        F("started_on"),
        F("ended_on"),
    )
    benefits = BenefitEnrolment.objects.filter(member=member).values_list(
        Value("benefit", output_field=text),
        F("benefit__name"),
        F("benefit__provider"),
        F("enrolled_on"),
        F("ended_on"),
    )
    reservations = BenefitReservation.objects.filter(member=member).values_list(
        Value("reservation", output_field=text),
        F("benefit__name"),
        F("note"),
        F("reserved_on"),
        Value(None, output_field=date),
    )
    # Messages sent to the member ride along in the same query (channel:state as place,
    # the day sent as start), so "Mine data" stays within its query budget.
    messages = MessageRecipient.objects.filter(member=member).values_list(
        Value("message", output_field=text),
        F("message__subject"),
        Concat(F("channel"), Value(":"), F("state"), output_field=text),
        TruncDate("sent_at"),
        Value(None, output_field=date),
    )
    result: dict[str, list[dict]] = {
        "previous": [],
        "position": [],
        "benefit": [],
        "reservation": [],
        "message": [],
    }
    rows = previous.order_by().union(
        positions.order_by(),
        benefits.order_by(),
        reservations.order_by(),
        messages.order_by(),
        all=True,
    )
    for row in rows:
        item = dict(zip(columns, row, strict=True))
        if item["kind"] == "position":
            # A title no longer among the choices keeps its stored value.
            item["label"] = str(POSITION_LABELS.get(item["label"], item["label"]))
        result[item["kind"]].append(item)
    for items in result.values():
        items.sort(key=lambda i: i["started"] or dt.date.min, reverse=True)
    return result


def _history_who(record, member: Member) -> str:
    if record.history_user_id is None:
        return str(_("Automatisk (system)"))
    if member.user_id and record.history_user_id == member.user_id:
        return str(_("Du selv"))
    return str(_("Forbundet (ansatt eller tillitsvalgt)"))


def change_history(member: Member) -> list[dict]:
    """The member's change history, newest first, as field-by-field old → new
    (secrets masked, relations only as «endret»). One query."""
    from privacy.processing import field_label

    records = list(member.history.order_by("history_date", "history_id").select_related(None).all())
    names = [
        f.name
        for f in Member._meta.concrete_fields
        if f.name not in {"id", "created_at", "updated_at", "national_id_hash"}
    ]
    entries = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            for name in names:
                attname = Member._meta.get_field(name).attname
                old, new = getattr(previous, attname), getattr(record, attname)
                if old == new:
                    continue
                label = field_label(name)
                if name in SECRET_FIELDS:
                    masker = MASKS[name]
                    old_text = masker(getattr(previous, name)) or "–"
                    new_text = masker(getattr(record, name)) or "–"
                elif name in RELATION_FIELDS:
                    old_text, new_text = "", str(_("endret"))
                else:
                    old_text = _history_display(previous, name)
                    new_text = _history_display(record, name)
                changes.append({"field": name, "label": label, "old": old_text, "new": new_text})
        if previous is not None and record.history_type == "~" and not changes:
            # A save that changed nothing is not a change for the reader.
            previous = record
            continue
        entries.append(
            {
                "at": record.history_date,
                "type": record.history_type,
                "reason": str(_history_reason(record.history_change_reason)),
                "who": _history_who(record, member),
                "changes": changes,
            }
        )
        previous = record
    entries.reverse()
    return entries


def _history_reason(reason: str | None) -> str:
    return reason_text(reason)


def _history_display(record, name: str) -> str:
    if name == "phone" and record.phone:
        return phone_text(record.phone)
    return value_text(Member, name, getattr(record, name))


@dataclass
class MyData:
    member: Member
    fields: list[tuple[str, str, str]]  # (name, label, value)
    periods: dict[str, list[dict]]
    orders: list
    payments_count: int
    payments_last: dt.date | None
    consents: list
    history: list[dict]
    disclosures: list
    access_log: list
    access_log_truncated: bool
    requests: list
    payments: list = field(default_factory=list)
    messages: list = field(default_factory=list)


def collect(
    member: Member, *, access_log_limit: int | None = ACCESS_LOG_ON_PAGE, payments: bool = False
) -> MyData:
    """Everything the register holds about `member` (fetched with `member_for_self`).
    The page gets a count of payments; downloads (`payments=True`) every payment."""
    from privacy.access_log import role_display
    from privacy.models import AccessLog, ConsentRecord, DataSubjectRequest, Disclosure

    fields = [
        (name, str(Member._meta.get_field(name).verbose_name), display(member, name))
        for name in PROFILE_FIELDS
    ]
    orders = list(member.orders.select_related("product__partner").order_by("-ordered_at"))
    # Choices made in the same browser before logging in share the consent id.
    own_ids = ConsentRecord.objects.filter(member=member).values("consent_id")
    consents = list(
        ConsentRecord.objects.filter(Q(member=member) | Q(consent_id__in=own_ids)).order_by(
            "-created_at"
        )
    )
    disclosures = list(
        Disclosure.objects.filter(member=member)
        .select_related("recipient")
        .defer("payload", "last_error")
        .order_by("-created_at", "-id")
    )
    log = (
        AccessLog.objects.filter(member=member)
        .order_by("-at")
        .values("at", "role", "action", "view")
    )
    if access_log_limit is not None:
        access_log = list(log[: access_log_limit + 1])
        truncated = len(access_log) > access_log_limit
        access_log = access_log[:access_log_limit]
    else:
        access_log, truncated = list(log), False
    actions = dict(AccessLog._meta.get_field("action").flatchoices)
    for row in access_log:
        row["action_display"] = str(actions.get(row["action"], row["action"]))
        row["role"] = role_display(row["role"])
    requests = list(
        DataSubjectRequest.objects.filter(member=member).order_by("-received_on", "-id")
    )
    if payments:
        payment_list = list(Payment.objects.filter(member=member).order_by("paid_on", "id"))
        summary = {
            "n": len(payment_list),
            "last": max((p.paid_on for p in payment_list), default=None),
        }
    elif hasattr(member, "payment_count"):
        payment_list = []
        summary = {"n": member.payment_count, "last": member.payment_last}
    else:
        payment_list = []
        summary = Payment.objects.filter(member=member).aggregate(
            n=Count("id"), last=Max("paid_on")
        )
    period_rows = periods(member)
    placeholder_values = values_for(
        {
            "first_name": member.first_name,
            "member_number": member.member_number,
            "club__name": member.club.name if member.club_id else "",
        }
    )
    return MyData(
        member=member,
        fields=fields,
        periods=period_rows,
        orders=orders,
        payments_count=summary["n"],
        payments_last=summary["last"],
        consents=consents,
        history=change_history(member),
        disclosures=disclosures,
        access_log=access_log,
        access_log_truncated=truncated,
        requests=requests,
        payments=payment_list,
        messages=[message_row(item, placeholder_values) for item in period_rows["message"]],
    )


def as_json(data: MyData) -> dict[str, Any]:
    """The machine-readable export (GDPR Art. 20): plain keys, ISO dates, øre, and
    beside each field name the label a person reads (`privacy.processing.field_label`)."""
    from privacy.processing import field_label, field_labels

    member = data.member

    def iso(value):
        return value.isoformat() if value else None

    return {
        "generated_at": timezone.now().isoformat(),
        "member": {name: _json_value(member, name) for name in PROFILE_FIELDS},
        "member_field_labels": {name: field_label(name) for name in PROFILE_FIELDS},
        "members_recruited": member.recruit_count,
        "previous_memberships": [
            {"union": p["label"], "from": iso(p["started"]), "to": iso(p["ended"])}
            for p in data.periods["previous"]
        ],
        "positions": [
            {
                "title": p["label"],
                "where": p["place"],
                "from": iso(p["started"]),
                "to": iso(p["ended"]),
            }
            for p in data.periods["position"]
        ],
        "benefits": [
            {
                "benefit": p["label"],
                "provider": p["place"],
                "from": iso(p["started"]),
                "to": iso(p["ended"]),
            }
            for p in data.periods["benefit"]
        ],
        "benefit_reservations": [
            {"benefit": p["label"], "note": p["place"], "from": iso(p["started"])}
            for p in data.periods["reservation"]
        ],
        "orders": [
            {
                "product": o.product.name,
                "partner": o.product.partner.name,
                "status": o.status,
                "ordered_at": iso(o.ordered_at),
            }
            for o in data.orders
        ],
        "payments": [
            {
                "kind": p.kind,
                "amount_ore": p.amount_ore,
                "period": iso(p.period),
                "paid_on": iso(p.paid_on),
                "source": p.source,
                "kid": p.kid,
            }
            for p in data.payments
        ],
        "cookie_consents": [
            {
                "at": iso(c.created_at),
                "statistics": c.statistics,
                "marketing": c.marketing,
                "notice_version": c.notice_version,
            }
            for c in data.consents
        ],
        "change_history": [
            {
                "at": iso(e["at"]),
                "by": e["who"],
                "reason": e["reason"],
                "changes": [
                    {"field": c["field"], "label": c["label"], "old": c["old"], "new": c["new"]}
                    for c in e["changes"]
                ],
            }
            for e in data.history
        ],
        "disclosures": [
            {
                "recipient": d.recipient.name,
                "event": d.event,
                "fields": d.fields,
                "fields_readable": field_labels(d.fields),
                "created_at": iso(d.created_at),
                "sent_at": iso(d.sent_at),
                "status": d.status,
            }
            for d in data.disclosures
        ],
        "access_log": [
            {"at": iso(a["at"]), "role": a["role"], "action": a["action"]} for a in data.access_log
        ],
        "messages_received": [
            {
                "subject": m["subject"],
                "channel": m["channel"],
                "result": m["state"],
                "sent_at": iso(m["sent_at"]),
            }
            for m in data.messages
        ],
        "requests": [
            {
                "kind": r.kind,
                "status": r.status,
                "received_on": iso(r.received_on),
                "due_on": iso(r.due_on),
                "channel": r.channel,
            }
            for r in data.requests
        ],
    }


# --- Payments ----------------------------------------------------------------------


def payment_years(member: Member) -> list[dict]:
    """Per year (by payment date): number of payments and totals in øre, newest first."""
    rows = (
        Payment.objects.filter(member=member)
        .annotate(year=ExtractYear("paid_on"))
        .values("year")
        .annotate(count=Count("id"), total=Sum("amount_ore"))
        .order_by("-year")
    )
    return list(rows)


@dataclass
class AnnualStatement:
    year: int
    payments: list[Payment]
    direct_dues_ore: int
    payroll_dues_ore: int
    other_ore: int
    cap_ore: int | None
    deductible_ore: int | None

    @property
    def total_ore(self) -> int:
        return self.direct_dues_ore + self.payroll_dues_ore + self.other_ore


def annual_statement(member: Member, year: int) -> AnnualStatement:
    """The year's payments and the deductible amount: dues the member paid directly
    (`DIRECT_SOURCES`: OCR giro, AvtaleGiro, invoice, dues the employer paid without
    deducting from pay, manual, card), up to the year's cap. Payroll deductions are
    reported by the employer and are not counted here; other payments are not union dues."""
    payments = list(
        Payment.objects.filter(member=member, paid_on__year=year).order_by("paid_on", "id")
    )
    direct = sum(
        p.amount_ore for p in payments if p.kind == PaymentKind.DUES and p.source in DIRECT_SOURCES
    )
    payroll = sum(
        p.amount_ore
        for p in payments
        if p.kind == PaymentKind.DUES and p.source == PaymentSource.PAYROLL
    )
    other = sum(p.amount_ore for p in payments if p.kind != PaymentKind.DUES)
    cap = TaxDeductionCap.objects.filter(year=year).values_list("amount_ore", flat=True).first()
    deductible = min(max(direct, 0), cap) if cap is not None else None
    return AnnualStatement(
        year=year,
        payments=payments,
        direct_dues_ore=direct,
        payroll_dues_ore=payroll,
        other_ore=other,
        cap_ore=cap,
        deductible_ore=deductible,
    )
