from django.db import migrations


class Migration(migrations.Migration):
    """Default privacy notice, cookie declaration and information pages (filled in by the
    privacy-pages work)."""

    dependencies = [("privacy", "0001_initial")]

    operations: list = []
