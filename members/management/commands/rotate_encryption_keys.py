"""`manage.py rotate_encryption_keys [--batch-size N]`: re-encrypt every national id and
bank account (and their copies in the change history), and every TOTP secret and
recovery-code seed, with the first key of FIELD_ENCRYPTION_KEYS, so older keys can be
removed afterwards.

Idempotent: values already under the first key are left alone, so a run that was
interrupted can simply be started again.
"""

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from members.crypto import is_current, rotate
from members.models import Member

ENCRYPTED_COLUMNS = ("national_id", "bank_account")


def tables() -> list[tuple[str, str]]:
    """(table, primary key column) of the register and its history."""
    history = Member.history.model._meta
    return [
        (Member._meta.db_table, Member._meta.pk.column),
        (history.db_table, history.pk.column),
    ]


def rotate_table(table: str, pk: str, *, batch_size: int) -> tuple[int, int]:
    """Re-encrypt one table in primary-key order; returns (rows seen, rows rewritten)."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in ENCRYPTED_COLUMNS)
    select = (
        f"SELECT {quote(pk)}, {columns} FROM {quote(table)} "  # noqa: S608 - names are ours
        f"WHERE {quote(pk)} > %s ORDER BY {quote(pk)} LIMIT %s"
    )
    assignments = ", ".join(f"{quote(c)} = %s" for c in ENCRYPTED_COLUMNS)
    update = f"UPDATE {quote(table)} SET {assignments} WHERE {quote(pk)} = %s"  # noqa: S608
    seen = rewritten = 0
    last = -1
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(select, [last, batch_size])
            rows = cursor.fetchall()
            if not rows:
                break
            changes = []
            for row_pk, *tokens in rows:
                fresh = [t if not t or is_current(t) else rotate(t) for t in tokens]
                if fresh != tokens:
                    changes.append([*fresh, row_pk])
            if changes:
                cursor.executemany(update, changes)
        seen += len(rows)
        rewritten += len(changes)
        last = rows[-1][0]
    return seen, rewritten


def rotate_authenticators() -> tuple[int, int]:
    """Re-encrypt the MFA secrets (TOTP secret, recovery-code seed and migrated codes);
    returns (authenticators seen, authenticators rewritten)."""
    from allauth.mfa.models import Authenticator

    seen = rewritten = 0
    queryset = Authenticator.objects.filter(
        type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
    )
    for authenticator in queryset.iterator():
        seen += 1
        data = authenticator.data
        changed = False
        for key in ("secret", "seed"):
            token = data.get(key)
            if isinstance(token, str) and token and not is_current(token):
                data[key] = rotate(token)
                changed = True
        codes = data.get("migrated_codes")
        if isinstance(codes, list) and not all(is_current(code) for code in codes):
            data["migrated_codes"] = [c if is_current(c) else rotate(c) for c in codes]
            changed = True
        if changed:
            authenticator.save(update_fields=["data"])
            rewritten += 1
    return seen, rewritten


class Command(BaseCommand):
    help = "Re-encrypt national ids and bank accounts with the first FIELD_ENCRYPTION_KEYS key."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, batch_size: int, **options):
        for table, pk in tables():
            seen, rewritten = rotate_table(table, pk, batch_size=batch_size)
            self.stdout.write(
                f"{table}: {seen} rows checked, {rewritten} re-encrypted, "
                f"{seen - rewritten} already under the first key."
            )
        seen, rewritten = rotate_authenticators()
        self.stdout.write(f"MFA authenticators: {seen} checked, {rewritten} re-encrypted.")
