import hashlib

from django.db import migrations


def hash_existing_tokens(apps, schema_editor):
    """Each clear DRF token becomes a hashed ApiToken (same key, so clients keep working);
    the clear copies are deleted."""
    try:
        Token = apps.get_model("authtoken", "Token")
    except LookupError:
        return
    ApiToken = apps.get_model("merchants", "ApiToken")
    for token in Token.objects.all():
        ApiToken.objects.create(
            user_id=token.user_id,
            name="default",
            prefix=token.key[:6],
            key_hash=hashlib.sha256(token.key.encode()).hexdigest(),
            created_at=token.created,
        )
    Token.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0003_api_token"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(hash_existing_tokens, migrations.RunPython.noop)]
