"""Shared fixtures: the named users of STYLE.md and service checks for CI."""

import os

import pytest
from django.db import connection

IN_CI = os.environ.get("CI") == "true"


def require(condition: bool, what: str) -> None:
    """Skip locally when a service is missing, but fail in CI: a skipped check there
    would hide that the service never ran."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available.")
    pytest.skip(f"{what} is not available.")


@pytest.fixture
def needs_postgres():
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


@pytest.fixture
def needs_redis(settings):
    url = os.environ.get("REDIS_URL", "")
    ok = False
    if url:
        import redis

        try:
            ok = bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
        except redis.RedisError:
            ok = False
    require(ok, "Redis (REDIS_URL)")
    return url


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run in-process in tests unless a test starts a real worker."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _media_and_mail(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
