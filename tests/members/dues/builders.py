"""Real-format Nets files for the tests, built with netsgiro's own objects: OCR giro
transmissions (every transaction type, reversals, text records), AvtaleGiro agreement
assignments (record type 70), and deduction lists as CSV and XLSX."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from netsgiro import (
    Agreement,
    Assignment,
    AssignmentType,
    AvtaleGiroRegistrationType,
    ServiceCode,
    Transaction,
    TransactionType,
    Transmission,
)

NETS = "00008080"
US = "00010200"


def ocr_transaction(
    number: int,
    *,
    kid: str,
    amount_ore: int,
    on: dt.date,
    kind=TransactionType.FROM_GIRO_DEBITED_ACCOUNT,
    text: str | None = None,
) -> Transaction:
    has_text = kind in (TransactionType.REVERSING_WITH_TEXT, TransactionType.PURCHASE_WITH_TEXT)
    return Transaction(
        service_code=ServiceCode.OCR_GIRO,
        type=kind,
        number=number,
        date=on,
        amount=Decimal(amount_ore) / 100,
        kid=kid,
        reference="000000001",
        text=(text or "Kontingent") if has_text else None,
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


def ocr_file(
    payments: list[tuple[str, int]] | None = None,
    *,
    number: int = 1,
    on: dt.date = dt.date(2025, 3, 10),
    kinds: list | None = None,
    agreements: list[tuple[str, int, bool]] | None = None,
    service_code=ServiceCode.OCR_GIRO,
) -> bytes:
    """One transmission: an OCR giro assignment with `payments` (kid, øre), and an
    AvtaleGiro agreements assignment with `agreements` (kid, registration type, notify)."""
    transmission = Transmission(
        number=f"{number:07d}", data_transmitter=NETS, data_recipient=US, date=on
    )
    if payments:
        assignment = Assignment(
            service_code=service_code,
            type=AssignmentType.TRANSACTIONS,
            number=f"{number:07d}",
            account="99991042764",
            agreement_id="000000000" if service_code == ServiceCode.OCR_GIRO else None,
            date=on,
        )
        for i, (kid, amount) in enumerate(payments, start=1):
            kind = kinds[i - 1] if kinds else TransactionType.FROM_GIRO_DEBITED_ACCOUNT
            transaction = ocr_transaction(i, kid=kid, amount_ore=amount, on=on, kind=kind)
            if service_code == ServiceCode.AVTALEGIRO:
                transaction.service_code = ServiceCode.AVTALEGIRO
            assignment.transactions.append(transaction)
        transmission.assignments.append(assignment)
    if agreements:
        assignment = Assignment(
            service_code=ServiceCode.AVTALEGIRO,
            type=AssignmentType.AVTALEGIRO_AGREEMENTS,
            number=f"{number + 1:07d}",
            account="99991042764",
        )
        for i, (kid, registration, notify) in enumerate(agreements, start=1):
            assignment.transactions.append(
                Agreement(
                    service_code=ServiceCode.AVTALEGIRO,
                    number=i,
                    registration_type=AvtaleGiroRegistrationType(registration),
                    kid=kid,
                    notify=notify,
                )
            )
        transmission.assignments.append(assignment)
    return (transmission.to_ocr() + "\n").encode("iso-8859-1")


def deduction_csv(
    lines: list[dict],
    *,
    period: str,
    org: str,
    total_ore: int | None = None,
    total_line: bool = True,
) -> bytes:
    rows = ["Periode;Orgnr;Fødselsnummer;Medlemsnummer;Navn;Grunnlag;Beløp"]
    for line in lines:
        rows.append(
            ";".join(
                [
                    period,
                    org,
                    line.get("national_id", ""),
                    str(line.get("member_number", "")),
                    line.get("name", "Ola Nordmann"),
                    _kr(line["gross_ore"]) if line.get("gross_ore") is not None else "",
                    _kr(line["amount_ore"]),
                ]
            )
        )
    if total_line:
        total = total_ore if total_ore is not None else sum(line["amount_ore"] for line in lines)
        rows.append(f"Sum;;;;;;{_kr(total)}")
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


def deduction_xlsx(lines: list[dict], *, period: str, org: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        ["Periode", "Orgnr", "Fødselsnummer", "Medlemsnummer", "Navn", "Grunnlag", "Beløp"]
    )
    for line in lines:
        sheet.append(
            [
                period,
                org,
                line.get("national_id", ""),
                line.get("member_number"),
                line.get("name", "Kari"),
                None if line.get("gross_ore") is None else line["gross_ore"] / 100,
                line["amount_ore"] / 100,
            ]
        )
    sheet.append(
        ["Sum", None, None, None, None, None, sum(line["amount_ore"] for line in lines) / 100]
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _kr(ore: int) -> str:
    return f"{ore / 100:.2f}".replace(".", ",")
