"""Seeds the dues area: each member's way of paying (payroll deduction for those whose
seeded payments came through the employer, AvtaleGiro for some of the rest, invoice
otherwise), one OCR file with a few payments staff must place by hand, and one
employer's returned deduction list with a deviation of each common kind."""

from __future__ import annotations

import hashlib

from clubs.models import Employer
from members.dues.invoicing import period_containing
from members.dues.models import (
    Deviation,
    DeviationKind,
    DuesAccount,
    DuesImport,
    ImportKind,
    Invoice,
    InvoiceDelivery,
    InvoiceRun,
    InvoiceStatus,
    PaymentMethod,
    UnmatchedPayment,
    UnmatchedReason,
)
from members.dues.queries import add_months, expected_for
from members.models import DuesRate, MemberStatus, Payment, PaymentSource


class DuesSeeding:
    """Payment methods, a few unmatched OCR lines and deduction-list deviations."""

    def dues(self, rows: list[dict]) -> None:
        payroll = set(
            Payment.objects.filter(source=PaymentSource.PAYROLL)
            .values_list("member_id", flat=True)
            .distinct()
        )
        accounts = []
        for i, row in enumerate(rows):
            if row["id"] in payroll:
                method, avtalegiro = PaymentMethod.PAYROLL, False
            else:
                avtalegiro = i % 3 == 0
                method = PaymentMethod.AVTALEGIRO if avtalegiro else PaymentMethod.INVOICE
            accounts.append(
                DuesAccount(
                    member_id=row["id"],
                    payment_method=method,
                    avtalegiro_active=avtalegiro,
                    avtalegiro_notify=avtalegiro and i % 2 == 0,
                    insurance_reserved=i % 17 == 0,
                )
            )
        DuesAccount.objects.bulk_create(accounts, batch_size=5000, ignore_conflicts=True)
        self._dues_worklists(rows, payroll)
        self._dues_invoices(rows)

    def _dues_invoices(self, rows: list[dict]) -> None:
        """A few invoices with KID for this quarter (the demo member's among them when
        they pay by invoice), one of them paid; the first employer with members on
        payroll deduction gets a contact for its deduction lists."""
        if InvoiceRun.objects.exists():
            return
        period = period_containing(self.today, 3)
        by_invoice = DuesAccount.objects.filter(
            payment_method=PaymentMethod.INVOICE,
            member_id__in=[r["id"] for r in rows if r["status"] == MemberStatus.ACTIVE],
            member__joined_union_on__lte=period.start,
        ).select_related("member")
        demo = by_invoice.filter(member__user__email="medlem@example.org")
        accounts = list(demo[:1]) + list(by_invoice.order_by("member__member_number")[:5])
        rates = {
            (r.year, r.membership_type): r for r in DuesRate.objects.filter(year=period.start.year)
        }
        run = InvoiceRun.objects.create(
            period_start=period.start,
            period_months=period.months,
            label=period.label,
            due_on=period.start.replace(day=20),
        )
        invoices = []
        for n, account in enumerate({a.pk: a for a in accounts}.values()):
            member = account.member
            months = [
                [m.isoformat(), amount]
                for m in period.month_list
                if (amount := expected_for(member, m, account, rates)) > 0
            ]
            if not months:
                continue
            amount = sum(ore for _m, ore in months)
            invoices.append(
                Invoice(
                    run=run,
                    member=member,
                    period_start=period.start,
                    label=period.label,
                    months=months,
                    kid=member.kid,
                    amount_ore=amount,
                    issued_on=period.start,
                    due_on=run.due_on,
                    delivery=InvoiceDelivery.EMAIL
                    if member.email and member.allow_email
                    else InvoiceDelivery.PRINT,
                    status=InvoiceStatus.PAID if n == 1 else InvoiceStatus.UNPAID,
                    paid_ore=amount if n == 1 else 0,
                    paid_on=run.due_on if n == 1 else None,
                )
            )
        Invoice.objects.bulk_create(invoices)
        run.invoices = len(invoices)
        run.total_ore = sum(i.amount_ore for i in invoices)
        run.save(update_fields=["invoices", "total_ore"])
        employer = (
            Employer.objects.filter(members__dues_account__payment_method=PaymentMethod.PAYROLL)
            .order_by("pk")
            .first()
        )
        if employer is not None:
            Employer.objects.filter(pk=employer.pk).update(
                contact_name="Lønningskontoret", contact_email="lonn@example.org"
            )

    def _dues_worklists(self, rows: list[dict], payroll: set[int]) -> None:
        if DuesImport.objects.filter(transmission="00008080-0000001").exists():
            return  # a second run adds members, not a second demo file
        month = add_months(self.today, -1)
        ocr = DuesImport.objects.create(
            kind=ImportKind.OCR,
            filename=f"OCR.{month:%Y%m}20.txt",
            sha256=hashlib.sha256(b"demo-ocr").hexdigest(),
            transmission="00008080-0000001",
            lines=3,
            total_ore=63400 + 15000 + 50000,
            unmatched=3,
        )
        paid_on = month.replace(day=20)
        for n, (kid, amount, reason) in enumerate(
            (
                ("12345678", 63400, UnmatchedReason.UNKNOWN_KID),
                ("10000019", 15000, UnmatchedReason.INVALID_KID),
                ("", 50000, UnmatchedReason.NO_KID),
            ),
            start=1,
        ):
            UnmatchedPayment.objects.create(
                batch=ocr,
                kid=kid,
                amount_ore=amount,
                paid_on=paid_on,
                reference=f"00008080-0000001-0000001-{n}",
                reason=reason,
            )
        active = [r for r in rows if r["status"] == MemberStatus.ACTIVE and r["employer_id"]]
        on_payroll = [r for r in active if r["id"] in payroll]
        if not on_payroll:
            return
        employer_id = on_payroll[0]["employer_id"]
        same = [r for r in on_payroll if r["employer_id"] == employer_id]
        elsewhere = next((r for r in on_payroll if r["employer_id"] != employer_id), None)
        batch = DuesImport.objects.create(
            kind=ImportKind.PAYROLL,
            filename=f"trekkliste-{month:%Y-%m}.xlsx",
            sha256=hashlib.sha256(b"demo-list").hexdigest(),
            employer_id=employer_id,
            period=month,
            lines=max(0, len(same) - 1) + 2,
            matched=max(0, len(same) - 1) + 1,
            unmatched=1,
            deviations=3 + (elsewhere is not None),
            # What the employer's list adds up to: a full deduction per line, one of
            # them halved (the "amount differs" deviation below).
            total_ore=(max(0, len(same) - 1) + 2) * 63400 - (31700 if len(same) > 1 else 0),
        )
        common = {"batch": batch, "employer_id": employer_id, "period": month}
        deviations = [
            Deviation(
                kind=DeviationKind.NOT_MEMBER,
                line_no=2,
                name="Ola Ikkemedlem",
                amount_ore=63400,
                **common,
            ),
            Deviation(
                kind=DeviationKind.MISSING, member_id=same[0]["id"], expected_ore=63400, **common
            ),
        ]
        if len(same) > 1:
            deviations.append(
                Deviation(
                    kind=DeviationKind.AMOUNT_DIFFERS,
                    member_id=same[1]["id"],
                    line_no=3,
                    expected_ore=63400,
                    amount_ore=31700,
                    **common,
                )
            )
        if elsewhere is not None:
            deviations.append(
                Deviation(
                    kind=DeviationKind.OTHER_EMPLOYER,
                    member_id=elsewhere["id"],
                    line_no=4,
                    amount_ore=63400,
                    **common,
                )
            )
        Deviation.objects.bulk_create(deviations)


__all__ = ["DuesSeeding"]
