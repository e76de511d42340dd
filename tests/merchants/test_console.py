import pytest
from django.core.exceptions import PermissionDenied
from rest_framework.test import APIClient

from merchants import keys
from merchants.models import Access, AuditRecord, Merchant
from merchants.services import merchant_update
from tests.factories import UserFactory, grant, make_merchant


@pytest.fixture
def shop(db):
    return make_merchant("014213245611111", name="Boutique", journal_email="old@shop.test")


@pytest.fixture
def bank(client, db):
    user = UserFactory(username="adviser", is_bank_staff=True)
    client.force_login(user)
    return user


def _change_form(shop, **overrides):
    data = {
        "name": shop.name,
        "country": shop.country,
        "environment": shop.environment,
        "journal_email": shop.journal_email,
        "is_active": "on",
        "payment_means-TOTAL_FORMS": "0",
        "payment_means-INITIAL_FORMS": "0",
        "payment_means-MIN_NUM_FORMS": "0",
        "payment_means-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_the_console_is_for_bank_staff_only_not_for_superusers_or_staff(client, shop):
    for user in (
        UserFactory(is_superuser=True, is_staff=True),
        UserFactory(is_staff=True),
        UserFactory(),
    ):
        client.force_login(user)
        assert client.get("/admin/").status_code == 403
        assert client.get(f"/admin/merchants/merchant/{shop.pk}/change/").status_code == 403
    client.logout()
    assert client.get("/admin/").status_code == 302


def test_a_shop_setting_changed_in_the_console_leaves_an_audit_record(client, bank, shop):
    response = client.post(
        f"/admin/merchants/merchant/{shop.pk}/change/",
        _change_form(shop, journal_email="new@shop.test", name="Nouveau nom"),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    shop.refresh_from_db()
    assert shop.journal_email == "new@shop.test"
    records = {r.field: r for r in AuditRecord.objects.filter(object_id=str(shop.pk))}
    assert set(records) == {"journal_email", "name"}
    assert records["journal_email"].old_value == "old@shop.test"
    assert records["journal_email"].new_value == "new@shop.test"
    assert records["name"].new_value == "Nouveau nom"
    assert records["journal_email"].actor == bank
    assert records["journal_email"].action == "CHANGE"


def test_bank_staff_read_the_audit_history(client, bank, shop):
    merchant_update(actor=bank, merchant_pk=shop.pk, changes={"name": "Nouveau nom"})

    page = client.get("/admin/merchants/auditrecord/").content.decode()

    assert "Nouveau nom" in page and "Boutique" in page
    # History is never edited, even by bank staff.
    record = AuditRecord.objects.get()
    assert (
        client.post(
            f"/admin/merchants/auditrecord/{record.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )


def test_a_payment_means_added_in_the_console_is_audited(client, bank, shop):
    response = client.post(
        f"/admin/merchants/merchant/{shop.pk}/change/",
        _change_form(
            shop,
            **{
                "payment_means-TOTAL_FORMS": "1",
                "payment_means-0-means": "AMEX",
                "payment_means-0-contract_number": "7654321",
                "payment_means-0-currencies": "978 840",
            },
        ),
    )

    assert response.status_code == 302
    record = AuditRecord.objects.get(object_id=str(shop.pk))
    assert record.field == "paymentmeans"
    assert "AMEX" in record.new_value


def test_rotating_the_secret_shows_the_new_key_once(client, bank, shop):
    response = client.post(f"/admin/merchants/merchant/{shop.pk}/rotate-secret/")

    page = response.content.decode()
    shop.refresh_from_db()
    secret = keys.decrypt(shop.secret_key_encrypted)
    assert shop.secret_key_version == 2
    assert secret in page
    assert "no-store" in response["Cache-Control"]
    # Not on the shop's page afterwards.
    assert secret not in client.get(f"/admin/merchants/merchant/{shop.pk}/change/").content.decode()
    record = AuditRecord.objects.get(object_id=str(shop.pk))
    assert (record.action, record.field, record.old_value, record.new_value) == (
        "ROTATE_SECRET",
        "secret_key_version",
        "1",
        "2",
    )
    assert secret not in record.new_value


def test_a_shop_created_in_the_console_gets_a_secret_shown_once(client, bank, db):
    response = client.post(
        "/admin/merchants/merchant/add/",
        _change_form(
            Merchant(name="Neuve", country="fr", environment="DEMO", journal_email="j@neuve.test"),
            merchant_id="012345678901234",
        ),
    )

    shop = Merchant.objects.get(merchant_id="012345678901234")
    assert keys.decrypt(shop.secret_key_encrypted) in response.content.decode()
    assert AuditRecord.objects.filter(object_id=str(shop.pk), action="CREATE").exists()


def test_a_merchant_user_cannot_change_the_journal_address_by_form(client, shop):
    for roles in (["OPERATOR"], ["CONSULTER"], ["USER_ADMIN", "CONSULTER"]):
        user = UserFactory()
        for role in roles:
            grant(user, role, merchant=shop)
        client.force_login(user)

        page = client.get(f"/shops/{shop.merchant_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        response = client.post(f"/shops/{shop.merchant_id}/", {"journal_email": "evil@x.test"})
        console = client.post(
            f"/admin/merchants/merchant/{shop.pk}/change/",
            _change_form(shop, journal_email="evil@x.test"),
        )

        assert 'name="journal_email"' not in page
        assert "ask your bank adviser" in page
        assert response.status_code == 403
        assert console.status_code == 403
    shop.refresh_from_db()
    assert shop.journal_email == "old@shop.test"
    assert not AuditRecord.objects.exists()


def test_a_merchant_user_cannot_change_the_journal_address_by_api(db, shop):
    user = UserFactory()
    grant(user, Access.Role.OPERATOR, merchant=shop)
    api = APIClient()
    api.force_authenticate(user)

    response = api.patch(
        f"/api/v1/shops/{shop.merchant_id}/", {"journal_email": "evil@x.test"}, format="json"
    )
    put = api.put(
        f"/api/v1/shops/{shop.merchant_id}/", {"journal_email": "evil@x.test"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["response_code"] == "40"
    assert put.status_code == 405
    shop.refresh_from_db()
    assert shop.journal_email == "old@shop.test"
    assert api.get(f"/api/v1/shops/{shop.merchant_id}/").json()["shop"]["journal_email"] == (
        "old@shop.test"
    )
    with pytest.raises(PermissionDenied):
        merchant_update(actor=user, merchant_pk=shop.pk, changes={"journal_email": "evil@x.test"})


def test_bank_staff_change_the_journal_address_by_form_and_api(client, bank, shop):
    client.post(f"/shops/{shop.merchant_id}/", {"journal_email": "form@shop.test"})
    shop.refresh_from_db()
    assert shop.journal_email == "form@shop.test"

    api = APIClient()
    api.force_authenticate(bank)
    response = api.patch(
        f"/api/v1/shops/{shop.merchant_id}/", {"journal_email": "api@shop.test"}, format="json"
    )

    assert response.status_code == 200
    shop.refresh_from_db()
    assert shop.journal_email == "api@shop.test"
    assert list(AuditRecord.objects.order_by("id").values_list("old_value", "new_value")) == [
        ("old@shop.test", "form@shop.test"),
        ("form@shop.test", "api@shop.test"),
    ]


def test_a_bad_journal_address_is_refused_and_changes_nothing(bank, shop):
    api = APIClient()
    api.force_authenticate(bank)

    bad = api.patch(f"/api/v1/shops/{shop.merchant_id}/", {"journal_email": "nope"}, format="json")
    unknown = api.patch(f"/api/v1/shops/{shop.merchant_id}/", {"secret": "x"}, format="json")

    assert (bad.status_code, bad.json()["response_code"]) == (400, "12")
    assert (unknown.status_code, unknown.json()["response_code"]) == (400, "12")
    shop.refresh_from_db()
    assert shop.journal_email == "old@shop.test"
    assert not AuditRecord.objects.exists()


def test_a_groups_shops_changed_in_the_console_are_audited(client, bank, shop):
    from tests.factories import make_group

    second = make_merchant("029800266211111", name="Autre")
    group = make_group("Réseau", shop)

    response = client.post(
        f"/admin/merchants/merchantgroup/{group.pk}/change/",
        {"name": "Réseau", "merchants": [shop.pk, second.pk]},
    )

    assert response.status_code == 302
    record = AuditRecord.objects.get(object_type="merchants.merchantgroup")
    assert record.field == "merchants"
    assert record.old_value == str(shop)
    assert record.new_value == ", ".join(sorted([str(shop), str(second)]))


def test_making_someone_bank_staff_in_the_console_is_audited(client, bank, db):
    user = UserFactory(username="promoted")
    data = {
        "username": "promoted",
        "email": user.email,
        "is_active": "on",
        "is_bank_staff": "on",
        "language": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "accesses-TOTAL_FORMS": "0",
        "accesses-INITIAL_FORMS": "0",
        "accesses-MIN_NUM_FORMS": "0",
        "accesses-MAX_NUM_FORMS": "1000",
    }

    response = client.post(f"/admin/merchants/user/{user.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert user.is_bank_staff
    assert AuditRecord.objects.filter(
        object_id=str(user.pk), field="is_bank_staff", old_value="false", new_value="true"
    ).exists()


def test_the_shop_page_links_to_its_own_audit_history(client, bank, shop):
    other = make_merchant("029800266211111", name="Autre")
    merchant_update(actor=bank, merchant_pk=shop.pk, changes={"name": "Mine renamed"})
    merchant_update(actor=bank, merchant_pk=other.pk, changes={"name": "Other renamed"})

    page = client.get(f"/admin/merchants/merchant/{shop.pk}/change/").content.decode()
    link = f"/admin/merchants/auditrecord/?object_type=merchants.merchant&object_id={shop.pk}"
    history = client.get(link).content.decode()

    assert link in page
    assert "Mine renamed" in history
    assert "Other renamed" not in history
