"""`manage.py rotate_encryption_keys [--batch-size N]`: re-encrypt every national id and
bank account (and their copies in the change history) with the first key of
FIELD_ENCRYPTION_KEYS, so older keys can be removed afterwards.

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
