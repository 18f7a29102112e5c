"""Login sessions are personal data: they go when they expire (the daily job) and with
the person (erasure), allauth's records of them (IP address, browser) included."""

import datetime as dt

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from config.celery import app
from privacy import erasure, sessions
from privacy.tasks import clear_expired_sessions
from tests.factories import UserFactory
from tests.privacy.test_erasure import TODAY, rich_member  # noqa: F401

pytestmark = pytest.mark.django_db


def log_in(user, *, expires_in=dt.timedelta(hours=8), ip="192.0.2.7"):
    """A session as a password login leaves it (allauth's authentication record holds
    the e-mail address), and allauth's record of that session."""
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["account_authentication_methods"] = [{"method": "password", "at": 0, "email": user.email}]
    store.set_expiry(timezone.now() + expires_in)
    store.create()
    UserSession.objects.create(
        user=user, session_key=store.session_key, ip=ip, user_agent="Firefox/140"
    )
    return store.session_key


def session_texts():
    return [
        SessionStore().decode(data)
        for data in Session.objects.values_list("session_data", flat=True)
    ]


def test_erasure_ends_every_session_of_the_erased_login(rich_member):  # noqa: F811
    member = rich_member
    other = UserFactory(email="kollega@example.org")
    mine = [log_in(member.user), log_in(member.user, ip="198.51.100.3")]
    theirs = log_in(other)
    assert any(member.email in str(text) for text in session_texts())

    [record] = erasure.purge_expired_members(TODAY)

    assert not Session.objects.filter(session_key__in=mine).exists()
    assert not UserSession.objects.filter(session_key__in=mine).exists()
    assert not any(member.email in str(text) for text in session_texts())
    assert Session.objects.filter(session_key=theirs).exists()
    assert UserSession.objects.filter(user=other).count() == 1
    assert record.counts["sessions.session"] == 2


def test_the_daily_job_deletes_expired_sessions_and_the_records_of_ended_ones():
    user = UserFactory()
    live = log_in(user)
    expired = log_in(user, expires_in=dt.timedelta(seconds=-1))
    logged_out = log_in(user)
    SessionStore(session_key=logged_out).delete()  # logout deletes the session only

    counts = sessions.clear_expired_sessions()

    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [live]
    assert not UserSession.objects.filter(session_key__in=[expired, logged_out]).exists()
    assert counts == {"sessions": 1, "login_records": 2}


def test_the_job_runs_every_night_as_a_task():
    user = UserFactory()
    log_in(user, expires_in=dt.timedelta(seconds=-1))

    assert clear_expired_sessions.apply().get() == {"sessions": 1, "login_records": 1}
    entry = app.conf.beat_schedule["clear-expired-sessions"]
    assert entry["task"] == "privacy.clear_expired_sessions"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {5})
