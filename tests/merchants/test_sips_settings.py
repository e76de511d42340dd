"""A shop's Sips settings: its secret key and key version (console), its automatic-response URL
(bank staff or the shop's user administrators; https only in production)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from merchants import keys
from merchants.models import AuditRecord, Merchant
from merchants.services import merchant_set_automatic_response_url
from tests.factories import UserFactory, grant, make_merchant

SHOP_URL = "/shops/014213245611111/automatic-response/"


@pytest.fixture
def shop(db):
    return make_merchant("014213245611111", name="Boutique")


def test_bank_staff_set_the_secret_key_and_its_version_in_the_console(client, shop):
    client.force_login(UserFactory(username="adviser", is_bank_staff=True))

    response = client.post(
        f"/admin/merchants/merchant/{shop.pk}/set-secret/",
        {"secret": "the-key-sips-gave-this-shop", "version": "4"},
    )

    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.secret_key_version == 4
    assert keys.decrypt(shop.secret_key_encrypted) == "the-key-sips-gave-this-shop"
    record = AuditRecord.objects.get(action="ROTATE_SECRET")
    assert (record.old_value, record.new_value, record.actor_username) == ("1", "4", "adviser")


def test_a_short_secret_is_refused_in_the_console_and_changes_nothing(client, shop):
    client.force_login(UserFactory(username="adviser", is_bank_staff=True))

    response = client.post(
        f"/admin/merchants/merchant/{shop.pk}/set-secret/", {"secret": "short", "version": "4"}
    )

    assert response.status_code == 200
    assert "16" in response.content.decode()
    assert Merchant.objects.get(pk=shop.pk).secret_key_version == 1


def test_a_user_administrator_sets_the_shops_automatic_response_url(client, shop):
    admin = UserFactory(username="ua")
    grant(admin, "USER_ADMIN", merchant=shop)
    client.force_login(admin)

    response = client.post(SHOP_URL, {"automatic_response_url": "https://shop.example/sips"})

    assert response.status_code == 302
    assert Merchant.objects.get(pk=shop.pk).automatic_response_url == "https://shop.example/sips"
    record = AuditRecord.objects.get(field="automatic_response_url")
    assert (record.old_value, record.new_value) == ("", "https://shop.example/sips")
    assert "https://shop.example/sips" in client.get(SHOP_URL).content.decode()
    assert SHOP_URL in client.get("/users/").content.decode()


def test_an_operator_may_not_set_it(client, shop):
    operator = UserFactory(username="op")
    grant(operator, "OPERATOR", merchant=shop)
    client.force_login(operator)

    response = client.post(SHOP_URL, {"automatic_response_url": "https://evil.example/"})

    assert response.status_code == 404
    assert Merchant.objects.get(pk=shop.pk).automatic_response_url == ""
    with pytest.raises(PermissionDenied):
        merchant_set_automatic_response_url(
            actor=operator, merchant_pk=shop.pk, url="https://evil.example/"
        )


def test_a_shop_in_production_needs_https(shop):
    bank = UserFactory(username="adviser", is_bank_staff=True)
    Merchant.objects.filter(pk=shop.pk).update(environment="PRODUCTION")

    with pytest.raises(ValidationError):
        merchant_set_automatic_response_url(
            actor=bank, merchant_pk=shop.pk, url="http://shop.example/sips"
        )
    merchant_set_automatic_response_url(
        actor=bank, merchant_pk=shop.pk, url="https://shop.example/sips"
    )
    assert Merchant.objects.get(pk=shop.pk).automatic_response_url == "https://shop.example/sips"


def test_the_url_form_refuses_http_in_production_with_a_message(client, shop):
    Merchant.objects.filter(pk=shop.pk).update(environment="PRODUCTION")
    client.force_login(UserFactory(username="adviser", is_bank_staff=True))

    response = client.post(SHOP_URL, {"automatic_response_url": "http://shop.example/sips"})

    assert response.status_code == 400
    assert "https://" in response.content.decode()
    assert Merchant.objects.get(pk=shop.pk).automatic_response_url == ""
