"""Deactivating (confirmed first) and reactivating a user; only what the administrator may do is
offered. And the header's language choice saved to the profile."""

import pytest
from axes.models import AccessAttempt
from django.test import Client

from merchants.models import Access, AuditRecord, User
from tests.factories import UserFactory, grant, make_merchant

PASSWORD = "pw-for-tests-1"


@pytest.fixture
def world(db):
    mine, other = make_merchant(), make_merchant()
    admin = UserFactory(username="ua")
    grant(admin, Access.Role.USER_ADMIN, merchant=mine)
    colleague = UserFactory(username="colleague")
    grant(colleague, Access.Role.CONSULTER, merchant=mine)
    both = UserFactory(username="both")
    grant(both, Access.Role.CONSULTER, merchant=mine)
    grant(both, Access.Role.CONSULTER, merchant=other)
    return {"admin": admin, "colleague": colleague, "both": both}


@pytest.fixture
def ua(client, world):
    client.force_login(world["admin"])
    return client


def test_deactivating_asks_first_and_changes_nothing_until_confirmed(ua, world):
    colleague = world["colleague"]

    page = ua.get(f"/users/{colleague.pk}/").content.decode()
    confirm = ua.get(f"/users/{colleague.pk}/deactivate/")

    assert f'href="/users/{colleague.pk}/deactivate/"' in page
    assert confirm.status_code == 200
    assert "Désactiver colleague ?" in confirm.content.decode()
    assert 'data-testid="deactivate-confirm-button"' in confirm.content.decode()
    colleague.refresh_from_db()
    assert colleague.is_active


def test_a_deactivated_user_is_reactivated(ua, world):
    colleague = world["colleague"]
    ua.post(f"/users/{colleague.pk}/deactivate/")
    assert 'data-testid="reactivate"' in ua.get(f"/users/{colleague.pk}/").content.decode()

    response = ua.post(f"/users/{colleague.pk}/reactivate/")

    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.is_active
    off, on = AuditRecord.objects.filter(object_id=str(colleague.pk), field="is_active").order_by(
        "at", "id"
    )
    assert (on.old_value, on.new_value) == (off.new_value, off.old_value)


def test_a_user_beyond_the_scope_is_offered_neither_and_refused_both(ua, world):
    both = world["both"]

    page = ua.get(f"/users/{both.pk}/").content.decode()

    assert 'data-testid="account-switch"' not in page
    assert ua.get(f"/users/{both.pk}/deactivate/").status_code == 403
    User.objects.filter(pk=both.pk).update(is_active=False)
    assert ua.post(f"/users/{both.pk}/reactivate/").status_code == 403
    both.refresh_from_db()
    assert not both.is_active


def test_the_language_chosen_in_the_header_is_saved_to_the_profile(client, world):
    user = world["colleague"]
    client.force_login(user)

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.logout()
    client.cookies.clear()
    client.force_login(user)

    user.refresh_from_db()
    assert user.language == "en"
    assert "Log out" in client.get("/").content.decode()


def test_an_anonymous_language_choice_saves_nothing(client, world):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert not User.objects.exclude(language="").exists()


def test_the_console_unlocks_a_locked_login(client, db):
    alice = UserFactory(username="alice")
    for _ in range(5):
        Client().post("/accounts/login/", {"username": "alice", "password": "wrong"})
    locked = Client().post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 429
    client.force_login(UserFactory(username="adviser", is_bank_staff=True))

    response = client.post(
        "/admin/merchants/user/",
        {"action": "unlock_logins", "_selected_action": [alice.pk]},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="alice").exists()
    assert AuditRecord.objects.filter(object_id=str(alice.pk), action="UNLOCK").exists()
    again = Client().post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert again.status_code == 302
