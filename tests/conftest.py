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
def _closed_partner_circuits():
    """Each test starts with every partner's circuit closed (the breaker is per process)."""
    from privacy.delivery import breaker

    breaker.reset()
    yield
    breaker.reset()


@pytest.fixture(autouse=True)
def _media_and_mail(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"


# The named users of STYLE.md. Officers and staff have MFA set up, as the middleware
# demands; `member` is an ordinary member with a login and no grants.
@pytest.fixture
def branch(db):
    from tests.factories import BranchFactory

    return BranchFactory(number=1, name="Avdeling Vest")


@pytest.fixture
def club(branch):
    from tests.factories import ClubFactory

    return ClubFactory(name="Klubb Raffineriet", branch=branch)


@pytest.fixture
def other_club(db):
    from tests.factories import ClubFactory

    return ClubFactory(name="Klubb Verftet")


@pytest.fixture
def member(club):
    """A user who is a member of `club` (the Member is `member.member`)."""
    from tests.factories import MemberFactory, UserFactory

    user = UserFactory(email="medlem@example.org")
    MemberFactory(club=club, user=user, email="medlem@example.org")
    return user


@pytest.fixture
def club_officer(club):
    from clubs.models import AccessLevel
    from tests.factories import AccessGrantFactory, UserFactory

    user = UserFactory(email="klubb@example.org", mfa=True)
    AccessGrantFactory(user=user, level=AccessLevel.CLUB, club=club)
    return user


@pytest.fixture
def other_club_officer(other_club):
    from clubs.models import AccessLevel
    from tests.factories import AccessGrantFactory, UserFactory

    user = UserFactory(email="annenklubb@example.org", mfa=True)
    AccessGrantFactory(user=user, level=AccessLevel.CLUB, club=other_club)
    return user


@pytest.fixture
def branch_officer(branch):
    from clubs.models import AccessLevel
    from tests.factories import AccessGrantFactory, UserFactory

    user = UserFactory(email="avdeling@example.org", mfa=True)
    AccessGrantFactory(user=user, level=AccessLevel.BRANCH, branch=branch, club=None)
    return user


@pytest.fixture
def central_staff(db):
    from clubs.models import AccessLevel
    from tests.factories import AccessGrantFactory, UserFactory

    user = UserFactory(email="sentral@example.org", mfa=True)
    AccessGrantFactory(user=user, level=AccessLevel.CENTRAL, club=None, branch=None)
    return user


@pytest.fixture
def admin_user(db):
    from tests.factories import UserFactory

    user = UserFactory(email="admin@example.org", mfa=True, is_staff=True, is_superuser=True)
    return user


@pytest.fixture
def client_for(client):
    """Return a function that logs `user` in on the test client and returns it."""

    def login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login
