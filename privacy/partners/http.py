"""A small JSON-over-HTTP client for partner adapters, on one pooled httpx client.

It knows nothing about members or fields: adapters map, this module transports. Errors
carry the status and the method, never a request or response body (bodies hold
personal data, and error messages end up in logs and admin).

Every call has a *total* deadline. httpx's timeouts (like urllib's) bound each socket
operation, so a partner that trickles its answer a byte every few seconds would hold a
worker for as long as it likes; here every connect, read and write is given only what is
left of the call's deadline, and the call fails when nothing is left.

The client keeps connections alive between calls (one pool per process, rebuilt after a
fork: Celery's prefork children must not share their parent's sockets).
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from .errors import PartnerError

# Client errors that a later retry can still fix.
RETRYABLE_CLIENT_STATUSES = frozenset({408, 409, 423, 425, 429})
# Keep-alive connections per process; a worker talks to a handful of partners.
POOL_CONNECTIONS = 20


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def is_permanent_failure(self) -> bool:
        """4xx (except the retryable ones) means the partner rejected the request."""
        return 400 <= self.status < 500 and self.status not in RETRYABLE_CLIENT_STATUSES

    def json(self) -> Any:
        return json.loads(self.body or b"null")


# --- The deadline ----------------------------------------------------------------------

_deadline = threading.local()


def _remaining(timeout: float | None) -> float | None:
    """The socket timeout to use now: the operation's own, cut to what is left of the
    call's deadline. Raises a timeout once the deadline has passed."""
    until = getattr(_deadline, "until", None)
    if until is None:
        return timeout
    left = until - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("deadline exceeded")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _remaining(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _remaining(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        stream = self._stream.start_tls(ssl_context, server_hostname, _remaining(timeout))
        return _DeadlineStream(stream)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.SyncBackend):
    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        stream = super().connect_tcp(
            host,
            port,
            _remaining(timeout),
            local_address=local_address,
            socket_options=socket_options,
        )
        return _DeadlineStream(stream)


class _DeadlineTransport(httpx.HTTPTransport):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # httpx does not take a network backend; its connection pool does.
        self._pool._network_backend = _DeadlineBackend()


# --- The pooled client -----------------------------------------------------------------

_client_lock = threading.Lock()
_client: httpx.Client | None = None
_client_pid = 0


def client() -> httpx.Client:
    """The process's pooled client (a new one in a forked child)."""
    global _client, _client_pid
    with _client_lock:
        if _client is None or _client_pid != os.getpid():
            limits = httpx.Limits(
                max_connections=POOL_CONNECTIONS, max_keepalive_connections=POOL_CONNECTIONS
            )
            _client = httpx.Client(
                transport=_DeadlineTransport(limits=limits, retries=0),
                headers={"Accept": "application/json", "User-Agent": "Medlemsportal/1"},
                follow_redirects=False,
                trust_env=False,
            )
            _client_pid = os.getpid()
        return _client


def close_client() -> None:
    """Close the pooled connections (tests, shutdown)."""
    global _client
    with _client_lock:
        if _client is not None and _client_pid == os.getpid():
            _client.close()
        _client = None


def request(
    method: str,
    url: str,
    *,
    json_body: dict[str, Any] | list[Any] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
    deadline: float | None = None,
) -> Response:
    """Send one request; returns the response for every HTTP status. Raises
    `PartnerError` (temporary) when the partner cannot be reached, or does not answer
    in full within `deadline` seconds (default: `timeout`), counted from the call."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise PartnerError(f"Partner URL must be http(s), not {parts.scheme or 'empty'}.")
    total = timeout if deadline is None else deadline
    content = None
    all_headers = dict(headers or {})
    if json_body is not None:
        content = json.dumps(json_body, ensure_ascii=False).encode()
        all_headers["Content-Type"] = "application/json; charset=utf-8"
    started = time.monotonic()
    _deadline.until = started + total
    try:
        response = client().request(
            method,
            url,
            content=content,
            headers=all_headers,
            timeout=httpx.Timeout(timeout, pool=total),
        )
        return Response(response.status_code, response.content)
    except httpx.TimeoutException:
        elapsed = time.monotonic() - started
        raise PartnerError(f"{method} {parts.netloc}: no answer within {elapsed:.1f} s") from None
    except (httpx.HTTPError, OSError) as error:
        raise PartnerError(f"{method} {parts.netloc}: {error.__class__.__name__}") from None
    finally:
        _deadline.until = None
