"""Redis down: logging in and pages keep working (allauth's rate limiter falls back to
per-process memory), with one warning per outage and a note when Redis is back.

The test starts its own redis-server on a free port and stops it; the shared Redis is
never touched. Skipped locally without redis-server, a failure in CI."""

import logging
import shutil
import socket
import subprocess
import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.conftest import require
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    def __init__(self, tmp_path):
        self.port = free_port()
        self.dir = tmp_path
        self.process = None

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 - the system's redis-server
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def private_redis(settings, tmp_path):
    require(shutil.which("redis-server") is not None, "redis-server")
    server = PrivateRedis(tmp_path)
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.FailSafeRedisCache",
            "LOCATION": f"redis://127.0.0.1:{server.port}/0",
            "KEY_PREFIX": "redis-down-test",
        }
    }
    yield server
    server.stop()


def log_in(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


def test_logging_in_works_with_redis_down_and_warns_once(client, member, private_redis, caplog):
    assert log_in(client, member).status_code == 302
    assert not cache.outage

    private_redis.stop()
    client.logout()
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        started = time.monotonic()
        response = log_in(client, member)
        for _ in range(3):
            assert client.get(reverse("minside:index")).status_code == 200

    assert response.status_code == 302
    assert time.monotonic() - started < 5
    assert cache.outage
    warnings = [r for r in caplog.records if r.name == "config.cache"]
    assert len(warnings) == 1
    assert "unreachable" in warnings[0].getMessage()
    assert not any(r.exc_info for r in caplog.records)


def test_rate_limits_still_count_while_redis_is_down(client, member, private_redis, settings):
    private_redis.stop()
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/ip,3/5m/key"}
    for _ in range(3):
        client.post(reverse("account_login"), {"login": member.email, "password": "feil-passord"})

    response = log_in(client, member)

    assert response.status_code != 500
    assert response.status_code != 302  # still limited, per process


def test_the_cache_goes_back_to_redis_when_it_is_back(member, private_redis, caplog, monkeypatch):
    from config import cache as failsafe

    monkeypatch.setattr(failsafe, "RETRY_SECONDS", 0.0)
    private_redis.stop()
    cache.set("k", "memory")
    assert cache.outage

    private_redis.start()
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        cache.set("k", "redis")

    assert not cache.outage
    assert cache.get("k") == "redis"
    assert any("reachable again" in r.getMessage() for r in caplog.records)


def test_the_health_check_says_the_cache_is_down(client, private_redis, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{private_redis.port}/0"
    private_redis.stop()

    body = client.get("/healthz").json()

    assert body["cache"] == "error"
    assert body["database"] == "ok"
