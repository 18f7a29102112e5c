"""Building the monthly AvtaleGiro claims transmission (payment requests to Nets) with
netsgiro. Pure: takes the claims, returns the OCR text; the service decides who is
claimed and keeps the file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from netsgiro import AssignmentType, ServiceCode, Transmission


@dataclass(frozen=True)
class Claim:
    kid: str
    amount_ore: int
    notify: bool  # the payer asked the bank for a notice
    reference: str = ""


def build_claims(
    *,
    claims: list[Claim],
    due_on: dt.date,
    number: int,
    data_transmitter: str,
    data_recipient: str,
    account: str,
) -> str:
    """Return one transmission with one AvtaleGiro assignment holding every claim."""
    transmission = Transmission(
        number=f"{number:07d}",
        data_transmitter=data_transmitter,
        data_recipient=data_recipient,
        date=due_on,
    )
    assignment = transmission.add_assignment(
        service_code=ServiceCode.AVTALEGIRO,
        assignment_type=AssignmentType.TRANSACTIONS,
        number=f"{number:07d}",
        account=account,
    )
    for claim in claims:
        assignment.add_payment_request(
            kid=claim.kid,
            due_date=due_on,
            amount=Decimal(claim.amount_ore) / 100,
            reference=claim.reference[:25] or None,
            bank_notification=(
                "Kontingent til forbundet. Beløpet trekkes på forfallsdagen."
                if claim.notify
                else False
            ),
        )
    return transmission.to_ocr() + "\n"
