"""The invoice pages (staff: dry run, confirmation, list with paid/unpaid, print PDF;
member: own invoices on Min side and their PDF) and e-mailing the deduction lists to
the employers' contacts (confirmation first, XLSX attached, logged, skipped listed)."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from clubs.models import Employer
from members.dues import invoicing
from members.dues.models import DuesAccount, Invoice, InvoiceRun, InvoiceStatus, PaymentMethod
from members.models import DuesRate
from privacy.models import AccessLog
from tests.factories import EmployerFactory, MemberFactory

pytestmark = pytest.mark.django_db

PAGES = ["invoices", "lists_send"]


@pytest.mark.parametrize("name", PAGES)
def test_pages_are_for_central_staff_only(client_for, central_staff, club_officer, member, name):
    url = reverse(f"dues:{name}")
    assert client_for(club_officer).get(url).status_code == 404
    assert client_for(member).get(url).status_code == 404
    assert client_for(central_staff).get(url).status_code == 200


def test_staff_dry_run_then_confirm_then_list(
    client_for, central_staff, rates, mailoutbox, django_capture_on_commit_callbacks
):
    current = invoicing.period_containing(dt.date.today())
    period = current.label
    DuesRate.objects.get_or_create(
        year=current.start.year, membership_type="ordinary", defaults={"flat_monthly_ore": 30000}
    )
    MemberFactory()
    MemberFactory(allow_email=False)
    client = client_for(central_staff)
    page = client.get(reverse("dues:invoices"))
    assert 'class="empty"' in page.content.decode()  # no runs yet
    dry = client.get(reverse("dues:invoices"), {"periode": period}).content.decode()
    assert "Prøvekjøring for" in dry and "Lag og send fakturaene" in dry
    assert not Invoice.objects.exists()
    # Without the confirmation nothing is made.
    client.post(reverse("dues:invoices"), {"periode": period})
    assert not Invoice.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dues:invoices"), {"periode": period, "confirm": "on"})
    run = InvoiceRun.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "dues:invoice_run", args=[run.pk]
    )
    assert run.invoices == 2 and len(mailoutbox) == 1
    Invoice.objects.filter(delivery="email").update(status=InvoiceStatus.PAID)
    listing = client.get(reverse("dues:invoice_run", args=[run.pk])).content.decode()
    assert "Betalt" in listing and "Ubetalt" in listing
    unpaid = client.get(reverse("dues:invoice_run", args=[run.pk]), {"status": "paid"})
    assert unpaid.context["page"].paginator.count == 1
    # The paper invoices as one PDF, logged as an export.
    pdf = client.get(reverse("dues:invoice_print", args=[run.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 1
    assert AccessLog.objects.filter(action="export", view="dues:invoice_print").exists()


def test_member_sees_and_downloads_only_own_invoices(client_for, member, rates):
    own = member.member
    other = MemberFactory()
    run = invoicing.invoice_run_create(
        period=invoicing.Period(dt.date(2025, 4, 1), 3), by=None, today=dt.date(2025, 3, 15)
    )
    client = client_for(member)
    page = client.get(reverse("minside:payments")).content.decode()
    assert "2025-Q2" in page and own.kid in page
    mine = Invoice.objects.get(member=own)
    response = client.get(reverse("minside:invoice_pdf", args=[mine.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert own.kid in text
    theirs = Invoice.objects.get(member=other, run=run)
    assert client.get(reverse("minside:invoice_pdf", args=[theirs.pk])).status_code == 404


# --- deduction lists to employers ---------------------------------------------------------


def test_employer_contact_is_validated():
    employer = EmployerFactory.build(contact_name="Per Lønn", contact_email="")
    with pytest.raises(ValidationError) as caught:
        employer.full_clean()
    assert "contact_email" in caught.value.message_dict
    employer.contact_email = "ikke-en-adresse"
    with pytest.raises(ValidationError):
        employer.full_clean()
    employer.contact_email = "Lonn@Example.NO"
    employer.full_clean()
    assert employer.contact_email == "lonn@example.no"


def test_admin_edits_the_employer_contact(client_for, admin_user):
    employer = EmployerFactory()
    url = reverse("admin:clubs_employer_change", args=[employer.pk])
    client = client_for(admin_user)
    assert "contact_email" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "name": employer.name,
            "org_number": employer.org_number,
            "contact_name": "Per Lønn",
            "contact_email": "lonn@example.no",
        },
    )
    assert response.status_code == 302
    employer.refresh_from_db()
    assert (employer.contact_name, employer.contact_email) == ("Per Lønn", "lonn@example.no")


def _payroll_member(employer, **kwargs):
    member = MemberFactory(club=None, employer=employer, **kwargs)
    DuesAccount.objects.create(member=member, payment_method=PaymentMethod.PAYROLL)
    return member


def test_staff_email_the_deduction_lists_after_confirming(
    client_for, central_staff, rates, mailoutbox
):
    with_contact = EmployerFactory(contact_name="Per Lønn", contact_email="lonn@example.no")
    without = EmployerFactory(name="Uten Kontakt AS")
    EmployerFactory(contact_email="ingen-medlemmer@example.no")  # nobody to deduct
    first = _payroll_member(with_contact, last_name="Aas")
    _payroll_member(with_contact, last_name="Berg")
    _payroll_member(without)
    client = client_for(central_staff)
    lists_page = client.get(reverse("dues:lists")).content.decode()
    assert "lonn@example.no" in lists_page and "Per Lønn" in lists_page
    month = dt.date.today().strftime("%Y-%m")
    preview = client.get(reverse("dues:lists_send"), {"period": month}).content.decode()
    assert "lonn@example.no" in preview and "Uten Kontakt AS" in preview
    assert mailoutbox == []
    client.post(reverse("dues:lists_send"), {"period": month})  # not confirmed
    assert mailoutbox == []
    response = client.post(reverse("dues:lists_send"), {"period": month, "confirm": "on"})
    text = response.content.decode()
    assert "Uten Kontakt AS" in text  # listed as skipped
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["lonn@example.no"] and "Per Lønn" in mail.body
    assert first.national_id not in mail.body
    name, content, _mimetype = mail.attachments[0]
    assert name == f"trekkliste-{with_contact.org_number}-{month}.xlsx"
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 3 and rows[1][1] == str(first.member_number)
    log = AccessLog.objects.get(view="dues:lists_send")
    assert log.action == "export" and log.detail["employer"] == with_contact.pk
    assert first.national_id not in str(log.detail)
    assert Employer.objects.count() == 3
