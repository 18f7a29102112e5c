"""A Redis cache that keeps the portal up when Redis is down.

Django's Redis cache raises on every call while Redis is unreachable, and allauth's
rate limiter calls it on every login: a Redis outage would turn the login page into a
500. This backend falls back to a per-process memory cache instead (rate limits then
count per process, which is still a limit), logs one warning when the outage starts
and one line when Redis is back, and tries Redis again only every few seconds so a
page does not wait for a connect timeout on every cache call.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

# Seconds between attempts to reach Redis again during an outage.
RETRY_SECONDS = 5.0
# Socket timeouts (seconds) unless OPTIONS says otherwise: a dead Redis answers fast.
DEFAULT_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.RedisError, OSError)


class FailSafeRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        params["OPTIONS"] = {**DEFAULT_TIMEOUTS, **(params.get("OPTIONS") or {})}
        super().__init__(server, params)
        fallback = {k: v for k, v in params.items() if k in ("TIMEOUT", "KEY_PREFIX", "VERSION")}
        self._fallback = LocMemCache(f"failsafe-{id(self)}", fallback)
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._outage = False

    @property
    def outage(self) -> bool:
        """Whether the last attempt to reach Redis failed."""
        return self._outage

    def _call(self, name: str, *args, **kwargs):
        if self._outage and time.monotonic() < self._down_until:
            return getattr(self._fallback, name)(*args, **kwargs)
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except _redis_errors() as error:
            with self._lock:
                first = not self._outage
                self._outage = True
                self._down_until = time.monotonic() + RETRY_SECONDS
            if first:
                logger.warning(
                    "Redis cache unreachable (%s); using per-process memory until it is back.",
                    error.__class__.__name__,
                )
            return getattr(self._fallback, name)(*args, **kwargs)
        if self._outage:
            with self._lock:
                was_down, self._outage = self._outage, False
            if was_down:
                logger.warning("Redis cache reachable again.")
        return result

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self, *args, **kwargs):
        return self._call("clear", *args, **kwargs)
