"""Case folding for name search on both databases.

PostgreSQL's UPPER/LOWER fold every letter (Æ/æ, Ø/ø, Å/å), so `istartswith` works
there. SQLite's LIKE and LOWER fold ASCII only: "øyvind" would not find "Øyvind". On
SQLite every connection gets a deterministic `MP_FOLD` function (Python's casefold)
and the search compares `Fold(field)` with the folded query instead.
"""

from django.db import models


def fold(text: str) -> str:
    """Return `text` folded for comparison ("RØNNING" → "rønning")."""
    return (text or "").casefold()


def register_sqlite_fold(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: add MP_FOLD to every new SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("MP_FOLD", 1, fold, deterministic=True)


class Fold(models.Func):
    """MP_FOLD(expression) on SQLite, LOWER(expression) elsewhere."""

    function = "LOWER"
    output_field = models.CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="MP_FOLD", **extra_context)
