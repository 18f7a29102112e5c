"""Encrypt the TOTP secrets and recovery-code seeds that were stored in plain text
before the MFA adapter encrypted them (clubs.auth.MFAAdapter)."""

from django.db import migrations

FERNET_PREFIX = "gAAAAA"


def _encrypt_data(data: dict) -> bool:
    from members.crypto import encrypt

    changed = False
    for key in ("secret", "seed"):
        value = data.get(key)
        if isinstance(value, str) and value and not value.startswith(FERNET_PREFIX):
            data[key] = encrypt(value)
            changed = True
    codes = data.get("migrated_codes")
    if isinstance(codes, list):
        fresh = [c if c.startswith(FERNET_PREFIX) else encrypt(c) for c in codes]
        if fresh != codes:
            data["migrated_codes"] = fresh
            changed = True
    return changed


def encrypt_secrets(apps, schema_editor):
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(type__in=["totp", "recovery_codes"]):
        if _encrypt_data(authenticator.data):
            authenticator.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("clubs", "0003_member_search_indexes"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_secrets, migrations.RunPython.noop)]
