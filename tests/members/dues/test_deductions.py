"""Deduction lists: out to the employer (CSV, XLSX), back in with every deviation, the
whole-list refusal, duplicates refused and corrected lists replacing the earlier one."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from members.dues import deductions, payroll
from members.dues.models import (
    Deviation,
    DeviationKind,
    DuesAccount,
    DuesExemption,
    DuesImport,
    ImportStatus,
    PaymentMethod,
)
from members.models import Member, MemberStatus, Payment, PaymentSource
from members.validators import make_national_id
from tests.factories import EmployerFactory, MemberFactory

from .builders import deduction_csv, deduction_xlsx

pytestmark = pytest.mark.django_db
PERIOD = dt.date(2025, 2, 1)


@pytest.fixture
def employer():
    return EmployerFactory()


def payroll_member(employer, **kwargs):
    member = MemberFactory(employer=employer, **kwargs)
    DuesAccount.objects.create(
        member=member, payment_method=PaymentMethod.PAYROLL, gross_monthly_ore=5_000_000
    )
    return member


def line(member, amount_ore=63400, gross_ore=5_000_000, **extra):
    return {
        "national_id": member.national_id,
        "name": member.full_name,
        "amount_ore": amount_ore,
        "gross_ore": gross_ore,
        **extra,
    }


def test_the_list_out_has_every_payroll_member_with_rate_and_reservation(rates, employer):
    a = payroll_member(employer)
    b = payroll_member(employer)
    DuesAccount.objects.filter(member=b).update(insurance_reserved=True)
    MemberFactory(employer=employer)  # pays by invoice: not on the list
    rows = deductions.out_rows(employer, PERIOD)
    assert {r.member_number for r in rows} == {a.member_number, b.member_number}
    text = payroll.write_csv(PERIOD, rows).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Periode;Medlemsnummer;Fødselsnummer")
    assert a.national_id in text and "1,30" in text and "575,00" in text and "59,00" in text
    sheet = load_workbook(io.BytesIO(payroll.write_xlsx(PERIOD, rows, title="Liste"))).active
    assert sheet.max_row == 3 and sheet["C1"].value == "Fødselsnummer"


def test_a_returned_list_becomes_payroll_payments_in_one_go(rates, employer):
    a, b = payroll_member(employer), payroll_member(employer)
    data = deduction_csv([line(a), line(b)], period="2025-02", org=employer.org_number)
    batch = deductions.deduction_list_import(data=data, filename="liste.csv", by=None)
    assert (batch.lines, batch.matched, batch.deviations) == (2, 2, 0)
    assert Payment.objects.filter(source=PaymentSource.PAYROLL, period=PERIOD).count() == 2


def test_xlsx_lists_and_member_numbers_are_read_too(rates, employer):
    a = payroll_member(employer)
    data = deduction_xlsx(
        [{"member_number": a.member_number, "amount_ore": 63400, "gross_ore": 5_000_000}],
        period="2025-02",
        org=employer.org_number,
    )
    batch = deductions.deduction_list_import(data=data, filename="liste.xlsx", by=None)
    assert batch.matched == 1 and batch.deviations == 0


def test_every_deviation_goes_to_the_worklist(rates, employer):
    ok = payroll_member(employer)
    elsewhere = MemberFactory()  # a member of another employer
    wrong_amount = payroll_member(employer)
    missing = payroll_member(employer)
    resigned = MemberFactory(status=MemberStatus.RESIGNED, resigned_on=dt.date(2024, 1, 1))
    stranger = {"national_id": "01017012345", "name": "Ikke Medlem", "amount_ore": 50000}
    import random

    from tests.factories import national_id_for

    stranger["national_id"] = national_id_for(dt.date(1970, 1, 1), random.Random(1))
    lines = [
        line(ok),
        line(elsewhere),
        line(wrong_amount, amount_ore=20000),
        line(resigned),
        stranger,
    ]
    data = deduction_csv(lines, period="2025-02", org=employer.org_number, total_ore=1)
    batch = deductions.deduction_list_import(data=data, filename="liste.csv", by=None)
    kinds = sorted(Deviation.objects.filter(batch=batch).values_list("kind", flat=True))
    assert kinds == sorted(
        [
            "other_employer",
            "amount_differs",
            "missing",
            "not_member",
            "not_member",
            "total_mismatch",
        ]
    )
    assert Deviation.objects.get(kind="missing").member == missing
    # Never auto-created: the stranger is not a member afterwards either.
    assert not Member.objects.by_national_id(stranger["national_id"]).exists()
    assert batch.matched == 3


def test_a_malformed_list_is_refused_whole_with_line_and_reason(rates, employer):
    a = payroll_member(employer)
    data = deduction_csv(
        [line(a), line(a, amount_ore=0) | {"national_id": "12345678901"}],
        period="2025-02",
        org=employer.org_number,
    )
    with pytest.raises(ValidationError) as info:
        deductions.deduction_list_import(data=data, filename="liste.csv", by=None)
    message = info.value.messages[0]
    assert "linje 3" in message and "fødselsnummeret er ugyldig" in message
    assert "12345678901" not in message
    assert not Payment.objects.exists() and not DuesImport.objects.exists()


@pytest.mark.parametrize(
    "mutate, reason",
    [
        (lambda t: t.replace("2025-02", "2025-13", 1), "perioden"),
        (lambda t: t.replace("Beløp", "Noe annet"), "mangler"),
        (lambda t: t.replace(",00\r\nSum", ",001\r\nSum", 1), "desimaler"),
    ],
)
def test_other_faults_refuse_the_list(rates, employer, mutate, reason):
    a = payroll_member(employer)
    text = deduction_csv([line(a)], period="2025-02", org=employer.org_number).decode()
    with pytest.raises(ValidationError, match=reason):
        deductions.deduction_list_import(data=mutate(text).encode(), filename="l.csv", by=None)


def test_an_unknown_employer_is_refused(rates):
    member = MemberFactory()
    data = deduction_csv([line(member)], period="2025-02", org="974760673")
    with pytest.raises(ValidationError, match="Ingen arbeidsgiver"):
        deductions.deduction_list_import(data=data, filename="l.csv", by=None)


def test_the_same_list_twice_is_refused_and_a_correction_replaces_it(rates, employer):
    a = payroll_member(employer)
    first = deduction_csv([line(a, amount_ore=20000)], period="2025-02", org=employer.org_number)
    deductions.deduction_list_import(data=first, filename="l.csv", by=None)
    with pytest.raises(ValidationError, match="allerede lest inn"):
        deductions.deduction_list_import(data=first, filename="l.csv", by=None)
    corrected = deduction_csv([line(a)], period="2025-02", org=employer.org_number)
    with pytest.raises(ValidationError, match="erstatte"):
        deductions.deduction_list_import(data=corrected, filename="l2.csv", by=None)
    deductions.deduction_list_import(data=corrected, filename="l2.csv", by=None, replace=True)
    assert list(Payment.objects.filter(member=a).values_list("amount_ore", flat=True)) == [63400]
    assert DuesImport.objects.filter(status=ImportStatus.REPLACED).count() == 1
    assert not Deviation.objects.filter(kind="amount_differs").exists()


def test_resolutions_move_excuse_or_switch_to_invoice(rates, employer, central_staff):
    elsewhere = MemberFactory()
    on_leave = payroll_member(employer)
    left = payroll_member(employer)
    data = deduction_csv([line(elsewhere)], period="2025-02", org=employer.org_number)
    deductions.deduction_list_import(data=data, filename="l.csv", by=central_staff)
    moved = Deviation.objects.get(kind="other_employer")
    deductions.deviation_resolve(deviation=moved, by=central_staff, resolution="moved")
    elsewhere.refresh_from_db()
    assert elsewhere.employer == employer
    leave = Deviation.objects.get(kind="missing", member=on_leave)
    deductions.deviation_resolve(deviation=leave, by=central_staff, resolution="unpaid_leave")
    assert DuesExemption.objects.filter(member=on_leave, period=PERIOD).exists()
    gone = Deviation.objects.get(kind="missing", member=left)
    deductions.deviation_resolve(deviation=gone, by=central_staff, resolution="left_employer")
    assert DuesAccount.objects.get(member=left).payment_method == PaymentMethod.INVOICE
    with pytest.raises(ValidationError):
        deductions.deviation_resolve(deviation=gone, by=central_staff, resolution="accepted")


def test_a_not_member_line_can_be_assigned_to_a_member(rates, employer, central_staff):
    import random

    from tests.factories import national_id_for

    target = payroll_member(employer)
    stranger = {
        "national_id": national_id_for(dt.date(1980, 5, 5), random.Random(3)),
        "name": "Feil Nummer",
        "amount_ore": 63400,
    }
    data = deduction_csv(
        [stranger, line(target, amount_ore=0)], period="2025-02", org=employer.org_number
    )
    deductions.deduction_list_import(data=data, filename="l.csv", by=central_staff)
    deviation = Deviation.objects.get(kind="not_member")
    deductions.deviation_resolve(
        deviation=deviation, by=central_staff, resolution="assigned", member=target
    )
    assert Payment.objects.filter(
        member=target, amount_ore=63400, source=PaymentSource.PAYROLL
    ).exists()
    deviation.refresh_from_db()
    assert deviation.national_id == ""


def test_dues_the_employer_paid_without_a_deduction_count_as_paid_directly(rates, employer):
    from members.dues import tax

    deducted, covered = payroll_member(employer), payroll_member(employer)
    rows = [
        "Periode;Orgnr;Fødselsnummer;Navn;Grunnlag;Beløp;Uten trekk",
        f"2025-02;{employer.org_number};{deducted.national_id};A;50000,00;634,00;nei",
        f"2025-02;{employer.org_number};{covered.national_id};B;50000,00;634,00;ja",
        "Sum;;;;;1268,00;",
    ]
    data = ("\r\n".join(rows) + "\r\n").encode("utf-8")
    batch = deductions.deduction_list_import(data=data, filename="l.csv", by=None)
    assert batch.matched == 2 and batch.deviations == 0
    assert Payment.objects.get(member=deducted).source == PaymentSource.PAYROLL
    assert Payment.objects.get(member=covered).source == PaymentSource.EMPLOYER
    # The union reports what the employer paid without deducting; the a-melding has the rest.
    assert [s.national_id for s in tax.collect(2025).statements] == [covered.national_id]
    with pytest.raises(ValidationError, match="linje 2: «uten trekk» må være ja eller nei"):
        deductions.deduction_list_import(
            data=data.replace(b";nei\r\n", b";kanskje\r\n"), filename="l.csv", by=None
        )


def test_an_unmatched_line_the_employer_paid_stays_a_direct_payment_when_assigned(rates, employer):
    target = payroll_member(employer)
    stranger = make_national_id(dt.date(1980, 1, 1), 420)
    rows = [
        "Periode;Orgnr;Fødselsnummer;Navn;Grunnlag;Beløp;Uten trekk",
        f"2025-02;{employer.org_number};{stranger};Ukjent;;634,00;ja",
        f"2025-02;{employer.org_number};{target.national_id};Kjent;;634,00;nei",
        "Sum;;;;;1268,00;",
    ]
    data = ("\r\n".join(rows) + "\r\n").encode("utf-8")
    deductions.deduction_list_import(data=data, filename="l.csv", by=None)
    deviation = Deviation.objects.get(kind=DeviationKind.NOT_MEMBER)
    assert deviation.employer_paid

    deductions.deviation_resolve(deviation=deviation, by=None, resolution="assigned", member=target)

    assert Payment.objects.get(member=target, reference__endswith="-2").source == (
        PaymentSource.EMPLOYER
    )
