"""Reading Nets OCR giro files (also the AvtaleGiro agreement and payment files Nets
sends): 80-character records in ISO-8859-1. Records are parsed one line at a time with
netsgiro's record classes, so a fault is reported with its line number, and the counts
and sums in the assignment (88) and transmission (89) end records are verified: a file
that does not add up is refused whole.

Only what the dues services need comes out: transactions (with the sign of a reversal
applied) and AvtaleGiro agreement changes. Service code 21 (AvtaleGiro) is accepted for
agreement assignments (record type 70) only: claims and cancellations are files we send
to Nets, never payments. No database access here."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from netsgiro import (
    AssignmentType,
    AvtaleGiroRegistrationType,
    RecordType,
    ServiceCode,
    TransactionType,
)
from netsgiro.records import (
    AssignmentEnd,
    AssignmentStart,
    AvtaleGiroAgreement,
    Record,
    TransactionAmountItem1,
    TransactionAmountItem2,
    TransactionAmountItem3,
    TransactionSpecification,
    TransmissionEnd,
    TransmissionStart,
)

RECORD_CLASSES: dict[int, type[Record]] = {
    RecordType.TRANSMISSION_START: TransmissionStart,
    RecordType.ASSIGNMENT_START: AssignmentStart,
    RecordType.TRANSACTION_AMOUNT_ITEM_1: TransactionAmountItem1,
    RecordType.TRANSACTION_AMOUNT_ITEM_2: TransactionAmountItem2,
    RecordType.TRANSACTION_AMOUNT_ITEM_3: TransactionAmountItem3,
    RecordType.TRANSACTION_SPECIFICATION: TransactionSpecification,
    RecordType.TRANSACTION_AGREEMENTS: AvtaleGiroAgreement,
    RecordType.ASSIGNMENT_END: AssignmentEnd,
    RecordType.TRANSMISSION_END: TransmissionEnd,
}
REVERSALS = {TransactionType.REVERSING_WITH_KID, TransactionType.REVERSING_WITH_TEXT}


class OcrFileError(ValueError):
    """The file is refused whole; `line` is 1-based (0: the file as a whole)."""

    def __init__(self, line: int, reason: str):
        super().__init__(
            _("linje %(line)s: %(reason)s") % {"line": line, "reason": reason} if line else reason
        )
        self.line = line
        self.reason = reason


@dataclass
class OcrTransaction:
    reference: str  # unique per transmission: assignment and transaction number
    service_code: int
    transaction_type: int
    kid: str
    amount_ore: int  # negative for reversals
    nets_date: dt.date
    line: int

    @property
    def is_reversal(self) -> bool:
        return self.amount_ore < 0


@dataclass
class OcrAgreement:
    kid: str
    registration_type: int  # AvtaleGiroRegistrationType
    notify: bool
    line: int

    @property
    def deleted(self) -> bool:
        return self.registration_type == AvtaleGiroRegistrationType.DELETED_AGREEMENT


@dataclass
class OcrFile:
    transmission: str  # data transmitter + transmission number
    nets_date: dt.date | None
    transactions: list[OcrTransaction] = field(default_factory=list)
    agreements: list[OcrAgreement] = field(default_factory=list)

    @property
    def total_ore(self) -> int:
        return sum(t.amount_ore for t in self.transactions)


def decode(data: bytes) -> str:
    """Nets files are ISO-8859-1; every byte decodes, so this never fails."""
    return data.decode("iso-8859-1")


def _record(line_no: int, line: str) -> Record:
    if len(line) != 80:
        raise OcrFileError(line_no, _("posten har %(count)s tegn, ikke 80") % {"count": len(line)})
    if not line.startswith("NY"):
        raise OcrFileError(line_no, _("posten begynner ikke med formatkoden NY"))
    kind = line[6:8]
    if not kind.isdigit() or int(kind) not in RECORD_CLASSES:
        raise OcrFileError(line_no, _("ukjent posttype «%(kind)s»") % {"kind": kind})
    try:
        return RECORD_CLASSES[int(kind)].from_string(line)
    except (ValueError, TypeError) as exc:
        # netsgiro's message repeats the whole line; ours names the record type only.
        raise OcrFileError(
            line_no, _("posttype %(kind)s har feil format") % {"kind": kind}
        ) from exc


# Amount items and specification records are most of a file. They are matched against
# netsgiro's own record patterns, but not built into netsgiro objects: building 200,000
# of those (with a strptime per date) is most of the time of a large import.
_FAST = {"30", "31", "32", "49"}


@functools.lru_cache(maxsize=4096)
def _date(value: str) -> dt.date:
    day, month, year = int(value[:2]), int(value[2:4]), int(value[4:])
    # As strptime's %y (and so netsgiro): 69–99 are 1900s, 00–68 2000s.
    return dt.date(year + (1900 if year >= 69 else 2000), month, day)


def _fast(line_no: int, line: str, kind: str) -> dict[str, str]:
    for pattern in RECORD_CLASSES[int(kind)]._PATTERNS:  # type: ignore[attr-defined]
        match = pattern.match(line)
        if match is not None:
            return match.groupdict()
    raise OcrFileError(line_no, _("posttype %(kind)s har feil format") % {"kind": kind})


def _check_end(line_no: int, end, transactions: int, records: int, amount: int | None) -> None:
    if end.num_transactions != transactions:
        raise OcrFileError(
            line_no,
            _("sluttposten oppgir %(stated)s transaksjoner, fant %(found)s")
            % {"stated": end.num_transactions, "found": transactions},
        )
    if end.num_records != records:
        raise OcrFileError(
            line_no,
            _("sluttposten oppgir %(stated)s poster, fant %(found)s")
            % {"stated": end.num_records, "found": records},
        )
    if amount is not None and end.total_amount is not None and end.total_amount != amount:
        raise OcrFileError(line_no, _("sluttpostens sum stemmer ikke med transaksjonene"))


def parse(text: str) -> OcrFile:
    """Parse and verify one transmission; raises OcrFileError for the first fault."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
    if not lines or not lines[0]:
        raise OcrFileError(0, _("filen er tom"))
    first = _record(1, lines[0])
    if not isinstance(first, TransmissionStart):
        raise OcrFileError(1, _("filen begynner ikke med en startpost for forsendelse (10)"))
    result = OcrFile(
        transmission=f"{first.data_transmitter}-{first.transmission_number}", nets_date=None
    )
    total_transactions = total_amount = 0
    assignment: AssignmentStart | None = None
    a_records = a_transactions = a_amount = 0
    current: OcrTransaction | None = None
    ended = False
    for line_no, line in enumerate(lines[1:], start=2):
        if ended:
            raise OcrFileError(line_no, _("poster etter sluttposten for forsendelsen"))
        kind = line[6:8]
        if len(line) == 80 and kind in _FAST and line.startswith("NY"):
            if assignment is None:
                raise OcrFileError(line_no, _("post utenfor et oppdrag"))
            fields = _fast(line_no, line, kind)
            a_records += 1
            if int(fields["service_code"]) != assignment.service_code:
                raise OcrFileError(line_no, _("tjenestekoden skiller seg fra oppdragets"))
            number = int(fields["transaction_number"])
            if kind == "30":
                try:
                    nets_date = _date(fields["nets_date"])
                except ValueError:
                    raise OcrFileError(line_no, _("ugyldig dato")) from None
                amount = int(fields["amount"])
                a_transactions += 1
                a_amount += amount
                transaction_type = int(fields["transaction_type"])
                reversal = transaction_type in REVERSALS or fields.get("sign") == "-"
                current = OcrTransaction(
                    reference=f"{result.transmission}-{assignment.assignment_number}-{number}",
                    service_code=int(fields["service_code"]),
                    transaction_type=transaction_type,
                    kid=fields["kid"].strip(),
                    amount_ore=-amount if reversal else amount,
                    nets_date=nets_date,
                    line=line_no,
                )
                result.transactions.append(current)
            elif kind in ("31", "32") and (
                current is None or number != int(current.reference.rsplit("-", 1)[1])
            ):
                raise OcrFileError(line_no, _("beløpspost uten beløpspost 1 for samme transaksjon"))
            continue
        record = _record(line_no, line)
        if isinstance(record, TransmissionStart):
            raise OcrFileError(line_no, _("mer enn én forsendelse i filen"))
        if isinstance(record, TransmissionEnd):
            if assignment is not None:
                raise OcrFileError(line_no, _("oppdraget er ikke avsluttet (88)"))
            _check_end(line_no, record, total_transactions, len(lines), total_amount)
            result.nets_date = record.nets_date
            ended = True
            continue
        if isinstance(record, AssignmentStart):
            if assignment is not None:
                raise OcrFileError(line_no, _("nytt oppdrag før det forrige er avsluttet"))
            if record.service_code not in (ServiceCode.OCR_GIRO, ServiceCode.AVTALEGIRO):
                raise OcrFileError(line_no, _("ukjent tjenestekode"))
            if (
                record.service_code == ServiceCode.AVTALEGIRO
                and record.assignment_type != AssignmentType.AVTALEGIRO_AGREEMENTS
            ):
                # From Nets, service code 21 carries agreements only. AvtaleGiro claims
                # and cancellations go the other way (our own `avtalegiro_claims` file):
                # read as payments they would record money nobody has paid yet. The
                # payments themselves come in the OCR giro file (09, transaction type 15).
                raise OcrFileError(
                    line_no,
                    _(
                        "oppdraget er AvtaleGiro-krav eller -sletting til Nets, ikke "
                        "innbetalinger; innbetalingene kommer i OCR-filen (tjenestekode 09)"
                    ),
                )
            assignment, a_records, a_transactions, a_amount = record, 1, 0, 0
            continue
        if assignment is None:
            raise OcrFileError(line_no, _("post utenfor et oppdrag"))
        a_records += 1
        if isinstance(record, AssignmentEnd):
            _check_end(line_no, record, a_transactions, a_records, a_amount)
            total_transactions += a_transactions
            total_amount += a_amount
            assignment = None
            continue
        if record.service_code != assignment.service_code:
            raise OcrFileError(line_no, _("tjenestekoden skiller seg fra oppdragets"))
        if isinstance(record, AvtaleGiroAgreement):
            if assignment.assignment_type != AssignmentType.AVTALEGIRO_AGREEMENTS:
                raise OcrFileError(line_no, _("avtalepost (70) utenfor et avtaleoppdrag"))
            a_transactions += 1
            result.agreements.append(
                OcrAgreement(
                    kid=(record.kid or "").strip(),
                    registration_type=int(record.registration_type),
                    notify=bool(record.notify),
                    line=line_no,
                )
            )
        elif isinstance(record, TransactionAmountItem1):
            a_transactions += 1
            a_amount += record.amount
            sign = -1 if record.transaction_type in REVERSALS or record.sign == "-" else 1
            current = OcrTransaction(
                reference=(
                    f"{result.transmission}-{assignment.assignment_number}-"
                    f"{record.transaction_number}"
                ),
                service_code=int(record.service_code),
                transaction_type=int(record.transaction_type),
                kid=(record.kid or "").strip(),
                amount_ore=sign * record.amount,
                nets_date=record.nets_date,
                line=line_no,
            )
            result.transactions.append(current)
        elif isinstance(record, TransactionAmountItem2 | TransactionAmountItem3):
            if current is None or record.transaction_number != int(
                current.reference.rsplit("-", 1)[1]
            ):
                raise OcrFileError(line_no, _("beløpspost uten beløpspost 1 for samme transaksjon"))
        # Specification records (49) carry payer-notice text only.
    if not ended:
        raise OcrFileError(len(lines), _("filen mangler sluttpost for forsendelsen (89)"))
    return result
