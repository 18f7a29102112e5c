"""`{{ names|field_labels }}`: field names as the labels a person reads, comma-joined."""

from django import template

from privacy import processing

register = template.Library()


@register.filter
def field_labels(names) -> str:
    """Return the labels of `names` (a list of field names) joined by ", "."""
    if isinstance(names, str):
        names = [names]
    return ", ".join(processing.field_labels(list(names or [])))


@register.filter
def field_label(name) -> str:
    """Return the label of one field name."""
    return processing.field_label(str(name))
