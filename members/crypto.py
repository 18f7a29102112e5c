"""Encryption at rest for national ids and bank accounts, and the keyed lookup hash.

`FIELD_ENCRYPTION_KEYS` is a list of Fernet keys: the first encrypts, all decrypt, so a
new key can be put first and `manage.py rotate_encryption_keys` re-encrypts the rows.
"""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
from django.db import models


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.FIELD_ENCRYPTION_KEYS])


def _reset(*, setting: str, **kwargs) -> None:
    if setting == "FIELD_ENCRYPTION_KEYS":
        _fernet.cache_clear()


setting_changed.connect(_reset)


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        # Never echo the token: it would end up in logs and error pages.
        raise ValueError("Encrypted field could not be decrypted with any known key.") from None


def rotate(token: str) -> str:
    """Return the token re-encrypted with the primary key."""
    return _fernet().rotate(token.encode()).decode()


def is_current(token: str) -> bool:
    """Return True if the token is encrypted with the primary (first) key."""
    try:
        Fernet(settings.FIELD_ENCRYPTION_KEYS[0].encode()).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def keyed_hash(value: str) -> str:
    """Return the HMAC-SHA256 of a normalized value, for exact lookups."""
    key = settings.FIELD_HASH_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; decrypted when loaded. Cannot be filtered on."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise TypeError("Encrypted fields cannot be searched; use the keyed hash.")
        return super().get_lookup(lookup_name)
