"""PostgreSQL indexes for the roster and register searches (`MemberQuerySet.search`).

Django turns `istartswith` into `UPPER(col::text) LIKE UPPER('ola%')` and `iexact` into
`UPPER(col::text) = UPPER(...)`; plain b-tree indexes on the columns cannot serve
either. Expression indexes with text_pattern_ops serve the prefix search on names and
the exact e-mail match; a trigram index serves `phone LIKE '%91234567'`.

They live here, with the access views that need them, as raw SQL guarded by
`connection.vendor`: SQLite (the laptop default) gets nothing and needs nothing.
"""

from django.db import migrations

INDEXES = [
    ("member_last_name_prefix_idx", "(UPPER(last_name) text_pattern_ops)"),
    ("member_first_name_prefix_idx", "(UPPER(first_name) text_pattern_ops)"),
    ("member_email_upper_idx", "(UPPER(email))"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON members_member {expression}"
        )
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS member_phone_trgm_idx "
        "ON members_member USING gin (phone gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("DROP INDEX IF EXISTS member_phone_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("clubs", "0002_initial"),
        ("members", "0003_member_number_sequence"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
