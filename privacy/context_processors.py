from django.conf import settings


def consent(request):
    """Expose the visitor's cookie choice (None until they choose) and GTM_ID."""
    from .consent import read_consent

    return {"cookie_consent": read_consent(request), "GTM_ID": settings.GTM_ID}
