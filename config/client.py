"""Who is asking: the client's address for rate limits."""


def client_ip(request) -> str:
    """The client's IP address, for rate limits. REMOTE_ADDR only: X-Forwarded-For is
    whatever the client sends unless a proxy rewrites it, and a limit a client can reset
    is no limit (behind a trusted proxy, let the proxy set REMOTE_ADDR)."""
    if request is None:
        return "unknown"
    return request.META.get("REMOTE_ADDR") or "unknown"
