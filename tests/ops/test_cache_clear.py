"""Clearing the cache deletes the cache's own keys, never the rest of the Redis
database: the Celery broker lives in the same database (`REDIS_URL` serves both), and
Django's own `RedisCache.clear()` is FLUSHDB, which would drop every queued task."""

import uuid

import pytest
import redis

from config.cache import FailSafeRedisCache


@pytest.fixture
def redis_url(needs_redis):
    return needs_redis


def cache_with_prefix(url: str, prefix: str) -> FailSafeRedisCache:
    return FailSafeRedisCache(url, {"KEY_PREFIX": prefix, "TIMEOUT": 60})


def test_clear_deletes_its_own_keys_and_leaves_the_broker_queue_and_other_caches(redis_url):
    run = uuid.uuid4().hex
    ours = cache_with_prefix(redis_url, f"clear-test-{run}")
    theirs = cache_with_prefix(redis_url, f"clear-test-other-{run}")
    server = redis.Redis.from_url(redis_url)
    queue = f"celery-clear-test-{run}"  # stands in for the broker's `celery` list
    try:
        server.rpush(queue, "a queued task")
        for n in range(1200):  # more than one batch of deletes
            ours.set(f"key-{n}", n)
        ours.set("old-version", 1, version=7)
        theirs.set("key-1", "kept")

        ours.clear()

        assert ours.get("key-1") is None and ours.get("old-version", version=7) is None
        assert not list(server.scan_iter(match=f"clear-test-{run}:*"))
        assert server.lrange(queue, 0, -1) == [b"a queued task"]
        assert theirs.get("key-1") == "kept"
    finally:
        server.delete(queue)
        theirs.clear()


def test_a_prefix_with_pattern_characters_matches_only_itself(redis_url):
    run = uuid.uuid4().hex
    star = cache_with_prefix(redis_url, f"clear-[test]*-{run}")
    plain = cache_with_prefix(redis_url, f"clear-t-{run}")
    try:
        star.set("a", 1)
        plain.set("a", 2)

        star.clear()

        assert star.get("a") is None
        assert plain.get("a") == 2
    finally:
        plain.clear()


def test_clear_while_redis_is_down_empties_the_fallback_without_raising():
    down = cache_with_prefix("redis://127.0.0.1:1/0", "clear-test-down")
    down.set("a", 1)  # goes to the per-process fallback
    assert down.get("a") == 1

    down.clear()

    assert down.get("a") is None
