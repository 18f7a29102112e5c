"""Shared fixtures: the named users of STYLE.md and service checks for CI."""

import os
from importlib import import_module

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


# The data migrations whose rows the register cannot work without: the privacy notice,
# cookies and info pages, the recipients, the access rules of union positions.
DATA_MIGRATIONS = (
    ("privacy.migrations.0002_notice_and_cookies", "create_defaults"),
    ("privacy.migrations.0003_recipients", "create_recipients"),
    ("members.migrations.0010_joining", "add_rules"),
)


def restore_migration_data() -> None:
    """Run the data migrations' forward steps again (each is idempotent)."""
    from django.apps import apps
    from django.db import connection

    with connection.schema_editor(atomic=False) as schema_editor:
        for module, function in DATA_MIGRATIONS:
            getattr(import_module(module), function)(apps, schema_editor)


@pytest.fixture
def migration_data(transactional_db):
    """Use this instead of `serialized_rollback` (the suite uses none). A transactional
    test starts from whatever the previous one left: every transactional test ends with
    a flush that empties every table, migration data included. `serialized_rollback`
    was meant to bring it back, but it cannot follow a transactional test without it (in
    the full run: the browser tests): that test's flush re-creates the content types
    under new ids, and loading the saved ones then fails on their unique key. So these
    tests write the data they need themselves."""
    restore_migration_data()


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
def _fresh_statistics_cache():
    """Each test starts without cached statistics (a new generation of the key, so the
    shared Redis is not flushed)."""
    from members.stats.cache import invalidate

    invalidate()


@pytest.fixture(autouse=True)
def _norwegian_by_default():
    """Each test starts in bokmål, as every request does: a test that switches to English
    (or a request handled in English) must not leak its language into the next test."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


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


TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # the secret of every factory authenticator


def totp_now() -> str:
    """The current TOTP code of the test users' authenticator."""
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    return format_hotp_value(hotp_value(TEST_TOTP_SECRET, next(yield_hotp_counters_from_time())))


def mark_mfa_authenticated(client, user, *, second_factor: bool | None = None) -> None:
    """Record in the session what allauth records after a password + TOTP login, as a
    real login of this user would (the second factor only if the user has one)."""
    import time

    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from allauth.mfa.models import Authenticator

    if second_factor is None:
        second_factor = Authenticator.objects.filter(user=user).exists()
    # A login an hour ago: enough for every page, not fresh enough for a reveal.
    logged_in_at = time.time() - 3600
    records = [{"method": "password", "at": logged_in_at, "email": user.email}]
    if second_factor:
        records.append({"method": "mfa", "at": logged_in_at, "type": "totp"})
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()


@pytest.fixture
def client_for(client):
    """Return a function that logs `user` in on the test client and returns it."""

    def login(user):
        client.force_login(user, backend="config.auth_backends.ModelBackend")
        mark_mfa_authenticated(client, user)
        return client

    return login
