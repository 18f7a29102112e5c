"""A Redis cache that keeps the portal up when Redis is down.

Django's Redis cache raises on every call while Redis is unreachable, and allauth's
rate limiter calls it on every login: a Redis outage would turn the login page into a
500. This backend falls back to a per-process memory cache instead (rate limits then
count per process, which is still a limit), logs one warning when the outage starts
and one line when Redis is back, and tries Redis again only every few seconds so a
page does not wait for a connect timeout on every cache call.

`clear()` deletes this cache's own keys only. Django's `RedisCache.clear()` is FLUSHDB:
with the Celery broker in the same Redis database (`REDIS_URL` serves both) it would
drop every queued task, and in a shared Redis everybody else's keys.
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
        return self._guarded(getattr(super(), name), getattr(self._fallback, name), *args, **kwargs)

    def _guarded(self, on_redis, on_fallback, *args, **kwargs):
        if self._outage and time.monotonic() < self._down_until:
            return on_fallback(*args, **kwargs)
        try:
            result = on_redis(*args, **kwargs)
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
            return on_fallback(*args, **kwargs)
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

    def clear(self) -> None:
        self._fallback.clear()
        self._guarded(self._clear_own_keys, lambda: None)

    def _clear_own_keys(self) -> None:
        """Delete the keys under this cache's prefix (every version), in batches."""
        client = self._cache.get_client(write=True)
        batch: list[bytes] = []
        for key in client.scan_iter(match=f"{_glob_escape(self.key_prefix)}:*", count=1000):
            batch.append(key)
            if len(batch) >= CLEAR_BATCH:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)


CLEAR_BATCH = 500


def _glob_escape(text: str) -> str:
    """`text` matched literally in a Redis SCAN pattern."""
    return "".join("\\" + char if char in "*?[]\\" else char for char in text)
