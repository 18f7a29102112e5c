"""The yearly tax report of union dues (fagforeningsfradrag): which members paid how
much directly to the union in an income year, what staff must look at, and the file.

Only dues paid directly count (OCR giro, AvtaleGiro, invoice, manual, card, and dues the
employer paid without a pay deduction): payroll deductions are reported by the employer
in the a-melding and must not be reported twice. Members without a valid national id,
and amounts above the year's deduction cap, are listed for staff; nobody is dropped
silently and no amount is capped in the file."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from members.models import DIRECT_SOURCES, Member, Payment, PaymentKind, TaxDeductionCap
from members.validators import validate_national_id

from . import conf, taxreport
from .models import TaxReportRun


@dataclass
class Issue:
    member_id: int
    member_number: int
    name: str
    amount_ore: int
    problem: str  # "invalid_id" | "above_cap" | "negative"


@dataclass
class TaxReportData:
    year: int
    cap_ore: int | None
    statements: list[taxreport.Statement] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def total_ore(self) -> int:
        return sum(s.amount_ore for s in self.statements)


def _direct_dues(year: int):
    return Payment.objects.filter(
        kind=PaymentKind.DUES,
        source__in=DIRECT_SOURCES,
        paid_on__year=year,
        member__isnull=False,
    )


def direct_dues_by_member(year: int) -> dict[int, int]:
    """Member id → dues paid directly (by payment date) in `year`, in øre."""
    return dict(
        _direct_dues(year)
        .values_list("member_id")
        .annotate(total=Sum("amount_ore"))
        .values_list("member_id", "total")
    )


def collect(year: int) -> TaxReportData:
    """Statements and issues for `year` (no file yet)."""
    cap = TaxDeductionCap.objects.filter(year=year).values_list("amount_ore", flat=True).first()
    data = TaxReportData(year=year, cap_ore=cap)
    sums = direct_dues_by_member(year)
    # The members as a subquery, not an IN list of tens of thousands of ids; rows as
    # tuples, not model instances (the national id is still decrypted by its field).
    members = (
        Member.objects.filter(pk__in=_direct_dues(year).values("member_id"))
        .order_by("member_number")
        .values_list("id", "member_number", "first_name", "last_name", "national_id")
    )
    today = timezone.localdate()
    for member_id, member_number, first_name, last_name, national_id in members.iterator(
        chunk_size=5000
    ):
        amount = sums.get(member_id)
        if amount is None:  # paid between the two queries: in the next file
            continue
        name = f"{first_name} {last_name}"
        issue = {
            "member_id": member_id,
            "member_number": member_number,
            "name": name,
            "amount_ore": amount,
        }
        if amount <= 0:
            data.issues.append(Issue(problem="negative", **issue))
            continue
        try:
            validate_national_id(national_id, today=today)
        except ValidationError:
            data.issues.append(Issue(problem="invalid_id", **issue))
            continue
        if cap is not None and amount > cap:
            data.issues.append(Issue(problem="above_cap", **issue))
        data.statements.append(
            taxreport.Statement(
                national_id=national_id,
                name=name,
                reference=f"FFK-{year}-{member_number}",
                amount_ore=amount,
            )
        )
    data.statements.sort(key=lambda s: s.reference)
    return data


@transaction.atomic
def tax_report_create(*, year: int, by) -> TaxReportRun:
    """Build, validate and keep the file for `year`. A second file for the same year is
    a replacement (the statement references are the same, so it replaces them)."""
    data = collect(year)
    replacement = TaxReportRun.objects.filter(year=year).exists()
    number = TaxReportRun.objects.filter(year=year).count() + 1
    reporter = taxreport.Reporter(
        org_number=conf.union_org_number(),
        name=conf.union_name(),
        contact_name=str(getattr(settings, "UNION_CONTACT_NAME", "Medlemsservice")),
        contact_email=str(getattr(settings, "UNION_CONTACT_EMAIL", "medlem@example.org")),
    )
    content = taxreport.build(
        reporter=reporter,
        year=year,
        delivery_reference=f"FFK-{year}-{number}",
        replacement=replacement,
        statements=data.statements,
    )
    return TaxReportRun.objects.create(
        year=year,
        statements=len(data.statements),
        total_ore=data.total_ore,
        content=content.decode("utf-8"),
        created_by=by,
    )


def reported_for(member: Member, year: int) -> int | None:
    """What the latest file for `year` reported for the member, in whole kroner: the dues
    paid directly in the year as recorded when that file was made, uncapped, as in the
    file. 0 when the member is not in it (nothing paid directly, or no valid national
    id); None when no file has been made for the year yet. Min side shows this number,
    so it is worked out the way `collect` works it out."""
    run = (
        TaxReportRun.objects.filter(year=year)
        .order_by("-created_at", "-id")
        .only("created_at")
        .first()
    )
    if run is None:
        return None
    try:
        validate_national_id(member.national_id)
    except ValidationError:
        return 0
    direct_ore = (
        Payment.objects.filter(
            member=member,
            kind=PaymentKind.DUES,
            source__in=DIRECT_SOURCES,
            paid_on__year=year,
            created_at__lte=run.created_at,
        ).aggregate(total=Sum("amount_ore"))["total"]
        or 0
    )
    return taxreport.whole_kroner(direct_ore) if direct_ore > 0 else 0
