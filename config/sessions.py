"""The session store: Django's database sessions, with the read of every request
prepared once (config/prepared.py) instead of built by the ORM each time.

`SESSION_ENGINE = "config.sessions"`. Writing, creating and deleting sessions are
Django's own; only `load()` differs, and it returns the same data.
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from .prepared import PreparedQuery

_session_data = PreparedQuery(
    lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now).values_list(
        "session_data", flat=True
    )
)


class SessionStore(db.SessionStore):
    def load(self):
        found = _session_data(self.session_key, timezone.now()) if self.session_key else []
        if not found:
            # As Django's store does: an unknown or expired key is dropped, so the next
            # save creates a new session instead of reviving the old key.
            self._session_key = None
            return {}
        return self.decode(found[0])
