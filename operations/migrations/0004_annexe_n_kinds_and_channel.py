"""Operation kinds become the Annexe N codes, and who did it (WEB / API / BATCH) is the channel.

REFUND → CREDIT (a refund), CREDIT → CREDIT_CAPTURE (the batch sending it), CAPTURE →
DEBIT_CAPTURE, EXPIRE → EXPIRED; CREDIT is renamed to CREDIT_CAPTURE before REFUND takes its name.
"""

from django.db import migrations, models

FORWARD = [("CREDIT", "CREDIT_CAPTURE"), ("REFUND", "CREDIT"), ("CAPTURE", "DEBIT_CAPTURE"),
           ("EXPIRE", "EXPIRED")]  # fmt: skip


def rename_kinds(apps, schema_editor, pairs=FORWARD):
    Operation = apps.get_model("operations", "Operation")
    for old, new in pairs:
        Operation.objects.filter(kind=old).update(kind=new)


def rename_kinds_back(apps, schema_editor):
    rename_kinds(apps, schema_editor, [(new, old) for old, new in reversed(FORWARD)])


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0003_idempotency_keys"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="operation", name="operation_kind_valid"),
        migrations.RemoveConstraint(model_name="operation", name="operation_origin_valid"),
        migrations.RemoveConstraint(model_name="operation", name="operation_batch_has_no_user"),
        migrations.RenameField(model_name="operation", old_name="origin", new_name="channel"),
        migrations.AlterField(
            model_name="operation",
            name="kind",
            field=models.CharField(max_length=14, verbose_name="operation"),
        ),
        migrations.RunPython(rename_kinds, rename_kinds_back, elidable=False),
    ]
