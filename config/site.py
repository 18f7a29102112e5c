"""Absolute links for e-mails and files made outside a request (workers, jobs)."""

from django.conf import settings


def site_url(path: str) -> str:
    """`path` on the portal's public address (`SITE_URL`)."""
    return settings.SITE_URL.rstrip("/") + path
