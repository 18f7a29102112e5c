"""The demo data shows the invoices: a few for this quarter, one paid, with the members'
KIDs, and an employer with a contact for its deduction lists."""

import io

import pytest
from django.core.management import call_command

from clubs.models import Employer
from members.dues.models import Invoice, InvoiceStatus

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_a_few_invoices(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--members", "300", stdout=io.StringIO())
    invoices = list(Invoice.objects.select_related("member"))
    assert 1 <= len(invoices) <= 6
    assert all(i.kid == i.member.kid and i.amount_ore > 0 for i in invoices)
    assert any(i.status == InvoiceStatus.PAID for i in invoices)
    assert Employer.objects.exclude(contact_email="").count() == 1
