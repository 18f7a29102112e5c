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
from django.utils import timezone


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def clear_expired_sessions() -> dict[str, int]:
    """Delete expired sessions and the login records of sessions that no longer exist.
    Returns how many of each went."""
    store = _store()
    if issubclass(store, DatabaseSessionStore):
        # What the store's clear_expired() does, with the count it does not return.
        model = store.get_model_class()
        sessions, _ = model.objects.filter(expire_date__lt=timezone.now()).delete()
        gone = UserSession.objects.exclude(session_key__in=model.objects.values("session_key"))
        records, _ = gone.delete()
        return {"sessions": sessions, "login_records": records}
    # Sessions kept elsewhere (cache, signed cookies): ask the store about each.
    store.clear_expired()
    stale = [
        record.pk
        for record in UserSession.objects.only("pk", "session_key").iterator()
        if not store().exists(record.session_key)
    ]
    records, _ = UserSession.objects.filter(pk__in=stale).delete()
    return {"sessions": 0, "login_records": records}


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
