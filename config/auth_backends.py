"""Authentication backends: Django's and allauth's, with the user read of every
request prepared once (config/prepared.py) instead of built by the ORM each time.

Logging in is unchanged (`authenticate` is theirs); `get_user`, which runs on every
request of a logged-in session, returns the same user and refuses an inactive one as
`ModelBackend.get_user` does.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import backends, get_user_model

from .prepared import PreparedQuery

_user_by_pk = PreparedQuery(lambda pk: get_user_model()._default_manager.filter(pk=pk))


class PreparedUserMixin:
    def get_user(self, user_id):
        if type(user_id) is not int:
            # Not the session's integer id (Django converts it first): Django's own path.
            return super().get_user(user_id)
        found = _user_by_pk(user_id)
        if not found:
            return None
        user = found[0]
        return user if self.user_can_authenticate(user) else None


class ModelBackend(PreparedUserMixin, backends.ModelBackend):
    """Django's backend (logins in tests and by BankID), with the prepared user read."""


class AuthenticationBackend(PreparedUserMixin, AllauthBackend):
    """allauth's backend (the login form), with the prepared user read."""
