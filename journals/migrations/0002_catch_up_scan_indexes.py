# The build's "records of this shop above id N, in no journal yet" scan needs (merchant_id, id)
# on the scanned tables to stay proportional to recent history. The transactions and operations
# apps must not know about journals, so the journals app owns these two indexes (plain SQL, valid
# on PostgreSQL and SQLite).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("journals", "0001_journals_and_membership"),
        ("transactions", "0001_initial"),
        ("operations", "0002_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS journals_scan_transaction "
            "ON transactions_transaction (merchant_id, id)",
            "DROP INDEX IF EXISTS journals_scan_transaction",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS journals_scan_operation "
            "ON operations_operation (merchant_id, id)",
            "DROP INDEX IF EXISTS journals_scan_operation",
        ),
    ]
