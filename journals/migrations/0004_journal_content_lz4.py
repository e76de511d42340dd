"""The journal's file compressed with LZ4 instead of pglz on PostgreSQL: a third of the time to
store it (4,000 files a night, docs/benchmarks.md "Daily journals"), about the same size. Files
stored before keep their compression; both read the same. A server built without LZ4 keeps
pglz. Nothing to do elsewhere."""

from django.db import migrations


def _compression(method):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            "DO $$ BEGIN "
            f"ALTER TABLE journals_journal ALTER COLUMN content SET COMPRESSION {method}; "
            "EXCEPTION WHEN feature_not_supported THEN NULL; END $$"
        )

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("journals", "0003_membership_without_journal_fk_check"),
    ]

    operations = [
        migrations.RunPython(_compression("lz4"), _compression("pglz")),
    ]
