"""The dues area's settings, each with its default: read from Django settings so an
installation can change them without code (config/settings.py may set them from the
environment)."""

from __future__ import annotations

from django.conf import settings


def _get(name: str, default):
    return getattr(settings, name, default)


def strike_off_months() -> int:
    """Months without payment before a reminder is sent (and strike-off considered)."""
    return int(_get("DUES_STRIKE_OFF_MONTHS", 3))


def notice_days() -> int:
    """Days between the reminder and the member appearing on the strike-off review."""
    return int(_get("DUES_STRIKE_OFF_NOTICE_DAYS", 30))


def arrears_window_months() -> int:
    """How many complete months back arrears are counted."""
    return int(_get("DUES_ARREARS_WINDOW_MONTHS", 12))


def missing_months_before_invoice() -> int:
    """Consecutive months missing from an employer's list before staff are told to
    switch the member to invoice."""
    return int(_get("DUES_MISSING_MONTHS_BEFORE_INVOICE", 3))


def avtalegiro_due_day() -> int:
    return int(_get("DUES_AVTALEGIRO_DUE_DAY", 20))


def union_org_number() -> str:
    return str(_get("UNION_ORG_NUMBER", "974760673"))


def union_name() -> str:
    return str(_get("UNION_NAME", "Industri Energi"))


def nets_ids() -> dict[str, str]:
    """Our Nets customer id, Nets' id, the bank account claims are paid into."""
    return {
        "data_transmitter": str(_get("NETS_CUSTOMER_ID", "00010200")),
        "data_recipient": "00008080",
        "account": str(_get("NETS_ACCOUNT", "99991042764")),
    }


def invoice_period_months() -> int:
    """Months one invoice covers: 3 (quarterly) by default; 1, 6 or 12 also work."""
    months = int(_get("DUES_INVOICE_PERIOD_MONTHS", 3))
    return months if months in (1, 3, 6, 12) else 3


def invoice_due_day() -> int:
    """Invoices fall due on this day of the period's first month (at the earliest
    `invoice_min_days` after they are made)."""
    return int(_get("DUES_INVOICE_DUE_DAY", 20))


def invoice_min_days() -> int:
    return int(_get("DUES_INVOICE_MIN_DAYS", 14))


def invoice_batch_size() -> int:
    """E-mails per batch of the sending task (each batch is its own transactions)."""
    return int(_get("DUES_INVOICE_BATCH_SIZE", 200))


def invoice_max_attempts() -> int:
    return int(_get("DUES_INVOICE_MAX_ATTEMPTS", 5))
