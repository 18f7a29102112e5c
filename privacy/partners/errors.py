"""The one error every partner call raises, shared by the adapters and their HTTP
client (which sits below the adapters and must not import them)."""

from __future__ import annotations


class PartnerError(Exception):
    """Delivery failed. `permanent=True` means retrying the same request cannot help
    (the partner rejected it); otherwise the outbox tries again later."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
