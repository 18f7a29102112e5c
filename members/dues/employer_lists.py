"""E-mailing each employer its monthly payroll deduction list (XLSX attached) at the
contact address kept on the employer (`clubs.Employer.contact_email`). Employers with
members to deduct but no contact are skipped and listed for staff. Each list sent is
logged in the access log as an export (it holds national ids)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.mail import EmailMessage
from django.db.models import Count, Q
from django.template.loader import render_to_string

from clubs.models import Employer
from members.choices import MemberStatus
from privacy.access_log import AccessAction, log_access

from . import conf, deductions, payroll
from .models import PaymentMethod


@dataclass
class Plan:
    period: dt.date
    send: list[Employer] = field(default_factory=list)  # each with `deductees`
    skipped: list[Employer] = field(default_factory=list)


def plan(period: dt.date) -> Plan:
    """Employers with members paying by deduction: those with a contact get the list,
    the rest are skipped."""
    employers = (
        Employer.objects.annotate(
            deductees=Count(
                "members",
                filter=Q(
                    members__status=MemberStatus.ACTIVE,
                    members__dues_account__payment_method=PaymentMethod.PAYROLL,
                ),
            )
        )
        .filter(deductees__gt=0)
        .order_by("name")
    )
    result = Plan(period=period)
    for employer in employers:
        (result.send if employer.contact_email else result.skipped).append(employer)
    return result


@dataclass
class Sent:
    employer: Employer
    rows: int


def send_deduction_lists(*, period: dt.date, by) -> tuple[list[Sent], list[Employer]]:
    """E-mail every employer with a contact its list for `period`; return what was sent
    and the employers skipped for want of a contact."""
    chosen = plan(period)
    sent = []
    for employer in chosen.send:
        rows = deductions.out_rows(employer, period)
        if not rows:
            continue
        context = {
            "employer": employer,
            "period": period,
            "rows": len(rows),
            "union_name": conf.union_name(),
        }
        message = EmailMessage(
            render_to_string("members/dues/email/deduction_list_subject.txt", context).strip(),
            render_to_string("members/dues/email/deduction_list.txt", context),
            None,
            [employer.contact_email],
        )
        message.attach(
            f"trekkliste-{employer.org_number}-{period:%Y-%m}.xlsx",
            payroll.write_xlsx(period, rows, title=f"{period:%Y-%m}"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        message.send()
        log_access(
            user=by,
            action=AccessAction.EXPORT,
            view="dues:lists_send",
            detail={
                "kind": "deduction_list_email",
                "employer": employer.pk,
                "period": f"{period:%Y-%m}",
                "rows": len(rows),
            },
        )
        sent.append(Sent(employer=employer, rows=len(rows)))
    return sent, chosen.skipped
