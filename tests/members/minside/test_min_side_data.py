"""Min side: payments and the annual statement, My data (page, JSON, PDF access
report), resignation and erasure requests."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from clubs.models import PositionTitle
from members.minside import mydata
from members.minside import services as selfservice
from members.models import (
    Benefit,
    BenefitReservation,
    Member,
    MemberStatus,
    PaymentKind,
    PaymentSource,
    PreviousMembership,
    TaxDeductionCap,
    Union,
)
from privacy.access_log import log_access
from privacy.models import AccessAction, ConsentRecord, DataSubjectRequest
from tests.factories import MemberFactory, PaymentFactory, PositionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich_member(member, club_officer):
    """The member with something in every section of My data."""
    m = member.member
    union = Union.objects.create(name="Fellesforbundet", in_lo=True)
    PreviousMembership.objects.create(
        member=m, union=union, from_date=dt.date(2005, 1, 1), to_date=dt.date(2015, 2, 28)
    )
    PositionFactory(member=m, title=PositionTitle.VERNEOMBUD, started_on=dt.date(2022, 1, 1))
    benefit = Benefit.objects.create(name="Kollektiv hjemforsikring", provider="Sparebank 1")
    BenefitReservation.objects.create(member=m, benefit=benefit, reserved_on=dt.date(2023, 5, 1))
    MemberFactory.create_batch(2, recruited_by=m)
    ConsentRecord.objects.create(
        consent_id="5f1c3a3e-2b7e-4a8e-9a57-1d0e7c7d2f10",
        statistics=True,
        notice_version=1,
        member=m,
    )
    log_access(user=club_officer, action=AccessAction.VIEW_CARD, member=m, view="klubb:card")
    selfservice.preferences_update(
        member=m,
        by=member,
        expected_version=None,
        allow_email=True,
        allow_sms=False,
        newsletter=True,
        magazine="digital",
        surveys=False,
        benefits_marketing_reserved=False,
    )
    for month in range(1, 13):
        PaymentFactory(
            member=m,
            paid_on=dt.date(2024, month, 20),
            period=dt.date(2024, month, 1),
            amount_ore=80000,
            source=PaymentSource.OCR,
        )
    PaymentFactory(
        member=m, paid_on=dt.date(2024, 3, 1), amount_ore=50000, source=PaymentSource.PAYROLL
    )
    PaymentFactory(
        member=m,
        paid_on=dt.date(2024, 6, 1),
        amount_ore=25000,
        kind=PaymentKind.OTHER,
        source=PaymentSource.CARD,
    )
    TaxDeductionCap.objects.get_or_create(year=2024, defaults={"amount_ore": 800000})
    return member


# --- Payments ---------------------------------------------------------------------------


def test_the_annual_statement_counts_direct_dues_up_to_the_cap(rich_member):
    statement = mydata.annual_statement(rich_member.member, 2024)
    assert statement.direct_dues_ore == 12 * 80000
    assert statement.payroll_dues_ore == 50000
    assert statement.other_ore == 25000
    assert statement.cap_ore == 800000
    assert statement.deductible_ore == 800000  # 9 600 kr paid, capped at 8 000 kr


def test_below_the_cap_the_whole_direct_amount_is_deductible(member):
    PaymentFactory(member=member.member, paid_on=dt.date(2025, 2, 1), amount_ore=60000)
    PaymentFactory(
        member=member.member,
        paid_on=dt.date(2025, 3, 1),
        amount_ore=60000,
        source=PaymentSource.PAYROLL,
    )
    TaxDeductionCap.objects.get_or_create(year=2025, defaults={"amount_ore": 825000})
    statement = mydata.annual_statement(member.member, 2025)
    assert statement.deductible_ore == 60000


def test_the_payments_page_shows_years_and_the_chosen_year(client_for, rich_member):
    html = client_for(rich_member).get(reverse("minside:payments") + "?ar=2024").content.decode()
    assert "2024" in html
    assert "9\xa0600 kr" in html  # direct dues
    assert "arbeidsgiveren" in html


def test_the_payments_page_survives_a_bad_year(client_for, rich_member):
    response = client_for(rich_member).get(reverse("minside:payments") + "?ar=abc")
    assert response.status_code == 200


def test_the_annual_statement_pdf_downloads(client_for, rich_member):
    response = client_for(rich_member).get(reverse("minside:annual_statement", args=[2024]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]


def test_the_statement_template_says_payroll_is_reported_by_the_employer(rich_member):
    from django.template.loader import render_to_string

    m = mydata.member_for_self(rich_member).get()
    html = render_to_string(
        "pdf/annual_statement.html",
        {"member": m, "statement": mydata.annual_statement(m, 2024), "year": 2024},
    )
    assert "rapporteres av arbeidsgiveren" in html
    assert "8\xa0000 kr" in html
    assert m.national_id not in html


def test_no_statement_for_a_year_without_payments(client_for, member):
    response = client_for(member).get(reverse("minside:annual_statement", args=[1999]))
    assert response.status_code == 404


# --- My data --------------------------------------------------------------------------------


def test_my_data_shows_every_section_with_secrets_masked(client_for, rich_member):
    m = rich_member.member
    html = client_for(rich_member).get(reverse("minside:my_data")).content.decode()
    assert m.national_id_masked in html and m.national_id not in html
    assert m.bank_account_masked in html and m.bank_account not in html
    assert "Fellesforbundet" in html
    assert "Verneombud" in html
    assert "Kollektiv hjemforsikring" in html
    assert "Antall medlemmer du har vervet" in html
    assert "Klubb: Klubb Raffineriet" in html  # access log: role and club
    assert "klubb@example.org" not in html  # ... but not the officer's login
    assert "Medlemsblad" in html and "Digitalt" in html  # history old → new
    assert "Du selv" in html


def test_my_data_shows_the_phone_number_formatted_and_the_json_keeps_e164(client_for, rich_member):
    m = rich_member.member
    m.phone = "+4747108136"
    m.save()
    client = client_for(rich_member)
    html = client.get(reverse("minside:my_data")).content.decode()
    assert "47 10 81 36" in html and "+4747108136" not in html
    data = client.get(reverse("minside:my_data_json")).json()
    assert "+4747108136" in str(data)


def test_my_data_counts_recruits_without_naming_them(rich_member):
    m = mydata.member_for_self(rich_member).get()
    assert m.recruit_count == 2


def test_my_data_lists_disclosures_with_recipient_and_fields(client_for, rich_member):
    html = client_for(rich_member).get(reverse("minside:my_data")).content.decode()
    # The newsletter choice was shared with the newsletter partner.
    assert "LO Media" in html or "lomedia" in html.lower()


def test_my_data_page_stays_within_12_queries_even_with_a_consent_cookie(
    client_for, rich_member, django_assert_max_num_queries
):
    from privacy.consent import COOKIE_NAME, Consent, encode

    client = client_for(rich_member)
    # A cookie choice makes the consent context processor check the notice version.
    client.cookies[COOKIE_NAME] = encode(
        Consent("5f1c3a3e-2b7e-4a8e-9a57-1d0e7c7d2f10", True, False, 1)
    )
    with django_assert_max_num_queries(12):
        assert client.get(reverse("minside:my_data")).status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "minside:index",
        "minside:profile",
        "minside:preferences",
        "minside:products",
        "minside:resign",
        "minside:my_data_json",
    ],
)
def test_every_min_side_page_stays_within_12_queries(
    client_for, rich_member, name, django_assert_max_num_queries
):
    client = client_for(rich_member)
    with django_assert_max_num_queries(12):
        assert client.get(reverse(name)).status_code == 200


def test_the_payments_page_stays_within_14_queries(
    client_for, rich_member, django_assert_max_num_queries
):
    """Payments shows more than the other pages: the year list and statement, the dues
    account (rate, paid months, exemptions), what was reported to Skatteetaten and the
    invoices, one query each."""
    client = client_for(rich_member)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("minside:payments")).status_code == 200


def test_the_json_export_is_machine_readable_and_masked(client_for, rich_member):
    m = rich_member.member
    response = client_for(rich_member).get(reverse("minside:my_data_json"))
    assert response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert data["member"]["member_number"] == m.member_number
    assert data["member"]["national_id"] == m.national_id_masked
    assert m.national_id not in response.content.decode()
    assert data["members_recruited"] == 2
    assert len(data["payments"]) == 14
    assert data["payments"][0]["amount_ore"] > 0
    assert data["previous_memberships"][0]["union"] == "Fellesforbundet"
    assert data["access_log"][0]["role"].startswith("Klubb")
    assert any(c["field"] == "magazine" for e in data["change_history"] for c in e["changes"])


def test_the_access_report_pdf_downloads(client_for, rich_member):
    response = client_for(rich_member).get(reverse("minside:access_report"))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_the_access_report_states_purposes_recipients_retention_rights_and_complaints(
    rich_member,
):
    from django.template.loader import render_to_string

    from privacy.models import Recipient

    m = mydata.member_for_self(rich_member).get()
    html = render_to_string(
        "pdf/access_report.html",
        {
            "member": m,
            "data": mydata.collect(m, access_log_limit=None),
            "recipients": list(Recipient.objects.filter(active=True)),
            "notice": None,
        },
    )
    for phrase in ("Formål", "behandlingsgrunnlag", "tre år", "Dine rettigheter", "Datatilsynet"):
        assert phrase in html
    assert Recipient.objects.get(slug="sparebank1").name in html
    assert m.national_id not in html and m.bank_account not in html


# --- Resignation and erasure -------------------------------------------------------------------


def test_a_member_resigns_with_a_receipt_and_stays_active_until_the_date(
    client_for, member, django_capture_on_commit_callbacks
):
    from django.core import mail

    from members.joining.models import Resignation

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(member).post(
            reverse("minside:resign"), {"reason": "resigned", "confirm": "on"}
        )
    assert response.status_code == 302
    resignation = Resignation.objects.get(member=member.member)
    assert resignation.reason == "resigned" and resignation.status == "pending"
    # Not a privacy request: the daily job carries it out on its date.
    assert not DataSubjectRequest.objects.exists()
    assert mail.outbox and mail.outbox[-1].to == [member.member.email]
    member.member.refresh_from_db()
    assert member.member.status == MemberStatus.ACTIVE
    html = client_for(member).get(reverse("minside:resign")).content.decode()
    assert "Trekk utmeldingen" in html


def test_a_transfer_to_an_lo_union_names_the_union(client_for, member):
    from members.joining.models import Resignation

    union = Union.objects.create(name="Handel og Kontor", in_lo=True)
    client_for(member).post(
        reverse("minside:resign"),
        {"reason": "transfer_lo", "union": union.pk, "confirm": "on"},
    )
    assert Resignation.objects.get(member=member.member).union == union


@pytest.mark.parametrize(
    "data,message",
    [
        ({"reason": "transfer_lo", "confirm": "on"}, "Velg LO-forbundet"),
        ({"reason": "transfer_other", "confirm": "on"}, "Velg eller skriv navnet"),
        ({"reason": "struck_off", "confirm": "on"}, "Velg et gyldig valg"),
        ({"reason": "resigned"}, "Feltet er påkrevet"),
    ],
)
def test_an_incomplete_resignation_is_refused(client_for, member, data, message):
    from members.joining.models import Resignation

    response = client_for(member).post(reverse("minside:resign"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Resignation.objects.exists()


def test_a_transfer_outside_lo_may_name_a_union_not_in_the_list(client_for, member):
    from members.joining.models import Resignation

    client_for(member).post(
        reverse("minside:resign"),
        {"reason": "transfer_other", "other_union": "Lederne", "confirm": "on"},
    )
    assert Resignation.objects.get().other_union == "Lederne"


def test_a_second_resignation_is_not_created(client_for, member):
    from members.joining.models import Resignation

    client = client_for(member)
    client.post(reverse("minside:resign"), {"reason": "resigned", "confirm": "on"})
    client.post(reverse("minside:resign"), {"reason": "resigned", "confirm": "on"})
    assert Resignation.objects.count() == 1


def resign(member):
    Member.objects.filter(pk=member.pk).update(
        status=MemberStatus.RESIGNED,
        resigned_on=dt.date(2025, 1, 31),
        resignation_reason="resigned",
    )


def test_a_resigned_member_can_ask_for_erasure(client_for, member):
    resign(member.member)
    client = client_for(member)
    html = client.get(reverse("minside:resign")).content.decode()
    assert "Be om sletting" in html
    response = client.post(reverse("minside:erasure"), {"confirm": "on"})
    assert response.status_code == 302
    assert DataSubjectRequest.objects.get(member=member.member).kind == "erasure"


def test_an_active_member_cannot_ask_for_erasure(client_for, member):
    response = client_for(member).post(reverse("minside:erasure"), {"confirm": "on"}, follow=True)
    assert "utmeldt" in response.content.decode()
    assert not DataSubjectRequest.objects.exists()


def test_erasure_needs_the_confirmation(client_for, member):
    resign(member.member)
    response = client_for(member).post(reverse("minside:erasure"), {})
    assert response.status_code == 400
    assert not DataSubjectRequest.objects.exists()


def test_a_resigned_member_cannot_order_or_resign_again(client_for, member):
    resign(member.member)
    response = client_for(member).post(
        reverse("minside:resign"), {"reason": "resigned", "confirm": "on"}
    )
    from members.joining.models import Resignation

    assert not Resignation.objects.exists()
    assert response.status_code == 200
