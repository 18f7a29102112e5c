class NorwegianByDefaultMiddleware:
    """Serve bokmål unless the visitor chose English with the language switch.

    Browsers in Norway often send `Accept-Language: en`; the portal is Norwegian first,
    so only the explicit choice (the language cookie) changes the language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


# Nothing here uses the camera, microphone, location or payment APIs: say so, so an
# injected script could not ask for them either.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)


class SecurityHeadersMiddleware:
    """Headers Django does not set itself.

    - `Permissions-Policy` on every response.
    - `Cache-Control: no-store` on every page for a logged-in user: rosters, member
      cards, statistics, CSVs and account pages hold personal data that must not stay
      in a shared browser's or proxy's cache. Public pages keep their own caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
            response.headers.pop("Expires", None)
        return response
