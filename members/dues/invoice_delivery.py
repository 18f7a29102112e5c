"""Delivering invoices: the PDF (one A4 page per invoice, the address placed for a
window envelope), the e-mail with the PDF attached, and the resumable sending of a run's
e-mails in batches (`members.send_invoices`).

An invoice is e-mailed once: each one is sent inside a transaction that holds its row
locked (other workers skip it) and records `sent_at` before the lock is released; a
failed send is counted and tried again by the next batch, up to a limit."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from members.documents import render_pdf

from . import conf
from .models import Invoice, InvoiceDelivery


def account_number() -> str:
    """The union's account number, grouped as on a giro (1234.56.78901)."""
    digits = conf.nets_ids()["account"]
    return f"{digits[:4]}.{digits[4:6]}.{digits[6:]}" if len(digits) == 11 else digits


def _letter(invoice: Invoice) -> dict:
    from datetime import date

    return {
        "invoice": invoice,
        "member": invoice.member,
        "months": [(date.fromisoformat(m), ore) for m, ore in invoice.months],
    }


def invoices_pdf(invoices: list[Invoice]) -> bytes:
    """One page per invoice (members must be loaded: `select_related("member")`)."""
    return render_pdf(
        "pdf/invoice.html",
        {
            "letters": [_letter(i) for i in invoices if i.member is not None],
            "union_name": conf.union_name(),
            "org_number": conf.union_org_number(),
            "account": account_number(),
        },
    )


def print_invoices(run_id: int):
    """The run's invoices to print (members who do not take e-mail), by postal code."""
    return (
        Invoice.objects.filter(run_id=run_id, delivery=InvoiceDelivery.PRINT, member__isnull=False)
        .select_related("member")
        .order_by("member__postal_code", "member__last_name", "id")
    )


def _send_one(invoice: Invoice) -> None:
    member = invoice.member
    context = {
        "invoice": invoice,
        "member": member,
        "union_name": conf.union_name(),
        "account": account_number(),
    }
    message = EmailMessage(
        render_to_string("members/dues/email/invoice_subject.txt", context).strip(),
        render_to_string("members/dues/email/invoice.txt", context),
        None,
        [member.email],
    )
    message.attach(f"faktura-{invoice.number}.pdf", invoices_pdf([invoice]), "application/pdf")
    message.send()


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    remaining: int = 0


def _pending(run_id: int | None):
    rows = Invoice.objects.filter(
        delivery=InvoiceDelivery.EMAIL,
        sent_at__isnull=True,
        member__isnull=False,
        send_attempts__lt=conf.invoice_max_attempts(),
    )
    return rows.filter(run_id=run_id) if run_id else rows


def send_batch(*, run_id: int | None = None, size: int | None = None) -> SendResult:
    """E-mail up to `size` unsent invoices (of one run, or of all runs)."""
    result = SendResult()
    ids = list(
        _pending(run_id)
        .order_by("id")
        .values_list("id", flat=True)[: size or conf.invoice_batch_size()]
    )
    for invoice_id in ids:
        with transaction.atomic():
            invoice = (
                Invoice.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("member")
                .filter(pk=invoice_id, sent_at__isnull=True)
                .first()
            )
            if invoice is None or invoice.member is None:
                continue  # sent meanwhile, or another worker holds it
            if not invoice.member.email:
                invoice.delivery = InvoiceDelivery.PRINT
                invoice.save(update_fields=["delivery"])
                continue
            try:
                _send_one(invoice)
            except Exception as exc:  # SMTP and connection errors of any kind
                invoice.send_attempts += 1
                invoice.last_error = type(exc).__name__[:100]
                invoice.save(update_fields=["send_attempts", "last_error"])
                result.failed += 1
                continue
            invoice.sent_at = timezone.now()
            invoice.send_attempts += 1
            invoice.last_error = ""
            invoice.save(update_fields=["sent_at", "send_attempts", "last_error"])
            result.sent += 1
    result.remaining = _pending(run_id).count()
    return result


def send_run(*, run_id: int | None = None, budget_seconds: float = 600) -> SendResult:
    """Send batches until nothing is left, a batch makes no progress, or the time budget
    is used (the task then queues the rest)."""
    total = SendResult()
    started = time.monotonic()
    while True:
        batch = send_batch(run_id=run_id)
        total.sent += batch.sent
        total.failed += batch.failed
        total.remaining = batch.remaining
        if not batch.remaining or batch.sent == 0:
            return total
        if time.monotonic() - started > budget_seconds:
            return total
