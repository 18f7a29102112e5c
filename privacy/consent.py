"""The cookie choice: a signed first-party cookie holding the consent id, the granted
categories and the notice version. Anything tampered, malformed or for an older notice
version counts as no choice at all."""

from dataclasses import dataclass

from django.core import signing

COOKIE_NAME = "medlem_samtykke"
COOKIE_MAX_AGE = 60 * 60 * 24 * 180
_SALT = "privacy.consent"


@dataclass(frozen=True)
class Consent:
    consent_id: str
    statistics: bool
    marketing: bool
    version: int

    @property
    def any_granted(self) -> bool:
        return self.statistics or self.marketing


def current_notice():
    """Return the notice in force today: the newest published version whose date has
    come, or None."""
    from django.utils import timezone

    from .models import PrivacyNotice

    return (
        PrivacyNotice.objects.filter(published=True, effective_from__lte=timezone.localdate())
        .order_by("-version")
        .first()
    )


def current_notice_version() -> int:
    """The version a choice must have been made under; 1 before any notice exists."""
    from django.utils import timezone

    from .models import PrivacyNotice

    notice = (
        PrivacyNotice.objects.filter(published=True, effective_from__lte=timezone.localdate())
        .order_by("-version")
        .values("version")
        .first()
    )
    return notice["version"] if notice else 1


def encode(consent: Consent) -> str:
    return signing.dumps(
        {
            "id": consent.consent_id,
            "s": consent.statistics,
            "m": consent.marketing,
            "v": consent.version,
        },
        salt=_SALT,
        compress=True,
    )


def decode(value: str | None) -> Consent | None:
    if not value:
        return None
    try:
        data = signing.loads(value, salt=_SALT, max_age=COOKIE_MAX_AGE)
        consent = Consent(
            consent_id=str(data["id"]),
            statistics=data["s"] is True,
            marketing=data["m"] is True,
            version=int(data["v"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return consent


def read_consent(request) -> Consent | None:
    """Return the visitor's valid choice for the current notice version, or None."""
    cached = getattr(request, "_cookie_consent", False)
    if cached is not False:
        return cached
    consent = decode(request.COOKIES.get(COOKIE_NAME))
    if consent is not None and consent.version != current_notice_version():
        consent = None
    request._cookie_consent = consent
    return consent
