import pytest
from django.db import connection
from django.db.utils import OperationalError


@pytest.mark.django_db
def test_healthz_reports_database_ok_without_login(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["database"], body["cache"]) == ("ok", "absent")
    assert body["outbox"]["oldest_pending_seconds"] is None


@pytest.mark.django_db
def test_healthz_returns_503_when_the_database_is_unreachable(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error"


@pytest.mark.django_db
def test_healthz_checks_the_cache_when_redis_is_configured(client, settings, needs_redis):
    settings.REDIS_URL = needs_redis
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": needs_redis,
        }
    }
    response = client.get("/healthz")
    body = response.json()
    assert (body["database"], body["cache"]) == ("ok", "ok")


@pytest.mark.django_db
def test_home_page_is_public_and_norwegian(client):
    response = client.get("/")
    assert response.status_code == 200
    assert 'lang="nb"' in response.content.decode()
    assert "Logg inn" in response.content.decode()


@pytest.mark.django_db
def test_pages_are_login_required_by_default(client):
    response = client.get("/min-side/")
    assert response.status_code in (302, 404)


@pytest.mark.django_db
def test_csp_header_has_no_unsafe_inline(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "default-src 'self'" in policy


@pytest.mark.django_db
def test_an_english_browser_still_gets_norwegian_until_english_is_chosen(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="nb"' in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert 'lang="en"' in client.get("/", HTTP_ACCEPT_LANGUAGE="nb").content.decode()
