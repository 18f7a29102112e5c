"""Who is asking: the client's address for rate limits."""

from allauth.core.internal.httpkit import get_client_ip


def client_ip(request) -> str:
    """The client's IP address, for rate limits: the one allauth's own limits use.
    Without TRUSTED_PROXY that is REMOTE_ADDR only (X-Forwarded-For is whatever the
    client sends, and a limit a client can reset is no limit); behind the trusted proxy
    (ALLAUTH_TRUSTED_PROXY_COUNT = 1) the address the proxy appended to
    X-Forwarded-For, so that all visitors are not counted as one."""
    if request is None:
        return "unknown"
    return get_client_ip(request) or "unknown"
