import pytest
from django.core import mail
from rest_framework.test import APIClient

from merchants.models import Access, AuditRecord, User
from merchants.services import UserAdminRefused, access_grant, user_deactivate
from tests.factories import UserFactory, api_key, grant, make_group, make_merchant


@pytest.fixture
def world(db):
    mine, other = make_merchant(), make_merchant()
    admin = UserFactory(username="ua")
    grant(admin, Access.Role.USER_ADMIN, merchant=mine)
    colleague = UserFactory(username="colleague")
    grant(colleague, Access.Role.CONSULTER, merchant=mine)
    stranger = UserFactory(username="stranger")
    grant(stranger, Access.Role.OPERATOR, merchant=other)
    return {
        "mine": mine,
        "other": other,
        "admin": admin,
        "colleague": colleague,
        "stranger": stranger,
    }


@pytest.fixture
def ua(client, world):
    client.force_login(world["admin"])
    return client


def test_a_user_admin_creates_a_user_on_its_shop_and_invites_them(
    ua, world, eager_tasks, django_capture_on_commit_callbacks
):
    # The invitation is a task enqueued once the account is committed (merchants.tasks).
    with django_capture_on_commit_callbacks(execute=True):
        response = ua.post(
            "/users/new/",
            {
                "username": "newbie",
                "email": "newbie@shop.test",
                "role": "OPERATOR",
                "point": f"shop:{world['mine'].pk}",
            },
        )

    assert response.status_code == 302
    newbie = User.objects.get(username="newbie")
    assert list(newbie.accesses.values_list("role", "merchant")) == [("OPERATOR", world["mine"].pk)]
    assert not newbie.has_usable_password()
    assert mail.outbox[0].to == ["newbie@shop.test"]
    assert "/accounts/reset/" in mail.outbox[0].body
    assert AuditRecord.objects.filter(object_id=str(newbie.pk), action="CREATE").exists()


def test_a_user_admin_cannot_make_anyone_bank_staff(ua, world):
    ua.post(
        "/users/new/",
        {
            "username": "sneaky",
            "email": "sneaky@shop.test",
            "role": "CONSULTER",
            "point": f"shop:{world['mine'].pk}",
            "is_bank_staff": "on",
            "is_staff": "on",
            "is_superuser": "on",
        },
    )
    ua.post("/accounts/profile/", {"language": "fr", "is_bank_staff": "on"})

    sneaky = User.objects.get(username="sneaky")
    assert not (sneaky.is_bank_staff or sneaky.is_staff or sneaky.is_superuser)
    world["admin"].refresh_from_db()
    assert not world["admin"].is_bank_staff
    assert ua.get("/admin/").status_code == 403


def test_a_user_admin_cannot_create_a_user_on_another_shop(ua, world):
    response = ua.post(
        "/users/new/",
        {
            "username": "elsewhere",
            "email": "elsewhere@shop.test",
            "role": "CONSULTER",
            "point": f"shop:{world['other'].pk}",
        },
    )

    assert response.status_code == 400
    assert not User.objects.filter(username="elsewhere").exists()


def test_a_user_admin_cannot_give_a_role_on_another_shop(ua, world):
    response = ua.post(
        f"/users/{world['colleague'].pk}/grant/",
        {"role": "OPERATOR", "point": f"shop:{world['other'].pk}"},
    )

    assert response.status_code == 400
    assert not world["colleague"].accesses.filter(merchant=world["other"]).exists()
    with pytest.raises(UserAdminRefused):
        access_grant(
            actor=world["admin"], user=world["colleague"], role="OPERATOR", merchant=world["other"]
        )


def test_a_user_admin_cannot_raise_its_own_rights(ua, world):
    response = ua.post(
        f"/users/{world['admin'].pk}/grant/",
        {"role": "OPERATOR", "point": f"shop:{world['mine'].pk}"},
    )

    assert response.status_code == 403
    assert list(world["admin"].accesses.values_list("role", flat=True)) == ["USER_ADMIN"]


def test_a_user_admin_cannot_reach_a_user_of_another_shop(ua, world):
    stranger = world["stranger"]

    assert ua.get(f"/users/{stranger.pk}/").status_code == 404
    assert ua.post(f"/users/{stranger.pk}/deactivate/").status_code == 404
    access = stranger.accesses.get()
    assert ua.post(f"/users/{stranger.pk}/accesses/{access.pk}/revoke/").status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active and stranger.accesses.exists()
    assert "stranger" not in ua.get("/users/").content.decode()


def test_a_user_admin_cannot_give_a_group_reaching_beyond_its_scope(ua, world):
    group = make_group("Mixed", world["mine"], world["other"])

    with pytest.raises(UserAdminRefused):
        access_grant(actor=world["admin"], user=world["colleague"], role="CONSULTER", group=group)
    response = ua.post(
        f"/users/{world['colleague'].pk}/grant/",
        {"role": "CONSULTER", "point": f"group:{group.pk}"},
    )
    assert response.status_code == 400


def test_a_user_admin_cannot_manage_bank_staff(world):
    bank = UserFactory(is_bank_staff=True)
    grant(bank, Access.Role.CONSULTER, merchant=world["mine"])

    with pytest.raises((UserAdminRefused, User.DoesNotExist)):
        user_deactivate(actor=world["admin"], user_pk=bank.pk)
    bank.refresh_from_db()
    assert bank.is_active


def test_a_user_working_beyond_the_scope_is_not_deactivated(world):
    both = UserFactory(username="both")
    grant(both, Access.Role.CONSULTER, merchant=world["mine"])
    grant(both, Access.Role.CONSULTER, merchant=world["other"])

    with pytest.raises(UserAdminRefused):
        user_deactivate(actor=world["admin"], user_pk=both.pk)
    both.refresh_from_db()
    assert both.is_active


def test_a_deactivated_user_can_no_longer_log_in_nor_use_its_token(ua, world):
    colleague = world["colleague"]
    key = api_key(colleague)

    response = ua.post(f"/users/{colleague.pk}/deactivate/")

    assert response.status_code == 302
    colleague.refresh_from_db()
    assert not colleague.is_active
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/shops/").status_code == 401
    assert AuditRecord.objects.filter(
        object_id=str(colleague.pk), field="is_active", old_value="true", new_value="false"
    ).exists()


def test_a_user_admin_revokes_a_role_on_its_shop(ua, world):
    access = world["colleague"].accesses.get()

    response = ua.post(f"/users/{world['colleague'].pk}/accesses/{access.pk}/revoke/")

    assert response.status_code == 302
    assert not world["colleague"].accesses.exists()


def test_a_consulter_has_no_user_pages(client, world):
    client.force_login(world["colleague"])

    assert client.get("/users/").status_code == 403
    assert client.get(f"/users/{world['admin'].pk}/").status_code == 404


def test_a_deactivated_users_open_session_ends(ua, world):
    from django.test import Client

    theirs = Client()
    theirs.force_login(world["colleague"])
    assert theirs.get("/").status_code == 200

    ua.post(f"/users/{world['colleague'].pk}/deactivate/")

    assert theirs.get("/").status_code == 302


def test_a_user_admin_sees_only_the_accesses_inside_its_scope(ua, world):
    # Bank staff give the admin's colleague a role on another merchant's shop.
    other = world["other"]
    other.name = "Concurrent Secret SARL"
    other.save()
    grant(world["colleague"], Access.Role.OPERATOR, merchant=other)
    outside = Access.objects.get(user=world["colleague"], merchant=other)

    listing = ua.get("/users/").content.decode()
    detail = ua.get(f"/users/{world['colleague'].pk}/").content.decode()

    for page in (listing, detail):
        assert world["mine"].merchant_id in page
        assert other.merchant_id not in page
        assert "Concurrent Secret SARL" not in page
    assert (
        ua.post(f"/users/{world['colleague'].pk}/accesses/{outside.pk}/revoke/").status_code == 404
    )
    assert Access.objects.filter(pk=outside.pk).exists()


def test_bank_staff_still_see_every_access_of_a_user(client, world):
    grant(world["colleague"], Access.Role.OPERATOR, merchant=world["other"])
    client.force_login(UserFactory(username="bank-scope", is_bank_staff=True))

    detail = client.get(f"/users/{world['colleague'].pk}/").content.decode()

    assert world["other"].merchant_id in detail
    assert world["mine"].merchant_id in detail
