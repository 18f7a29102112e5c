"""Partner adapters, one module per recipient, all on `privacy.partners.base`."""

from __future__ import annotations

from .base import MemberResourceAdapter, PartnerAdapter, PartnerError
from .enalyzer import EnalyzerAdapter
from .lo import LOAdapter
from .lofavor import LOfavorAdapter
from .lomedia import LOMediaAdapter
from .mailchimp import MailchimpAdapter
from .sparebank1 import SpareBank1Adapter
from .training import TrainingAdapter

ADAPTERS: dict[str, type[PartnerAdapter]] = {
    adapter.slug: adapter
    for adapter in (
        SpareBank1Adapter,
        LOfavorAdapter,
        LOAdapter,
        MailchimpAdapter,
        LOMediaAdapter,
        EnalyzerAdapter,
        TrainingAdapter,
    )
}


def get_adapter(slug: str) -> PartnerAdapter:
    """Return the adapter for a recipient; one without a module of its own gets the
    plain member resource with our field names."""
    adapter = ADAPTERS.get(slug)
    return adapter() if adapter is not None else MemberResourceAdapter(slug=slug)


__all__ = ["ADAPTERS", "PartnerAdapter", "PartnerError", "get_adapter"]
