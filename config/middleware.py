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
