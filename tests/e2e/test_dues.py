"""Dues in a real browser: central staff upload an OCR file and an employer's deduction
list, resolve a deviation, and the member sees the balance on Min side. axe checks
every page; the harness fails the test on any CSP violation."""

import datetime as dt

import pytest

from clubs.models import Employer
from members.dues.models import Deviation, DuesAccount, PaymentMethod
from members.models import Payment
from tests.factories import MemberFactory
from tests.members.dues.builders import deduction_csv, ocr_file

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dues_rates(db):
    from members.choices import MembershipType
    from members.models import DuesRate

    year = dt.date.today().year
    for y in (year - 1, year, year + 1):
        DuesRate.objects.get_or_create(
            year=y,
            membership_type=MembershipType.ORDINARY,
            defaults={"percent": "1.30", "monthly_cap_ore": 57500, "legal_aid_ore": 5900},
        )


def test_staff_import_resolve_and_the_member_sees_the_balance(
    page, login_as, axe_check, central_staff, member, dues_rates, tmp_path
):
    own = member.member
    employer = Employer.objects.get(pk=own.employer_id)
    DuesAccount.objects.create(
        member=own, payment_method=PaymentMethod.PAYROLL, gross_monthly_ore=5_000_000
    )
    colleague = MemberFactory(employer=own.employer)
    login_as(page, central_staff)

    # 1. The OCR file: one payment for the member, one with an unknown KID.
    ocr_path = tmp_path / "OCR.txt"
    ocr_path.write_bytes(ocr_file([(own.kid, 63400), ("12345678", 100)], number=77))
    page.goto("/medlemsregister/kontingent/ocr/")
    axe_check(page)
    page.get_by_label("OCR-fil fra Nets").set_input_files(str(ocr_path))
    page.get_by_role("button", name="Les inn").click()
    page.wait_for_load_state()
    assert page.get_by_text("OCR-filen er lest inn.").is_visible()
    axe_check(page)
    assert Payment.objects.filter(member=own).count() == 1

    # 2. The employer's list names somebody who is not a member.
    import random

    from tests.factories import national_id_for

    stranger = national_id_for(dt.date(1981, 4, 4), random.Random(9))
    period = dt.date.today().replace(day=1)
    list_path = tmp_path / "trekk.csv"
    lines = [
        {
            "national_id": own.national_id,
            "name": own.full_name,
            "amount_ore": 63400,
            "gross_ore": 5_000_000,
        },
        {"national_id": stranger, "name": "Ukjent Person", "amount_ore": 63400},
    ]
    list_path.write_bytes(deduction_csv(lines, period=f"{period:%Y-%m}", org=employer.org_number))
    page.goto("/medlemsregister/kontingent/trekklister/")
    axe_check(page)
    page.get_by_label("Trekkliste fra arbeidsgiver").set_input_files(str(list_path))
    page.get_by_role("button", name="Les inn").click()
    page.wait_for_load_state()
    assert page.get_by_text("Trekklisten er lest inn.").is_visible()

    # 3. Resolve it: the line belonged to a colleague (wrong national id on the list).
    page.goto("/medlemsregister/kontingent/avvik/")
    axe_check(page)
    page.get_by_role("link", name="Ikke medlem").first.click()
    page.wait_for_load_state()
    axe_check(page)
    page.get_by_label("Koblet til medlem").check()
    page.get_by_label("Medlemsnummer").fill(str(colleague.member_number))
    page.get_by_role("button", name="Lagre løsningen").click()
    page.wait_for_load_state()
    assert page.get_by_text("Avviket er løst.").is_visible()
    assert Deviation.objects.get(kind="not_member").status == "resolved"
    assert Payment.objects.filter(member=colleague, amount_ore=63400).exists()

    # 4. The member sees the balance on Min side.
    member_page = page.context.new_page()
    page.context.clear_cookies()
    login_as(member_page, member)
    member_page.goto("/min-side/innbetalinger/")
    axe_check(member_page)
    assert member_page.get_by_role("heading", name="Saldo i år").is_visible()
    assert member_page.get_by_text("Trekk i lønn").first.is_visible()
