"""Payroll deduction lists (trekklister): the list the union sends each employer every
month (CSV and XLSX), and reading the list the employer sends back.

The returned list has a header row naming its columns (any order, Norwegian names):
periode (YYYY-MM), orgnr, fødselsnummer and/or medlemsnummer, navn, grunnlag (gross pay,
optional), beløp (kroner, decimal comma or point), and optionally "uten trekk" (ja/nei:
the employer paid the dues without deducting them from pay, which the union reports to
Skatteetaten itself); the last row is the total ("Sum" in the first column, the total in
the amount column). One fault refuses the whole list, with
the line and the reason. National ids are never part of an error message."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from stdnum.no import orgnr

from members.exports import safe_cell
from members.validators import normalize_national_id

OUT_COLUMNS = (
    "Periode",
    "Medlemsnummer",
    "Fødselsnummer",
    "Etternavn",
    "Fornavn",
    "Sats (%)",
    "Månedlig tak (kr)",
    "Minstebeløp (kr)",
    "Forsikring (kr)",
    "Fast beløp (kr)",
    "Reservert mot forsikring",
)

# Column names accepted in a returned list (lower-cased, spaces and dots removed).
IN_ALIASES = {
    "periode": "period",
    "orgnr": "org_number",
    "organisasjonsnummer": "org_number",
    "fødselsnummer": "national_id",
    "fnr": "national_id",
    "medlemsnummer": "member_number",
    "medlemsnr": "member_number",
    "navn": "name",
    "grunnlag": "gross",
    "bruttolønn": "gross",
    "beløp": "amount",
    "trekk": "amount",
    "utentrekk": "employer_paid",
    "betaltavarbeidsgiver": "employer_paid",
}
_YES = {"ja", "j", "x", "1", "yes", "true"}
_NO = {"", "nei", "n", "0", "no", "false"}

# The column names a returned list must have, as staff are told about a missing one.
COLUMN_NAMES = {"period": "periode", "org_number": "orgnr", "name": "navn", "amount": "beløp"}


class ListFileError(ValueError):
    def __init__(self, line: int, reason: str):
        super().__init__(
            _("linje %(line)s: %(reason)s") % {"line": line, "reason": reason} if line else reason
        )
        self.line = line
        self.reason = reason


@dataclass
class ListLine:
    line: int
    national_id: str
    member_number: int | None
    name: str
    gross_ore: int | None
    amount_ore: int
    # Paid by the employer without a pay deduction: a direct payment for the tax report.
    employer_paid: bool = False


@dataclass
class DeductionList:
    period: dt.date
    org_number: str
    stated_total_ore: int | None
    lines: list[ListLine] = field(default_factory=list)

    @property
    def total_ore(self) -> int:
        return sum(line.amount_ore for line in self.lines)


@dataclass(frozen=True)
class OutRow:
    member_number: int
    national_id: str
    last_name: str
    first_name: str
    percent: Decimal | None
    cap_ore: int | None
    minimum_ore: int | None
    insurance_ore: int
    flat_ore: int | None
    insurance_reserved: bool


def _kr(ore: int | None) -> str:
    if ore is None:
        return ""
    return f"{ore / 100:.2f}".replace(".", ",")


def out_rows_as_lists(period: dt.date, rows: list[OutRow]) -> list[list[str]]:
    return [
        [
            f"{period:%Y-%m}",
            str(r.member_number),
            r.national_id,
            # Names are what people typed: never a formula in the employer's spreadsheet.
            safe_cell(r.last_name),
            safe_cell(r.first_name),
            "" if r.percent is None else str(r.percent).replace(".", ","),
            _kr(r.cap_ore),
            _kr(r.minimum_ore),
            _kr(0 if r.insurance_reserved else r.insurance_ore),
            _kr(r.flat_ore),
            "ja" if r.insurance_reserved else "nei",
        ]
        for r in rows
    ]


def write_csv(period: dt.date, rows: list[OutRow]) -> bytes:
    """Semicolon-separated UTF-8 with BOM: what Norwegian spreadsheet users open."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(OUT_COLUMNS)
    writer.writerows(out_rows_as_lists(period, rows))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(period: dt.date, rows: list[OutRow], *, title: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Trekkliste")
    sheet.append(list(OUT_COLUMNS))
    for row in out_rows_as_lists(period, rows):
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- reading a returned list -----------------------------------------------------------


def _rows_from_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("iso-8859-1")
    sample = text[:2000]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _rows_from_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ListFileError(0, _("filen kan ikke leses som et regneark (XLSX)")) from exc
    sheet = workbook.worksheets[0]
    rows = []
    for values in sheet.iter_rows(values_only=True):
        rows.append(["" if v is None else _cell(v) for v in values])
    workbook.close()
    return rows


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return f"{value:%Y-%m}"
    return str(value)


def _money(line: int, value: str, what: str) -> int:
    text = value.strip().replace(" ", "").replace("\u00a0", "").replace("kr", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ListFileError(line, _("%(what)s er ikke et beløp") % {"what": what}) from None
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ListFileError(line, _("%(what)s har mer enn to desimaler") % {"what": what})
    return int(amount * 100)


_PERIOD = re.compile(r"^(\d{4})-?(\d{1,2})$")


def _period(line: int, value: str) -> dt.date:
    match = _PERIOD.match(value.strip().replace(".", "-").replace("/", "-"))
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ListFileError(line, _("perioden må skrives ÅÅÅÅ-MM"))
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def parse(data: bytes, filename: str) -> DeductionList:
    """Read a returned list (CSV or XLSX by file name) and verify it; raises ListFileError."""
    from members.validators import validate_national_id

    is_xlsx = filename.lower().endswith((".xlsx", ".xlsm"))
    rows = _rows_from_xlsx(data) if is_xlsx else _rows_from_csv(data)
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise ListFileError(0, _("filen er tom"))
    header = [
        IN_ALIASES.get(h.strip().lower().replace(" ", "").replace(".", ""), "") for h in rows[0]
    ]
    for needed in ("period", "org_number", "name", "amount"):
        if needed not in header:
            raise ListFileError(
                1,
                _("kolonnen «%(column)s» mangler i overskriftsraden")
                % {"column": COLUMN_NAMES[needed]},
            )
    if "national_id" not in header and "member_number" not in header:
        raise ListFileError(1, _("listen må ha fødselsnummer eller medlemsnummer"))
    col = {name: header.index(name) for name in header if name}

    def cell(row: list[str], name: str) -> str:
        index = col.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    result: DeductionList | None = None
    stated_total = None
    seen: tuple[str, str] | None = None
    for line_no, row in enumerate(rows[1:], start=2):
        if row[0].strip().lower() in ("sum", "total", "totalt"):
            stated_total = _money(line_no, cell(row, "amount"), _("summen"))
            if line_no != len(rows):
                raise ListFileError(line_no, _("sumlinjen må være den siste linjen"))
            break
        period_text, org_text = cell(row, "period"), cell(row, "org_number")
        if (period_text, org_text) != seen:
            # Every line repeats the period and org number: checked once per spelling.
            period = _period(line_no, period_text)
            org = orgnr.compact(org_text)
            if not orgnr.is_valid(org):
                raise ListFileError(line_no, _("organisasjonsnummeret er ugyldig"))
            seen = (period_text, org_text)
        if result is None:
            result = DeductionList(period=period, org_number=org, stated_total_ore=None)
        elif period != result.period or org != result.org_number:
            raise ListFileError(line_no, _("listen blander perioder eller arbeidsgivere"))
        national_id = normalize_national_id(cell(row, "national_id"))
        if national_id:
            try:
                validate_national_id(national_id)
            except Exception:
                raise ListFileError(line_no, _("fødselsnummeret er ugyldig")) from None
        number_text = cell(row, "member_number")
        if number_text and not number_text.isdigit():
            raise ListFileError(line_no, _("medlemsnummeret er ikke et tall"))
        if not national_id and not number_text:
            raise ListFileError(line_no, _("linjen mangler både fødselsnummer og medlemsnummer"))
        gross_text = cell(row, "gross")
        paid_text = cell(row, "employer_paid").lower()
        if paid_text not in _YES | _NO:
            raise ListFileError(line_no, _("«uten trekk» må være ja eller nei"))
        result.lines.append(
            ListLine(
                line=line_no,
                national_id=national_id,
                member_number=int(number_text) if number_text else None,
                name=cell(row, "name"),
                gross_ore=_money(line_no, gross_text, _("grunnlaget")) if gross_text else None,
                amount_ore=_money(line_no, cell(row, "amount"), _("beløpet")),
                employer_paid=paid_text in _YES,
            )
        )
    if result is None:
        raise ListFileError(0, _("listen har ingen linjer"))
    result.stated_total_ore = stated_total
    return result
