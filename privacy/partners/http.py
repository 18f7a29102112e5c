"""A small JSON-over-HTTP client for partner adapters (standard library only).

It knows nothing about members or fields: adapters map, this module transports. Errors
carry the status and the method, never a request or response body (bodies hold
personal data, and error messages end up in logs and admin).
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .errors import PartnerError

# Client errors that a later retry can still fix.
RETRYABLE_CLIENT_STATUSES = frozenset({408, 409, 423, 425, 429})


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


def request(
    method: str,
    url: str,
    *,
    json_body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> Response:
    """Send one request; returns the response for every HTTP status. Raises
    `PartnerError` (temporary) when the partner cannot be reached at all."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise PartnerError(f"Partner URL must be http(s), not {parts.scheme or 'empty'}.")
    data = None
    all_headers = {"Accept": "application/json", "User-Agent": "Medlemsportal/1"}
    if json_body is not None:
        data = json.dumps(json_body, ensure_ascii=False).encode()
        all_headers["Content-Type"] = "application/json; charset=utf-8"
    all_headers.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=all_headers)  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - scheme checked
            return Response(resp.status, resp.read())
    except urllib.error.HTTPError as error:
        with error:
            return Response(error.code, error.read())
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        reason = getattr(error, "reason", None) or error.__class__.__name__
        raise PartnerError(f"{method} {parts.netloc}: {reason}") from None
