"""The XML format of the yearly union-dues report to Skatteetaten (RF-1301 attachment),
kept in this one module with its schema beside it (`fagforeningskontingent.xsd`).
Pure: statements in, validated XML bytes out.

Sources: Skatteetaten, "Rettledning for utfylling og innlevering av tredjepartsopplysninger
om innbetalt fagforeningskontingent" (revised October 2018,
https://www.skatteetaten.no/bedrift-og-organisasjon/rapportering-og-bransjer/
tredjepartsopplysninger/andre-bransjer/fagforeningskontingent/rettledning/): the report
covers dues members paid directly to the union and dues the employer paid without a pay
deduction; dues deducted from pay are reported by the employer in the a-melding; the
report is voluntary, so members get the deduction pre-filled. The XML follows the shared
structure of Skatteetaten's "Beskrivelse av filformatet for innsending av opplysninger
til Skatteetaten" documents for the other third-party reports (e.g. Fondskonto, version
1.1): UTF-8, one namespace, a delivery (leveranse) with the reporting organisation and
its contact, the income year, the reporter's own delivery reference and the delivery
type (ordinary or replacement), one statement (oppgave) per person with a unique
statement reference so a correction replaces it, and a summary of count and sum. The
amount is whole kroner; amounts above the deduction cap are reported as paid (the cap
is applied in the member's tax assessment, not here)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from lxml import etree

NAMESPACE = "urn:ske:fastsetting:innsamling:gruppeoppgave:fagforeningskontingent:v1"
XSD_PATH = Path(__file__).with_name("fagforeningskontingent.xsd")


@dataclass(frozen=True)
class Statement:
    national_id: str
    name: str
    reference: str  # unique per member and year: a later file with it replaces this one
    amount_ore: int


@dataclass(frozen=True)
class Reporter:
    org_number: str
    name: str
    contact_name: str
    contact_email: str
    contact_phone: str = ""


def whole_kroner(ore: int) -> int:
    """Amounts are reported in whole kroner, rounded half up."""
    return int((Decimal(ore) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_PATH)))


class TaxReportInvalid(ValueError):
    """The file does not validate against the XSD kept beside this module."""


def build(
    *,
    reporter: Reporter,
    year: int,
    delivery_reference: str,
    replacement: bool,
    statements: list[Statement],
) -> bytes:
    """Return the XML file (UTF-8), validated against the schema."""
    ns = f"{{{NAMESPACE}}}"
    root = etree.Element(ns + "melding", nsmap={None: NAMESPACE})
    delivery = etree.SubElement(root, ns + "leveranse")
    sub = etree.SubElement
    sub(delivery, ns + "kildesystem").text = "Medlemsportal"
    giver = sub(delivery, ns + "oppgavegiver")
    sub(giver, ns + "organisasjonsnummer").text = reporter.org_number
    sub(giver, ns + "organisasjonsnavn").text = reporter.name
    contact = sub(giver, ns + "kontaktinformasjon")
    sub(contact, ns + "navn").text = reporter.contact_name
    if reporter.contact_phone:
        sub(contact, ns + "telefonnummer").text = reporter.contact_phone
    sub(contact, ns + "varselEpostadresse").text = reporter.contact_email
    sub(delivery, ns + "inntektsaar").text = str(year)
    sub(delivery, ns + "oppgavegiversLeveranseReferanse").text = delivery_reference
    sub(delivery, ns + "leveransetype").text = "erstatning" if replacement else "ordinaer"
    total = 0
    for statement in statements:
        kroner = whole_kroner(statement.amount_ore)
        total += kroner
        item = sub(delivery, ns + "oppgave")
        owner = sub(item, ns + "oppgaveeier")
        sub(owner, ns + "foedselsnummer").text = statement.national_id
        sub(owner, ns + "navn").text = statement.name[:150]
        sub(item, ns + "unikOppgavereferanse").text = statement.reference
        sub(item, ns + "innbetaltFagforeningskontingent").text = str(kroner)
    summary = sub(delivery, ns + "oppgaveoppsummering")
    sub(summary, ns + "antallOppgaver").text = str(len(statements))
    sub(summary, ns + "sumInnbetaltFagforeningskontingent").text = str(total)
    validate(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def validate(document) -> None:
    """Raise TaxReportInvalid with the first schema error (never a national id: the
    messages name elements and values of the summary only when those are wrong)."""
    if isinstance(document, bytes):
        document = etree.fromstring(document)
    xsd = schema()
    if not xsd.validate(document):
        error = xsd.error_log.last_error
        raise TaxReportInvalid(f"line {error.line}: {error.type_name}")
