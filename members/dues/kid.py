"""KID numbers (kundeidentifikasjon) on OCR giro, AvtaleGiro and invoices: 4–25 digits,
the last a mod-10 (Luhn) or mod-11 check digit ("-" when mod 11 leaves 10). The union's
own KIDs are the member number in 7 digits plus a mod-10 digit (`members.models.kid_for`);
banks accept both schemes, so both are verified and both lead back to a member number."""

from __future__ import annotations

KID_MIN, KID_MAX = 4, 25


# Luhn doubles every second digit from the right and adds the digits of the product.
_DOUBLED = {str(d): (2 * d if d < 5 else 2 * d - 9) for d in range(10)}
_PLAIN = {str(d): d for d in range(10)}


def mod10_digit(base: str) -> str:
    """The Luhn check digit of `base` (digits only)."""
    doubled = sum(_DOUBLED[char] for char in base[::-2])
    plain = sum(_PLAIN[char] for char in base[-2::-2])
    return str((10 - (doubled + plain) % 10) % 10)


def mod11_digit(base: str) -> str:
    """The mod-11 check digit of `base` (weights 2–7 from the right); "-" for 10."""
    total = sum(int(char) * (2 + i % 6) for i, char in enumerate(reversed(base)))
    remainder = 11 - total % 11
    if remainder == 11:
        return "0"
    if remainder == 10:
        return "-"
    return str(remainder)


def is_valid_kid(kid: str) -> bool:
    """True when `kid` has 4–25 characters, digits only (but a mod-11 "-" at the end),
    and its last character is the mod-10 or the mod-11 check digit of the rest."""
    if not kid or not KID_MIN <= len(kid) <= KID_MAX:
        return False
    base, check = kid[:-1], kid[-1]
    if not (base.isascii() and base.isdigit()) or check not in _PLAIN and check != "-":
        return False
    return check == mod10_digit(base) or check == mod11_digit(base)


def member_number_from_kid(kid: str) -> int | None:
    """The member number a valid KID carries (everything but the check digit), or None."""
    if not is_valid_kid(kid):
        return None
    return int(kid[:-1])


def kid_mod11(member_number: int) -> str:
    """A mod-11 KID for a member number (some banks' older agreements used these)."""
    base = f"{member_number:07d}"
    return base + mod11_digit(base)
