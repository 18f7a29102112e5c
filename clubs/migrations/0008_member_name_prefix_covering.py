"""The name prefix indexes of 0003 now include the name columns, so that the staff
search can count first-name and last-name prefix matches with index-only scans
(members/register/counting.py). PostgreSQL only, like 0003; the drop and re-create
take a few hundred milliseconds at 100,000 members."""

from django.db import migrations

COVERING = [
    ("member_first_name_prefix_idx", "(UPPER(first_name) text_pattern_ops)"),
    ("member_last_name_prefix_idx", "(UPPER(last_name) text_pattern_ops)"),
]


def _recreate(schema_editor, include: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in COVERING:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute(f"CREATE INDEX {name} ON members_member {expression}{include}")


def forwards(apps, schema_editor):
    _recreate(schema_editor, " INCLUDE (first_name, last_name)")


def backwards(apps, schema_editor):
    _recreate(schema_editor, "")


class Migration(migrations.Migration):
    dependencies = [
        ("clubs", "0007_second_factor_proxy"),
        ("members", "0014_member_club_name_idx"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
