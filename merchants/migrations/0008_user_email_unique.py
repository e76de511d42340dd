import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower


def refuse_duplicate_emails(apps, schema_editor):
    """Stop with the list of addresses to fix rather than a bare integrity error."""
    User = apps.get_model("merchants", "User")
    duplicates = (
        User.objects.exclude(email="")
        .annotate(address=Lower("email"))
        .values("address")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("address")
    )
    found = [f"{row['address']} ({row['n']} accounts)" for row in duplicates]
    if found:
        raise RuntimeError(
            "Several accounts share an e-mail address (case ignored): "
            + ", ".join(found)
            + ". Give each account its own address (or none), then migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0007_sips_interop"),
    ]

    operations = [
        migrations.RunPython(refuse_duplicate_emails, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                condition=models.Q(("email", ""), _negated=True),
                name="user_email_unique_ci",
                violation_error_message="Another account already uses this e-mail address.",
            ),
        ),
    ]
