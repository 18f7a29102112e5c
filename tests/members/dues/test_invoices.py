"""Invoices with KID: periods, who is invoiced and for what (no double billing), the run
made once per member and period, e-mail delivery (PDF attached, sent once, resumable),
the print PDF (one page per member, address for the window envelope), OCR payments with
the invoice KID marking invoices paid, and `manage.py invoice_run`."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from pypdf import PdfReader

from members.choices import MembershipType
from members.dues import invoice_delivery, invoicing, services
from members.dues.kid import is_valid_kid, member_number_from_kid
from members.dues.models import (
    DuesAccount,
    DuesExemption,
    Invoice,
    InvoiceDelivery,
    InvoiceRun,
    InvoiceStatus,
    PaymentMethod,
)
from members.models import Payment, PaymentSource
from tests.factories import MemberFactory

from .builders import ocr_file
from .conftest import TODAY

pytestmark = pytest.mark.django_db

Q2 = invoicing.Period(dt.date(2025, 4, 1), 3)
CAP = 57500 + 5900  # ordinary members without a gross pay: cap plus legal aid


def pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


# --- periods ---------------------------------------------------------------------------


def test_periods_parse_and_label():
    assert invoicing.parse_period("2025-Q2") == Q2
    assert invoicing.parse_period("2025-q4").start == dt.date(2025, 10, 1)
    assert invoicing.parse_period("2025-04") == invoicing.Period(dt.date(2025, 4, 1), 1)
    assert invoicing.parse_period("2025-H2").start == dt.date(2025, 7, 1)
    assert invoicing.parse_period("2025").months == 12
    assert Q2.label == "2025-Q2" and Q2.end == dt.date(2025, 6, 30)
    for bad in ("2025-Q5", "2025-13", "Q2", "", "2025-Q2; DROP"):
        with pytest.raises(ValidationError):
            invoicing.parse_period(bad)


def test_default_period_is_the_next_and_its_length_a_setting(settings):
    assert invoicing.default_period(TODAY) == Q2
    settings.DUES_INVOICE_PERIOD_MONTHS = 1
    assert invoicing.default_period(TODAY).label == "2025-04"
    settings.DUES_INVOICE_PERIOD_MONTHS = 6
    assert invoicing.default_period(TODAY).label == "2025-H2"


def test_due_date_is_the_20th_but_never_too_soon():
    assert invoicing.due_date(Q2, TODAY) == dt.date(2025, 4, 20)
    assert invoicing.due_date(Q2, dt.date(2025, 4, 15)) == dt.date(2025, 4, 29)


# --- who is invoiced -------------------------------------------------------------------


def test_only_members_paying_by_invoice_are_invoiced_for_unpaid_months(rates):
    invoiced = MemberFactory()  # no account: pays by invoice
    gross = MemberFactory()
    DuesAccount.objects.create(member=gross, gross_monthly_ore=3_000_000)
    payroll = MemberFactory()
    DuesAccount.objects.create(member=payroll, payment_method=PaymentMethod.PAYROLL)
    giro = MemberFactory()
    DuesAccount.objects.create(
        member=giro, payment_method=PaymentMethod.AVTALEGIRO, avtalegiro_active=True
    )
    student = MemberFactory(membership_type=MembershipType.STUDENT)  # free
    pensioner = MemberFactory(membership_type=MembershipType.PENSIONER)
    joins_in_may = MemberFactory(joined_union_on=dt.date(2025, 5, 10))
    joins_later = MemberFactory(joined_union_on=dt.date(2025, 7, 1))
    # April already on the employer's list, May excused (parental leave).
    switched = MemberFactory()
    Payment.objects.create(
        member=switched,
        amount_ore=CAP,
        period=dt.date(2025, 4, 1),
        paid_on=dt.date(2025, 4, 25),
        source=PaymentSource.PAYROLL,
    )
    DuesExemption.objects.create(
        member=switched, period=dt.date(2025, 5, 1), reason="parental_leave"
    )

    plan = invoicing.dry_run(Q2, today=TODAY)
    by_member = {d.member.pk: d for d in plan.drafts}
    assert set(by_member) == {invoiced.pk, gross.pk, pensioner.pk, joins_in_may.pk, switched.pk}
    assert by_member[invoiced.pk].amount_ore == 3 * CAP
    assert by_member[gross.pk].amount_ore == 3 * (39000 + 5900)  # 1.3 % of 30,000 kr
    assert by_member[pensioner.pk].amount_ore == 3 * 15000
    assert [m for m, _ in by_member[joins_in_may.pk].months] == [
        dt.date(2025, 5, 1),
        dt.date(2025, 6, 1),
    ]
    assert by_member[switched.pk].months == [(dt.date(2025, 6, 1), CAP)]
    assert plan.count == 5
    assert plan.total_ore == sum(d.amount_ore for d in plan.drafts)
    assert not Invoice.objects.exists()  # a dry run saves nothing
    assert payroll.pk not in by_member and giro.pk not in by_member
    assert student.pk not in by_member and joins_later.pk not in by_member


def test_email_to_members_who_accept_it_paper_for_the_rest(rates):
    MemberFactory()
    MemberFactory(allow_email=False)
    MemberFactory(email="")
    MemberFactory(email="", street="", postal_code="")
    plan = invoicing.dry_run(Q2, today=TODAY)
    assert (plan.by_email, plan.by_print, plan.without_address) == (1, 3, 1)


def test_a_member_is_invoiced_once_per_period(rates, django_capture_on_commit_callbacks):
    first = MemberFactory()
    with django_capture_on_commit_callbacks(execute=True):
        run = invoicing.invoice_run_create(period=Q2, by=None, today=TODAY)
    assert run.invoices == 1 and run.total_ore == 3 * CAP
    invoice = Invoice.objects.get()
    assert invoice.kid == first.kid and is_valid_kid(invoice.kid)
    assert member_number_from_kid(invoice.kid) == first.member_number
    assert invoice.due_on == dt.date(2025, 4, 20) and invoice.label == "2025-Q2"
    # A second run invoices only the member who joined since.
    second = MemberFactory()
    again = invoicing.invoice_run_create(period=Q2, by=None, today=TODAY)
    assert again.invoices == 1
    assert Invoice.objects.filter(member=first).count() == 1
    assert Invoice.objects.filter(member=second).count() == 1
    # A monthly run over the same months finds them invoiced already.
    assert invoicing.dry_run(invoicing.parse_period("2025-05"), today=TODAY).count == 0


# --- delivery --------------------------------------------------------------------------


def test_emails_are_sent_after_commit_once_with_the_pdf(
    rates, mailoutbox, django_capture_on_commit_callbacks
):
    payer = MemberFactory(first_name="Kari", last_name="Nordmann")
    MemberFactory(allow_email=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invoicing.invoice_run_create(period=Q2, by=None, today=TODAY)
    assert mailoutbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [payer.email]
    assert "2025-Q2" in mail.subject and payer.kid in mail.body
    name, content, mimetype = mail.attachments[0]
    assert mimetype == "application/pdf" and name.endswith(".pdf")
    text = pdf_text(content)
    assert len(text) == 1
    assert payer.kid in text[0] and "Kari Nordmann" in text[0] and "20.04.2025" in text[0]
    invoice = Invoice.objects.get(member=payer)
    assert invoice.sent_at is not None
    # Running the sending again (a retried task) sends nothing twice.
    assert invoice_delivery.send_run().sent == 0
    assert len(mailoutbox) == 1
    assert Invoice.objects.get(delivery=InvoiceDelivery.PRINT).sent_at is None


def test_sending_resumes_in_batches_and_retries_failures(rates, mailoutbox, settings, monkeypatch):
    for _i in range(5):
        MemberFactory()
    run = invoicing.invoice_run_create(period=Q2, by=None, today=TODAY, send=False)
    settings.DUES_INVOICE_BATCH_SIZE = 2
    first = invoice_delivery.send_batch(run_id=run.pk)
    assert (first.sent, first.remaining) == (2, 3)
    # The mail server fails: nothing is marked sent, the attempt is counted.
    original = invoice_delivery._send_one

    def broken(invoice):
        raise ConnectionRefusedError

    monkeypatch.setattr(invoice_delivery, "_send_one", broken)
    failed = invoice_delivery.send_batch(run_id=run.pk)
    assert (failed.sent, failed.failed, failed.remaining) == (0, 2, 3)
    assert Invoice.objects.filter(last_error="ConnectionRefusedError").count() == 2
    monkeypatch.setattr(invoice_delivery, "_send_one", original)
    rest = invoice_delivery.send_run(run_id=run.pk)
    assert (rest.sent, rest.remaining) == (3, 0)
    assert len(mailoutbox) == 5
    assert len({m.to[0] for m in mailoutbox}) == 5


def test_the_task_sends_everything(rates, mailoutbox):
    from members.tasks import send_invoices

    for _i in range(3):
        MemberFactory()
    run = invoicing.invoice_run_create(period=Q2, by=None, today=TODAY, send=False)
    assert send_invoices(run_id=run.pk) == 3
    assert send_invoices(run_id=run.pk) == 0
    assert len(mailoutbox) == 3


def test_print_pdf_has_one_page_per_member_with_the_address(rates):
    members = [
        MemberFactory(allow_email=False, street=f"Gate {i}", postal_code=f"50{i:02d}")
        for i in range(3)
    ]
    run = invoicing.invoice_run_create(period=Q2, by=None, today=TODAY)
    rows = list(invoice_delivery.print_invoices(run.pk))
    pages = pdf_text(invoice_delivery.invoices_pdf(rows))
    assert len(pages) == 3
    for page, member in zip(pages, members, strict=True):
        assert member.street in page and member.kid in page
        assert member.full_name in page
        assert "1\xa0902 kr" in page  # 3 × 634 kr


# --- payments ----------------------------------------------------------------------------


def test_an_ocr_payment_with_the_kid_pays_the_invoice_and_its_months(rates):
    payer = MemberFactory()
    partial = MemberFactory()
    invoicing.invoice_run_create(period=Q2, by=None, today=TODAY)
    data = ocr_file([(payer.kid, 3 * CAP), (partial.kid, CAP)], number=70, on=dt.date(2025, 4, 18))
    batch = services.ocr_import(data=data, filename="OCR.txt", by=None, today=dt.date(2025, 4, 18))
    assert batch.matched == 2
    paid = Invoice.objects.get(member=payer)
    assert paid.status == InvoiceStatus.PAID and paid.paid_on == dt.date(2025, 4, 18)
    months = sorted(
        Payment.objects.filter(member=payer).values_list("period", "amount_ore", "source")
    )
    assert months == [
        (dt.date(2025, 4, 1), CAP, "invoice"),
        (dt.date(2025, 5, 1), CAP, "invoice"),
        (dt.date(2025, 6, 1), CAP, "invoice"),
    ]
    # A part payment is credited but the invoice stays unpaid.
    open_invoice = Invoice.objects.get(member=partial)
    assert open_invoice.status == InvoiceStatus.UNPAID and open_invoice.paid_ore == CAP
    rest = ocr_file([(partial.kid, 2 * CAP)], number=71, on=dt.date(2025, 4, 25))
    services.ocr_import(data=rest, filename="OCR2.txt", by=None, today=dt.date(2025, 4, 25))
    open_invoice.refresh_from_db()
    assert open_invoice.status == InvoiceStatus.PAID


# --- the command ---------------------------------------------------------------------------


def test_invoice_run_command(rates, capsys, mailoutbox):
    MemberFactory()
    call_command("invoice_run", "--period", "2025-Q3", "--dry-run")
    out = capsys.readouterr().out
    assert "Prøvekjøring" in out and "2025-Q3: 1 fakturaer" in out
    assert not InvoiceRun.objects.exists()
    call_command("invoice_run", "--period", "2025-Q3")
    assert Invoice.objects.count() == 1
    call_command("invoice_run", "--period", "2025-Q3")
    assert Invoice.objects.count() == 1
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("invoice_run", "--period", "2025-Q9")


# --- parser messages in English ------------------------------------------------------------


def test_parser_messages_are_translated():
    from django.utils import translation

    from members.dues import ocr, payroll

    with translation.override("en"):
        with pytest.raises(ocr.OcrFileError) as caught:
            ocr.parse("NY000010" + "0" * 60)
        assert str(caught.value) == "line 1: the record has 68 characters, not 80"
        with pytest.raises(payroll.ListFileError) as caught:
            payroll.parse(b"Periode;Orgnr;Medlemsnummer;Navn\r\n2025-03;;1;Ola\r\n", "l.csv")
        assert "line 1" in str(caught.value) and "is missing from the header row" in str(
            caught.value
        )
        with pytest.raises(payroll.ListFileError) as caught:
            payroll.parse(
                "Periode;Orgnr;Medlemsnummer;Navn;Beløp\r\n2025-03;974760673;1;Ola;x\r\n".encode(),
                "l.csv",
            )
        assert str(caught.value) == "line 2: the amount is not an amount"
    with translation.override("nb"):
        with pytest.raises(ocr.OcrFileError) as caught:
            ocr.parse("")
        assert str(caught.value) == "filen er tom"
