import pytest
from django.db import DataError, IntegrityError, transaction

from merchants.models import Merchant
from merchants.services import (
    merchant_rotate_secret,
    merchant_secret,
    merchants_reencrypt_secrets,
)
from tests.factories import make_merchant


def test_a_shop_secret_is_stored_encrypted_and_read_back(db):
    merchant = make_merchant()

    secret = merchant_secret(merchant=merchant)

    assert len(secret) >= 40
    assert secret not in merchant.secret_key_encrypted
    assert merchant.encryption_key_id == "t1"
    assert merchant.secret_key_version == 1


def test_rotating_a_shop_secret_changes_it_and_bumps_the_version(db):
    merchant = make_merchant()
    before = merchant_secret(merchant=merchant)

    rotated, shown = merchant_rotate_secret(merchant_pk=merchant.pk)

    assert shown != before
    assert merchant_secret(merchant=rotated) == shown
    assert Merchant.objects.get(pk=merchant.pk).secret_key_version == 2


def test_a_new_master_key_reencrypts_every_secret(db, settings):
    merchant = make_merchant()
    secret = merchant_secret(merchant=merchant)
    settings.ENCRYPTION_KEYS = [
        "t2:qgT3NOqWgY2hn7nq8jPO7j7hXf6o2Ih-6wXoONAVfJg=",
        *settings.ENCRYPTION_KEYS,
    ]

    assert merchants_reencrypt_secrets() == 1

    merchant.refresh_from_db()
    assert merchant.encryption_key_id == "t2"
    settings.ENCRYPTION_KEYS = settings.ENCRYPTION_KEYS[:1]
    assert merchant_secret(merchant=merchant) == secret


@pytest.mark.parametrize("bad", ["", "12345678901234567", "01421324561111A"])
def test_the_database_refuses_a_merchant_id_not_of_1_to_15_digits(db, bad):
    merchant = make_merchant()
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Merchant.objects.filter(pk=merchant.pk).update(merchant_id=bad)


def test_a_merchant_id_is_kept_as_typed_with_its_leading_zero(db):
    assert make_merchant("014213245611111").merchant_id == "014213245611111"
