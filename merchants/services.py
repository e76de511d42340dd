from django.db import transaction

from . import keys
from .models import Merchant


def merchant_create(
    *,
    merchant_id: str,
    name: str,
    country: str = Merchant.Country.FR,
    environment: str = Merchant.Environment.DEMO,
    journal_email: str = "",
) -> tuple[Merchant, str]:
    """Create a shop with a fresh secret key; → (shop, the secret in clear, to show once)."""
    secret = keys.generate_secret()
    ciphertext, key_id = keys.encrypt(secret)
    merchant = Merchant(
        merchant_id=merchant_id,
        name=name,
        country=country,
        environment=environment,
        journal_email=journal_email,
        secret_key_encrypted=ciphertext,
        secret_key_version=1,
        encryption_key_id=key_id,
    )
    merchant.full_clean()
    merchant.save()
    return merchant, secret


def merchant_rotate_secret(*, merchant_pk: int) -> tuple[Merchant, str]:
    """A new shop secret replaces the old one; its version goes up by one. → (shop, new secret)."""
    secret = keys.generate_secret()
    ciphertext, key_id = keys.encrypt(secret)
    with transaction.atomic():
        merchant = Merchant.objects.select_for_update().get(pk=merchant_pk)
        merchant.secret_key_encrypted = ciphertext
        merchant.encryption_key_id = key_id
        merchant.secret_key_version += 1
        merchant.save(
            update_fields=["secret_key_encrypted", "encryption_key_id", "secret_key_version"]
        )
    return merchant, secret


def merchant_secret(*, merchant: Merchant) -> str:
    """The shop's secret key in clear, for sealing what is sent to it (journals)."""
    return keys.decrypt(merchant.secret_key_encrypted)


def merchants_reencrypt_secrets() -> int:
    """Re-encrypt every shop secret under the current master key; → how many changed."""
    current = keys.current_key_id()
    changed = 0
    for pk in Merchant.objects.exclude(encryption_key_id=current).values_list("pk", flat=True):
        with transaction.atomic():
            merchant = Merchant.objects.select_for_update().get(pk=pk)
            ciphertext, key_id = keys.encrypt(keys.decrypt(merchant.secret_key_encrypted))
            merchant.secret_key_encrypted = ciphertext
            merchant.encryption_key_id = key_id
            merchant.save(update_fields=["secret_key_encrypted", "encryption_key_id"])
            changed += 1
    return changed
