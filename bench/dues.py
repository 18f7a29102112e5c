"""Dues: OCR import of 100,000 transactions, a 5,000-line deduction list, and the tax
report for about 70,000 members (the seeded register's direct payments).

The OCR file is built with netsgiro from the seeded members' KIDs (a few invalid and
unknown KIDs and reversals mixed in); each run uses a fresh transmission number. The
deduction list names 5,000 seeded members by national id (matched through the keyed
hash) and replaces the previous run's list. Sizes: BENCH_OCR_ROWS, BENCH_LIST_ROWS.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from decimal import Decimal

from django.utils import timezone
from netsgiro import (
    Assignment,
    AssignmentType,
    ServiceCode,
    Transaction,
    TransactionType,
    Transmission,
)

from bench.common import Context, Row, throughput
from clubs.models import Employer
from members.dues import deductions, services, tax
from members.dues.models import TaxReportRun
from members.models import DIRECT_SOURCES, Member, Payment, PaymentKind, kid_for


def _ocr_file(kids: list[str], number: int, on: dt.date) -> bytes:
    transmission = Transmission(
        number=f"{number:07d}", data_transmitter="00008080", data_recipient="00010200", date=on
    )
    assignment = Assignment(
        service_code=ServiceCode.OCR_GIRO,
        type=AssignmentType.TRANSACTIONS,
        number=f"{number:07d}",
        account="99991042764",
        agreement_id="000000000",
        date=on,
    )
    rng = random.Random(number)  # noqa: S311 - bench data
    for i, kid in enumerate(kids, start=1):
        kind = TransactionType.FROM_GIRO_DEBITED_ACCOUNT
        if i % 500 == 0:
            kind = TransactionType.REVERSING_WITH_KID
        elif i % 333 == 0:
            kid = kid[:-1] + str((int(kid[-1]) + 1) % 10)  # a wrong check digit
        assignment.transactions.append(
            Transaction(
                service_code=ServiceCode.OCR_GIRO,
                type=kind,
                number=i,
                date=on,
                amount=Decimal(rng.choice((63400, 15000, 57500))) / 100,
                kid=kid,
                reference="000000001",
                text=None,
                centre_id="13",
                day_code=on.day,
                partial_settlement_number=1,
                partial_settlement_serial_number="00001",
                sign="0",
                form_number="9999999999",
                bank_date=on,
                debit_account="99990000000",
                filler="0000000",
            )
        )
    transmission.assignments.append(assignment)
    return (transmission.to_ocr() + "\n").encode("iso-8859-1")


def _list_file(members: list[Member], employer: Employer, period: dt.date) -> bytes:
    rows = ["Periode;Orgnr;Fødselsnummer;Medlemsnummer;Navn;Grunnlag;Beløp"]
    total = 0
    for member in members:
        total += 63400
        rows.append(
            f"{period:%Y-%m};{employer.org_number};{member.national_id};;"
            f"{member.first_name} {member.last_name};50000,00;634,00"
        )
    rows.append(f"Sum;;;;;;{total / 100:.2f}".replace(".", ","))
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


def run(ctx: Context) -> list[Row]:
    rows: list[Row] = []
    today = timezone.localdate()
    n_ocr = int(os.environ.get("BENCH_OCR_ROWS", 100_000))
    numbers = list(
        Member.objects.order_by("member_number").values_list("member_number", flat=True)[:n_ocr]
    )
    kids = [kid_for(n) for n in numbers]
    while len(kids) < n_ocr:
        kids.append(kid_for(9_000_000 + len(kids)))  # unknown members
    number = int(time.time()) % 9_000_000 + 1_000_000
    data = _ocr_file(kids[:n_ocr], number, today)
    rate, count, seconds = throughput(
        lambda: services.ocr_import(data=data, filename="bench.ocr", by=None, today=today).lines
    )
    rows.append(
        Row("dues", f"OCR import, {count:,} transactions", rate=rate, note=f"{seconds:.1f} s")
    )

    n_list = int(os.environ.get("BENCH_LIST_ROWS", 5_000))
    employer = Employer.objects.order_by("pk").first()
    members = list(
        Member.objects.order_by("?").only("national_id", "first_name", "last_name")[:n_list]
    )
    period = today.replace(day=1)
    list_data = _list_file(members, employer, period)
    rate, count, seconds = throughput(
        lambda: (
            deductions.deduction_list_import(
                data=list_data, filename="bench.csv", by=None, replace=True
            ).lines
        )
    )
    rows.append(Row("dues", f"deduction list, {count:,} lines", rate=rate, note=f"{seconds:.1f} s"))

    # The year with the most members paying directly (the seed spreads two years).
    years = {}
    for year in (today.year - 1, today.year):
        years[year] = (
            Payment.objects.filter(
                kind=PaymentKind.DUES, source__in=DIRECT_SOURCES, paid_on__year=year
            )
            .values("member_id")
            .distinct()
            .count()
        )
    year = max(years, key=years.get)
    rate, count, seconds = throughput(lambda: tax.tax_report_create(year=year, by=None).statements)
    TaxReportRun.objects.filter(year=year).delete()
    rows.append(
        Row(
            "dues",
            f"tax report {year}, {count:,} members",
            rate=rate,
            note=f"{seconds:.1f} s, XSD-validated",
        )
    )
    return rows
