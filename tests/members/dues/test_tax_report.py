"""The tax report to Skatteetaten: valid against the XSD, direct payments only (never
payroll deductions), whole kroner, issues listed instead of dropped or capped."""

import datetime as dt

import pytest
from django.core.management import call_command
from lxml import etree

from members.dues import tax, taxreport
from members.dues.models import TaxReportRun
from members.models import PaymentSource
from tests.factories import MemberFactory, PaymentFactory

pytestmark = pytest.mark.django_db
NS = {"s": taxreport.NAMESPACE}


def pay(member, amount_ore, source, on=dt.date(2025, 5, 20)):
    PaymentFactory(
        member=member, amount_ore=amount_ore, source=source, paid_on=on, period=on.replace(day=1)
    )


def test_the_file_is_valid_and_counts_direct_payments_only(rates):
    direct = MemberFactory()
    payroll_only = MemberFactory()
    pay(direct, 63450, PaymentSource.OCR)
    pay(direct, 63400, PaymentSource.AVTALEGIRO)
    pay(direct, 10000, PaymentSource.INVOICE)
    pay(direct, 99999, PaymentSource.PAYROLL)
    pay(direct, 50000, PaymentSource.OCR, on=dt.date(2024, 12, 31))  # another year
    pay(payroll_only, 63400, PaymentSource.PAYROLL)
    run = tax.tax_report_create(year=2025, by=None)
    document = etree.fromstring(run.content.encode())
    taxreport.validate(document)
    statements = document.findall(".//s:oppgave", NS)
    assert len(statements) == 1
    assert statements[0].findtext(".//s:foedselsnummer", namespaces=NS) == direct.national_id
    # 634.50 + 634.00 + 100.00 = 1368.50 → 1369 whole kroner (half up).
    assert statements[0].findtext("s:innbetaltFagforeningskontingent", namespaces=NS) == "1369"
    assert document.findtext(".//s:inntektsaar", namespaces=NS) == "2025"
    assert document.findtext(".//s:antallOppgaver", namespaces=NS) == "1"
    assert document.findtext(".//s:leveransetype", namespaces=NS) == "ordinaer"


def test_a_second_file_replaces_the_first_with_the_same_references(rates):
    member = MemberFactory()
    pay(member, 63400, PaymentSource.OCR)
    first = tax.tax_report_create(year=2025, by=None)
    second = tax.tax_report_create(year=2025, by=None)
    ref = ".//s:unikOppgavereferanse"
    a, b = etree.fromstring(first.content.encode()), etree.fromstring(second.content.encode())
    assert a.findtext(ref, namespaces=NS) == b.findtext(ref, namespaces=NS)
    assert b.findtext(".//s:leveransetype", namespaces=NS) == "erstatning"


def test_invalid_ids_and_amounts_above_the_cap_are_listed_not_dropped_or_capped(rates):
    rich = MemberFactory()
    broken = MemberFactory()
    type(broken).objects.filter(pk=broken.pk).update(national_id="12345678901")
    pay(rich, 900000, PaymentSource.OCR)
    pay(broken, 10000, PaymentSource.OCR)
    data = tax.collect(2025)
    problems = {(i.member_number, i.problem) for i in data.issues}
    assert (rich.member_number, "above_cap") in problems
    assert (broken.member_number, "invalid_id") in problems
    assert [s.amount_ore for s in data.statements] == [900000]  # not capped at 8 250 kr


def test_a_broken_document_fails_the_schema():
    document = etree.fromstring(
        b'<melding xmlns="%s"><leveranse/></melding>' % taxreport.NAMESPACE.encode()
    )
    with pytest.raises(taxreport.TaxReportInvalid):
        taxreport.validate(document)


def test_the_command_writes_the_file(rates, tmp_path):
    member = MemberFactory()
    pay(member, 63400, PaymentSource.OCR)
    out = tmp_path / "ffk.xml"
    call_command("tax_report", "2025", output=str(out))
    taxreport.validate(out.read_bytes())
    assert TaxReportRun.objects.count() == 1


def test_avtalegiro_claims_command_writes_a_nets_file(rates, tmp_path):
    import netsgiro

    from members.dues.models import DuesAccount, PaymentMethod
    from members.dues.ocr import OcrFileError, parse

    member = MemberFactory()
    DuesAccount.objects.create(
        member=member,
        payment_method=PaymentMethod.AVTALEGIRO,
        avtalegiro_active=True,
        avtalegiro_notify=True,
        gross_monthly_ore=5_000_000,
    )
    out = tmp_path / "krav.txt"
    call_command("avtalegiro_claims", period="2025-04", output=str(out))
    text = out.read_text(encoding="iso-8859-1")
    transmission = netsgiro.parse(text)
    request = transmission.assignments[0].transactions[0]
    assert request.kid == member.kid and request.amount_in_cents == 63400
    assert request.date == dt.date(2025, 4, 20)
    assert request.type == netsgiro.TransactionType.AVTALEGIRO_WITH_BANK_NOTIFICATION
    # Imported by mistake, our own claims are refused: they are not payments.
    with pytest.raises(OcrFileError, match="linje 2: oppdraget er AvtaleGiro-krav"):
        parse(text)
    call_command("avtalegiro_claims", period="2025-04", output=str(out))
    assert out.read_text(encoding="iso-8859-1") == text


def test_min_side_shows_what_the_file_reported_and_the_capped_deduction(rates, client_for, member):
    from django.urls import reverse

    own = member.member
    pay(own, 900000, PaymentSource.OCR)  # above the 2025 cap of 8 250 kr
    pay(own, 63400, PaymentSource.PAYROLL)
    client = client_for(member)
    page = client.get(reverse("minside:payments"), {"ar": 2025})
    assert page.context["reported_kr"] is None
    assert "har ikke sendt oppgaven for 2025" in page.content.decode()
    run = tax.tax_report_create(year=2025, by=None)
    in_file = etree.fromstring(run.content.encode()).findtext(
        ".//s:innbetaltFagforeningskontingent", namespaces=NS
    )
    assert in_file == "9000"
    # A payment recorded after the file was made is not in it, and Min side says so.
    pay(own, 10000, PaymentSource.OCR, on=dt.date(2025, 12, 30))
    page = client.get(reverse("minside:payments"), {"ar": 2025})
    text = page.content.decode()
    assert page.context["reported_kr"] == 9000
    assert "Forbundet har rapportert 9000 kr til Skatteetaten for 2025." in text
    assert page.context["statement"].deductible_ore == 825000
    pdf = client.get(reverse("minside:annual_statement", args=[2025]))
    assert pdf.status_code == 200 and pdf.context["reported_kr"] == 9000


def test_a_member_without_a_valid_national_id_is_reported_as_nothing(rates):
    broken = MemberFactory()
    type(broken).objects.filter(pk=broken.pk).update(national_id="12345678901")
    broken.refresh_from_db()
    pay(broken, 63400, PaymentSource.OCR)
    tax.tax_report_create(year=2025, by=None)
    assert tax.reported_for(broken, 2025) == 0
    assert tax.reported_for(broken, 2024) is None
