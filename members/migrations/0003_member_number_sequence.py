from django.db import migrations


def create_sequence(apps, schema_editor):
    # PostgreSQL hands out member numbers from a real sequence (no races, no locks);
    # SQLite uses MemberNumberCounter instead.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE SEQUENCE IF NOT EXISTS members_member_number_seq START WITH 100001"
        )


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP SEQUENCE IF EXISTS members_member_number_seq")


class Migration(migrations.Migration):
    dependencies = [("members", "0002_initial")]

    operations = [migrations.RunPython(create_sequence, drop_sequence)]
