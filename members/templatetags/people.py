"""How people's details read on every page: phone numbers formatted by `phonenumbers`
(«+4747108136» → «47 10 81 36» for Norwegian numbers), dates in one format."""

import phonenumbers
from django import template

register = template.Library()


@register.filter
def phone(value) -> str:
    """Format an E.164 phone number for reading; Norwegian numbers without +47."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(str(value), "NO")
    except phonenumbers.NumberParseException:
        return str(value)
    if number.country_code == 47:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
