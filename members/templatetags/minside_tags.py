"""Template helpers for Min side and its PDFs."""

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def kr(ore) -> str:
    """Format an amount in øre as Norwegian kroner: «1 234,50 kr»."""
    if ore is None or ore == "":
        return ""
    value = int(ore) / 100
    decimals = 0 if int(ore) % 100 == 0 else 2
    text = number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    return f"{text} kr"
