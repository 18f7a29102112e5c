"""The staff dues pages: central staff only, uploads with summaries, resolutions,
confirmation before strike-off, access log for one member's data, empty states."""

import datetime as dt

import pytest
from django.urls import reverse

from members.choices import MemberStatus
from members.dues.models import Deviation, DuesAccount, DuesImport, PaymentMethod, UnmatchedPayment
from members.models import Payment
from privacy.models import AccessLog
from tests.factories import EmployerFactory, MemberFactory

from .builders import deduction_csv, ocr_file

pytestmark = pytest.mark.django_db

PAGES = ["index", "ocr_upload", "lists", "deviations", "unmatched", "arrears", "strike_off", "tax"]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_is_for_central_staff_only(
    client_for, central_staff, club_officer, member, name
):
    url = reverse(f"dues:{name}")
    assert client_for(club_officer).get(url).status_code == 404
    assert client_for(member).get(url).status_code == 404
    response = client_for(central_staff).get(url)
    assert response.status_code == 200
    assert b'class="empty"' in response.content or name in ("ocr_upload", "lists", "tax", "arrears")


def test_staff_upload_an_ocr_file_and_see_the_summary(client_for, central_staff, rates):
    payer = MemberFactory()
    client = client_for(central_staff)
    data = ocr_file([(payer.kid, 63400), ("12345678", 500)], number=40)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("dues:ocr_upload"), {"file": SimpleUploadedFile("OCR.txt", data)}, follow=True
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "OCR-filen er lest inn" in text and "OCR.txt" in text
    assert Payment.objects.filter(member=payer).exists()
    # The same file again is refused with a reason, nothing imported twice.
    response = client.post(
        reverse("dues:ocr_upload"), {"file": SimpleUploadedFile("OCR.txt", data)}
    )
    assert "allerede lest inn" in response.content.decode()
    assert DuesImport.objects.count() == 1
    row = UnmatchedPayment.objects.get()
    response = client.post(
        reverse("dues:unmatched_detail", args=[row.pk]),
        {"resolution": "assigned", "member_number": payer.member_number},
    )
    assert response.status_code == 302
    assert Payment.objects.filter(member=payer).count() == 2


def test_a_malformed_file_shows_line_and_reason(client_for, central_staff, rates):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(central_staff).post(
        reverse("dues:ocr_upload"), {"file": SimpleUploadedFile("x.txt", b"NY000010kort\n")}
    )
    assert "linje 1" in response.content.decode()


def test_staff_upload_a_list_resolve_a_deviation_and_download_the_list_out(
    client_for, central_staff, rates
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    employer = EmployerFactory()
    on_list = MemberFactory(employer=employer)
    missing = MemberFactory(employer=employer)
    for m in (on_list, missing):
        DuesAccount.objects.create(
            member=m, payment_method=PaymentMethod.PAYROLL, gross_monthly_ore=5_000_000
        )
    client = client_for(central_staff)
    data = deduction_csv(
        [{"national_id": on_list.national_id, "amount_ore": 63400}],
        period="2025-02",
        org=employer.org_number,
    )
    response = client.post(
        reverse("dues:lists"), {"file": SimpleUploadedFile("trekk.csv", data)}, follow=True
    )
    assert "Trekklisten er lest inn" in response.content.decode()
    deviation = Deviation.objects.get(kind="missing")
    before = AccessLog.objects.filter(member=missing).count()
    page = client.get(reverse("dues:deviation", args=[deviation.pk]))
    assert page.status_code == 200 and missing.full_name in page.content.decode()
    assert AccessLog.objects.filter(member=missing).count() == before + 1
    client.post(reverse("dues:deviation", args=[deviation.pk]), {"resolution": "nav"})
    deviation.refresh_from_db()
    assert deviation.status == "resolved" and deviation.resolution == "nav"
    download = client.get(
        reverse("dues:lists"),
        {"employer": employer.pk, "period": dt.date.today().strftime("%Y-%m"), "format": "csv"},
    )
    assert download["Content-Disposition"].startswith("attachment")
    assert on_list.national_id in download.content.decode("utf-8-sig")
    # The export shows in the log of each member on the list.
    assert AccessLog.objects.filter(action="export", member=on_list, view="dues:lists").exists()
    assert AccessLog.objects.filter(action="export", member=missing, view="dues:lists").exists()


def test_strike_off_needs_the_confirmation(client_for, central_staff, rates):
    late = MemberFactory(joined_union_on=dt.date(2020, 1, 1))
    DuesAccount.objects.create(member=late, reminded_on=dt.date(2020, 1, 1))
    client = client_for(central_staff)
    page = client.get(reverse("dues:strike_off"))
    assert late.full_name in page.content.decode()
    client.post(reverse("dues:strike_off"), {"members": [late.pk]})
    late.refresh_from_db()
    assert late.status == MemberStatus.ACTIVE  # not without the confirmation
    client.post(reverse("dues:strike_off"), {"members": [late.pk], "confirm": "on"})
    late.refresh_from_db()
    assert late.status == MemberStatus.STRUCK_OFF


def test_the_tax_page_previews_then_makes_the_file(client_for, central_staff, rates):
    from tests.factories import PaymentFactory

    member = MemberFactory()
    PaymentFactory(member=member, paid_on=dt.date(2025, 4, 1), period=dt.date(2025, 4, 1))
    client = client_for(central_staff)
    page = client.get(reverse("dues:tax"), {"year": 2025})
    assert page.status_code == 200
    response = client.post(reverse("dues:tax"), {"year": 2025, "confirm": "on"}, follow=True)
    assert "Filen for 2025 er laget" in response.content.decode()
    from members.dues.models import TaxReportRun

    run = TaxReportRun.objects.get()
    other = MemberFactory()
    download = client.get(reverse("dues:tax_file", args=[run.pk]))
    assert download["Content-Type"].startswith("application/xml")
    logged = set(AccessLog.objects.filter(view="dues:tax_file").values_list("member", flat=True))
    assert logged == {None, member.pk}  # the summary row, and the member in the file
    assert other.pk not in logged


def test_the_member_account_page_logs_access(client_for, central_staff, rates):
    member = MemberFactory()
    response = client_for(central_staff).get(reverse("dues:member", args=[member.pk]))
    assert response.status_code == 200
    assert AccessLog.objects.filter(member=member, view="dues:member").exists()


def test_list_pages_use_few_queries(
    client_for, central_staff, rates, django_assert_max_num_queries
):
    client = client_for(central_staff)
    for name in ("index", "deviations", "unmatched", "arrears"):
        with django_assert_max_num_queries(15):
            client.get(reverse(f"dues:{name}"))


def test_a_member_missing_for_the_set_number_of_months_is_flagged_for_invoice(
    client_for, central_staff, rates, settings
):
    from members.dues import deductions

    settings.DUES_MISSING_MONTHS_BEFORE_INVOICE = 2
    employer = EmployerFactory()
    present, absent = MemberFactory(employer=employer), MemberFactory(employer=employer)
    for m in (present, absent):
        DuesAccount.objects.create(
            member=m, payment_method=PaymentMethod.PAYROLL, gross_monthly_ore=5_000_000
        )
    client = client_for(central_staff)
    warning = "måneder på rad"
    for month in ("2025-01", "2025-02"):
        data = deduction_csv(
            [{"national_id": present.national_id, "amount_ore": 63400}],
            period=month,
            org=employer.org_number,
        )
        deductions.deduction_list_import(data=data, filename=f"{month}.csv", by=None)
        deviation = Deviation.objects.filter(kind="missing", member=absent).latest("period")
        text = client.get(reverse("dues:deviation", args=[deviation.pk])).content.decode()
        # January: one month missing; February: two in a row, the setting's threshold.
        assert (warning in text) is (month == "2025-02")
