"""Validators for Norwegian identifiers, with messages a member can act on.

Each `validate_*` raises `ValidationError` in Norwegian (translatable) and never puts
the offending value in the message: national ids must not leak into logs or pages.
"""

import datetime as dt
import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.no import kontonr, orgnr

from . import postal

_K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_K2_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _digits(value: str) -> str:
    """The value without spaces, dots and dashes, with every decimal digit of any script
    (full-width, Arabic-Indic …) as its ASCII digit: "１７０５…" and "1705…" are the same
    number, so they get the same keyed hash and the same throttle counters."""
    stripped = re.sub(r"[\s.\-]", "", value or "")
    if stripped.isascii():
        return stripped
    return "".join(
        str(unicodedata.decimal(ch)) if unicodedata.decimal(ch, None) is not None else ch
        for ch in stripped
    )


def _k1_ok(digits: str) -> bool:
    # Before 2032 k1 = 11 - (sum mod 11); the 2032 scheme allows k1 = (11..14) - (sum mod
    # 11), i.e. (sum + k1) mod 11 in {0, 1, 2, 3}. The old rule is the special case 0.
    total = sum(int(d) * w for d, w in zip(digits[:9], _K1_WEIGHTS, strict=True))
    return (total + int(digits[9])) % 11 in (0, 1, 2, 3)


def _k2_ok(digits: str) -> bool:
    total = sum(int(d) * w for d, w in zip(digits[:10], _K2_WEIGHTS, strict=True))
    return (total + int(digits[10])) % 11 == 0


def _century(year2: int, individual: int) -> int:
    """Return the century the traditional individual-number ranges imply (may be None)."""
    if individual <= 499:
        return 1900
    if individual <= 749 and year2 >= 54:
        return 1800
    if individual >= 500 and year2 <= 39:
        return 2000
    if individual >= 900 and year2 >= 40:
        return 1900
    return 0


def birth_date_from_national_id(value: str, *, today: dt.date | None = None) -> dt.date:
    """Return the birth date a fødselsnummer, D-nummer or H-nummer encodes.

    The 2032 scheme carries no century, so the traditional individual-number ranges are
    used when they give a past date, otherwise the most recent past century.
    """
    digits = _digits(value)
    day, month, year2 = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    if day > 40:  # D-nummer
        day -= 40
    if month > 40:  # H-nummer
        month -= 40
    today = today or timezone.localdate()
    century = _century(year2, int(digits[6:9]))
    candidates = [century] if century else []
    candidates += [c for c in (2000, 1900, 1800) if c not in candidates]
    for c in candidates:
        try:
            born = dt.date(c + year2, month, day)
        except ValueError:
            raise ValidationError(
                _("Fødselsnummeret har en ugyldig dato."), code="invalid_date"
            ) from None
        if born <= today:
            return born
    raise ValidationError(_("Fødselsnummeret har en dato i fremtiden."), code="future_date")


def normalize_national_id(value: str) -> str:
    return _digits(value)


def validate_national_id(value: str, *, today: dt.date | None = None) -> None:
    """Accept a fødselsnummer, D-nummer or H-nummer (both check digit schemes). A caller
    checking many ids passes `today` once (the date is looked up per call otherwise)."""
    digits = _digits(value)
    if not digits.isdigit() or len(digits) != 11:
        raise ValidationError(_("Fødselsnummer og D-nummer har 11 siffer."), code="invalid_length")
    if not (_k1_ok(digits) and _k2_ok(digits)):
        raise ValidationError(
            _("Kontrollsifrene stemmer ikke. Sjekk at fødselsnummeret er skrevet riktig."),
            code="invalid_checksum",
        )
    birth_date_from_national_id(digits, today=today)


def mask_national_id(value: str | None) -> str:
    """Return `DDMMYY *****`: the birth date part only."""
    digits = _digits(value or "")
    if len(digits) != 11:
        return ""
    return f"{digits[:6]} *****"


# Eleven digits, possibly written "DDMMYY NNNNN" or with dots, not inside a longer number.
_NATIONAL_ID_IN_TEXT = re.compile(r"(?<![\d])(\d{6})[ .]?(\d{5})(?![\d])")


def mask_national_ids_in_text(text: str) -> str:
    """Free text with every valid national id in it masked (`DDMMYY *****`): people type
    them into messages and requests, and the text is stored and shown to staff."""

    def mask(match: re.Match) -> str:
        number = match.group(1) + match.group(2)
        try:
            validate_national_id(number)
        except ValidationError:
            return match.group(0)
        return mask_national_id(number)

    return _NATIONAL_ID_IN_TEXT.sub(mask, text or "")


def normalize_bank_account(value: str) -> str:
    return _digits(value)


def validate_bank_account(value: str) -> None:
    digits = _digits(value)
    if len(digits) != 11 or not digits.isdigit():
        raise ValidationError(_("Kontonummeret må ha 11 siffer."), code="invalid_length")
    if not kontonr.is_valid(digits):
        raise ValidationError(
            _("Kontonummeret er ikke gyldig. Sjekk at det er skrevet riktig."),
            code="invalid_checksum",
        )


def mask_bank_account(value: str | None) -> str:
    digits = _digits(value or "")
    if len(digits) != 11:
        return ""
    return f"**** ** {digits[-5:]}"


def validate_org_number(value: str) -> None:
    digits = _digits(value)
    if len(digits) != 9 or not digits.isdigit():
        raise ValidationError(_("Organisasjonsnummeret må ha 9 siffer."), code="invalid_length")
    if not orgnr.is_valid(digits):
        raise ValidationError(_("Organisasjonsnummeret er ikke gyldig."), code="invalid_checksum")


def validate_any_postal_code(value: str) -> None:
    """A postal code of any country: letters, digits, spaces and hyphens («45230»,
    «SE-452 30», «EC1A 1BB»). Norwegian ones are checked by `validate_postal_code`."""
    if value and not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z -]{0,9}", value):
        raise ValidationError(
            _("Postnummeret kan bare ha bokstaver, siffer, mellomrom og bindestrek."),
            code="invalid_postal_code",
        )


def validate_postal_code(value: str, *, city: str | None = None) -> None:
    """A Norwegian postal code: four digits, never 0000. Given the postal place too, the
    code must be in Posten's register (`members/postal.py`) and belong to that place.
    (The model field checks the format only: the register changes, old rows stay valid.)"""
    if not re.fullmatch(r"[0-9]{4}", value or ""):
        raise ValidationError(_("Postnummeret må ha fire siffer."), code="invalid_postal_code")
    if value == "0000":
        raise ValidationError(_("Postnummeret finnes ikke."), code="unknown_postal_code")
    if city is None:
        return
    entry = postal.lookup(value)
    if entry is None:
        raise ValidationError(_("Postnummeret finnes ikke."), code="unknown_postal_code")
    if not postal.city_matches(value, city):
        raise ValidationError(
            _("Postnummer %(code)s hører til %(city)s, ikke til poststedet du skrev."),
            code="wrong_city",
            params={"code": value, "city": entry.city_title},
        )


def normalize_phone(value: str) -> str:
    """Return the number in E.164 (Norwegian numbers may be written without +47)."""
    if not value:
        return ""
    try:
        parsed = phonenumbers.parse(value, "NO")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Telefonnummeret er ikke gyldig."), code="invalid_phone") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(_("Telefonnummeret er ikke gyldig."), code="invalid_phone")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    if value:
        normalized = normalize_phone(value)
        if normalized != value:
            raise ValidationError(
                _("Telefonnummeret må lagres i formatet +4712345678."), code="not_e164"
            )


def make_national_id(
    born: dt.date,
    individual: int,
    *,
    d_number: bool = False,
    h_number: bool = False,
    scheme_2032: bool = False,
) -> str:
    """Return the valid national id for a birth date and a three-digit individual number.

    `d_number` adds 40 to the day, `h_number` 40 to the month. With `scheme_2032` the
    first check digit follows the new rule with a remainder other than 0, so the number
    is valid only under the 2032 scheme. Raises ValueError when no check digit fits (about
    one individual number in ten): callers draw another individual number.
    """
    if not 0 <= individual <= 999:
        raise ValueError("individual must be 0..999")
    day = born.day + (40 if d_number else 0)
    month = born.month + (40 if h_number else 0)
    base = f"{day:02d}{month:02d}{born.year % 100:02d}{individual:03d}"
    total = sum(int(d) * w for d, w in zip(base, _K1_WEIGHTS, strict=True))
    remainders = (1, 2, 3) if scheme_2032 else (0,)
    k1 = next(((r - total) % 11 for r in remainders if (r - total) % 11 < 10), None)
    if k1 is None:
        raise ValueError("no first check digit for this individual number")
    base += str(k1)
    k2 = -sum(int(d) * w for d, w in zip(base, _K2_WEIGHTS, strict=True)) % 11
    if k2 == 10:
        raise ValueError("no second check digit for this individual number")
    return base + str(k2)


def looks_like_national_id(value: str) -> bool:
    """Whether a search text is a whole national id (11 ASCII digits, spaces allowed)."""
    digits = "".join(ch for ch in value if not ch.isspace())
    return len(digits) == 11 and digits.isascii() and digits.isdigit()


def query_kind(query: str) -> str:
    """What a staff search is for, as logged: never the query itself. Mirrors the
    branches of `MemberQuerySet.search`."""
    query = (query or "").strip()
    digits = query.replace(" ", "")
    if looks_like_national_id(query):
        return "national_id"
    if digits.isdigit() and len(digits) <= 8:
        return "member_number_or_phone"
    if digits.lstrip("+").isdigit():
        return "phone"
    if "@" in query:
        return "email"
    return "name"


# ISO 3166-1 alpha-2: every assigned country code (249). Partners get this field as it
# is, so anything else (emoji, control characters, right-to-left overrides) is refused.
ISO_COUNTRY_CODES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO
    BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ
    DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP
    GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG
    KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML
    MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
    PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL
    SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM
    US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    """.split()
)


def normalize_country(value: str) -> str:
    return (value or "").strip().upper()


def validate_country(value: str) -> None:
    """Accept an ISO 3166-1 alpha-2 country code (NO, SE, DK …), in capitals."""
    if value not in ISO_COUNTRY_CODES:
        raise ValidationError(
            _("Oppgi landet som en landkode på to bokstaver (ISO 3166), for eksempel NO."),
            code="invalid_country",
        )
