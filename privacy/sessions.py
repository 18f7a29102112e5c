"""Login sessions are personal data too: a session holds how its user logged in (with
the e-mail address of a password login), and allauth's record of it (`UserSession`)
the IP address and browser. They go when the session ends, and with the person.

- `clear_expired_sessions()`: the daily job. Django keeps expired sessions until
  something clears them (`clearsessions`); the records of sessions that are gone
  (expired, logged out, ended on the account page) go with them.
- `end_sessions_of(user_ids)`: erasure ends every session of the logins it removes.
"""

from __future__ import annotations

from importlib import import_module

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def clear_expired_sessions() -> dict[str, int]:
    """Delete expired sessions and the login records of sessions that no longer exist.
    Returns how many of each went."""
    store = _store()
    sessions_before = Session.objects.count() if issubclass(store, DatabaseSessionStore) else 0
    store.clear_expired()
    if issubclass(store, DatabaseSessionStore):
        sessions = sessions_before - Session.objects.count()
        gone = UserSession.objects.exclude(session_key__in=Session.objects.values("session_key"))
        records, _ = gone.delete()
    else:  # sessions kept elsewhere (cache, signed cookies): ask the store about each
        sessions = 0
        stale = [
            record.pk
            for record in UserSession.objects.only("pk", "session_key").iterator()
            if not store().exists(record.session_key)
        ]
        records, _ = UserSession.objects.filter(pk__in=stale).delete()
    return {"sessions": sessions, "login_records": records}


def end_sessions_of(user_ids: list[int]) -> dict[int, int]:
    """End every session of these logins (logged in anywhere, or expired but not yet
    cleared) and delete allauth's records of them. Returns sessions ended per user."""
    ended: dict[int, int] = {}
    records = UserSession.objects.filter(user_id__in=user_ids)
    store = _store()
    for user_id, session_key in records.values_list("user_id", "session_key"):
        store(session_key).delete()
        ended[user_id] = ended.get(user_id, 0) + 1
    records.delete()
    return ended
