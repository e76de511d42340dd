import datetime as dt
import re

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core import mail
from django.test import Client

from merchants.models import AuditRecord
from tests.factories import UserFactory, grant, make_merchant

PASSWORD = "pw-for-tests-1"
START = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", email="Alice@Shop.test")


def _login(client, login, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": login, "password": password}, **extra)


def _logged_in(client) -> bool:
    return client.get("/").status_code == 200


def test_log_in_with_the_username(client, alice):
    response = _login(client, "alice")

    assert response.status_code == 302
    assert _logged_in(client)


def test_log_in_with_the_email_address_in_any_case(client, alice):
    response = _login(client, "alice@shop.TEST")

    assert response.status_code == 302
    assert _logged_in(client)


def test_a_wrong_password_is_refused_with_the_form_error(client, alice):
    response = _login(client, "alice", "wrong")

    assert response.status_code == 200
    assert "id_username" in response.content.decode()
    assert not _logged_in(client)


def test_log_out_ends_the_session(client, alice):
    _login(client, "alice")

    client.post("/accounts/logout/")

    assert client.get("/").status_code == 302


def test_the_payment_server_account_cannot_log_in_on_the_web(client, db):
    UserFactory(username="feed", is_payment_server=True)

    response = _login(client, "feed", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "no web access" in response.content.decode()
    assert not _logged_in(client)


def test_five_failures_lock_the_account_from_that_address_for_15_minutes(client, alice):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(4):
            assert _login(client, "alice", "wrong").status_code == 200
        # The 5th failure, by e-mail: the same account.
        locked = _login(client, "alice@shop.test", "wrong")
        assert locked.status_code == 429
        assert 'data-testid="lockout"' in locked.content.decode()

        # Even the right password is refused from that address while locked...
        assert _login(client, "alice").status_code == 429
        traveller.shift(dt.timedelta(minutes=14, seconds=59))
        assert _login(client, "alice").status_code == 429

        traveller.shift(dt.timedelta(minutes=15, seconds=1))
        assert _login(client, "alice").status_code == 302
        # Still at the stated instant: out of the travel, the session would be days idle.
        assert _logged_in(client)


def test_a_stranger_cannot_lock_an_account_out_from_another_address(client, alice):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            _login(client, "alice", "wrong", REMOTE_ADDR="203.0.113.66")
        # Past five failures from anywhere, the account is slowed down, not locked:
        # its owner waits seconds, from its own address.
        slowed = _login(Client(), "alice", REMOTE_ADDR="192.0.2.10", HTTP_ACCEPT_LANGUAGE="en")
        assert slowed.status_code == 200
        assert "try again in 2 seconds" in slowed.content.decode()

        traveller.shift(dt.timedelta(seconds=3))
        assert _login(Client(), "alice", REMOTE_ADDR="192.0.2.10").status_code == 302


def test_the_delay_doubles_with_each_failure_and_stays_bounded(alice, settings):
    from merchants.auth import account_delay

    with time_machine.travel(START, tick=False) as traveller:
        delays = []
        for n in range(12):
            _login(Client(), "alice", "wrong", REMOTE_ADDR=f"198.51.100.{n}")
            delays.append(account_delay("alice"))
            traveller.shift(dt.timedelta(seconds=delays[-1] + 1))

    assert delays[:4] == [0, 0, 0, 0]
    assert delays[4:8] == [2, 4, 8, 16]
    assert max(delays) <= settings.LOGIN_MAX_DELAY


def test_failures_from_one_office_address_do_not_lock_the_colleagues(client, alice):
    UserFactory(username="bob")
    with time_machine.travel(START, tick=False):
        for n in range(5):
            _login(client, f"nobody{n}", "wrong", REMOTE_ADDR="10.0.0.7")

        # Behind the same address, bob is not concerned by others' failures.
        assert _login(Client(), "bob", REMOTE_ADDR="10.0.0.7").status_code == 302


def test_password_spraying_from_one_address_locks_that_address(client, alice, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    UserFactory(username="bob")
    with time_machine.travel(START, tick=False):
        for n in range(8):
            _login(client, f"nobody{n}", "wrong", REMOTE_ADDR="10.0.0.9")

        assert _login(Client(), "bob", REMOTE_ADDR="10.0.0.9").status_code == 429
        # Another address is not concerned.
        assert _login(Client(), "bob", REMOTE_ADDR="10.0.0.8").status_code == 302
    assert AuditRecord.objects.filter(action="LOCKOUT", object_id="10.0.0.9").count() == 1


def test_a_lockout_is_audited(client, alice):
    with time_machine.travel(START, tick=False):
        for _ in range(6):
            _login(client, "alice", "wrong")

    record = AuditRecord.objects.get(action="LOCKOUT", object_id=str(alice.pk))
    assert record.new_value == "alice@127.0.0.1"


def test_a_user_admin_unlocks_a_user_of_its_shop_and_it_is_audited(client, alice):
    shop = make_merchant()
    grant(alice, "CONSULTER", merchant=shop)
    admin = UserFactory(username="ua-unlock")
    grant(admin, "USER_ADMIN", merchant=shop)
    with time_machine.travel(START, tick=True):
        for _ in range(5):
            _login(Client(), "alice", "wrong")
        assert _login(Client(), "alice").status_code == 429
        client.force_login(admin)
        assert "5" in client.get(f"/users/{alice.pk}/").content.decode()

        response = client.post(f"/users/{alice.pk}/unlock/")

        assert response.status_code == 302
        assert _login(Client(), "alice").status_code == 302
    record = AuditRecord.objects.get(action="UNLOCK", object_id=str(alice.pk))
    # Five failures, and the refused attempt while locked: six cleared.
    assert (record.actor, record.old_value, record.new_value) == (admin, "6", "0")


def test_a_user_admin_cannot_unlock_a_user_outside_its_scope(client, alice):
    grant(alice, "CONSULTER", merchant=make_merchant())
    admin = UserFactory(username="ua-elsewhere")
    grant(admin, "USER_ADMIN", merchant=make_merchant())
    client.force_login(admin)

    assert client.post(f"/users/{alice.pk}/unlock/").status_code == 404
    assert not AuditRecord.objects.filter(action="UNLOCK").exists()


def test_bank_staff_unlock_bank_staff(client, db):
    colleague = UserFactory(username="bank-colleague", is_bank_staff=True)
    with time_machine.travel(START, tick=True):
        for _ in range(5):
            _login(Client(), "bank-colleague", "wrong")
        client.force_login(UserFactory(username="bank-unlocker", is_bank_staff=True))

        assert client.post(f"/users/{colleague.pk}/unlock/").status_code == 302
        assert _login(Client(), "bank-colleague").status_code == 302


def test_the_lockout_page_says_why_and_for_how_long(client, alice):
    for _ in range(5):
        response = _login(client, "alice", "wrong", HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert response.status_code == 429
    assert "5" in page and "15 minutes" in page
    assert "/accounts/password_reset/" in page


def test_every_attempt_is_recorded(client, alice):
    _login(client, "alice", "wrong")
    _login(client, "alice@shop.test", "wrong")
    _login(client, "alice")

    assert AccessFailureLog.objects.filter(username="alice").count() == 2
    assert AccessLog.objects.filter(username="alice").count() == 1
    # A success resets the failure counter (AXES_RESET_ON_SUCCESS).
    assert not AccessAttempt.objects.filter(username="alice").exists()


def test_password_reset_by_email_sets_a_new_password(client, alice):
    client.post("/accounts/password_reset/", {"email": "alice@shop.test"})

    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url  # Django swaps the token for a session marker
    response = client.post(
        form_url, {"new_password1": "Nouveau-mot-2026", "new_password2": "Nouveau-mot-2026"}
    )
    assert response.status_code == 302
    assert _login(client, "alice", "Nouveau-mot-2026").status_code == 302


def test_password_change_needs_the_old_password(client, alice):
    client.force_login(alice)

    refused = client.post(
        "/accounts/password_change/",
        {
            "old_password": "wrong",
            "new_password1": "Autre-mot-2026",
            "new_password2": "Autre-mot-2026",
        },
    )
    changed = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "Autre-mot-2026",
            "new_password2": "Autre-mot-2026",
        },
    )

    assert refused.status_code == 200
    assert changed.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("Autre-mot-2026")


def test_every_form_carries_a_csrf_token(client, alice):
    assert "csrfmiddlewaretoken" in client.get("/accounts/login/").content.decode()
    client.force_login(alice)
    assert "csrfmiddlewaretoken" in client.get("/accounts/profile/").content.decode()


def test_the_test_clients_login_still_works_with_the_lockout_backend(client, alice):
    assert client.login(username="alice", password=PASSWORD)
    assert client.login(username="alice@shop.test", password=PASSWORD)
    assert _logged_in(client)


def test_behind_a_proxy_failures_count_against_the_forwarded_address(client, alice, settings):
    settings.GESTION_REVERSE_PROXIES = 1
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 5
    UserFactory(username="bob")
    for n in range(5):
        _login(client, f"nobody{n}", "wrong", HTTP_X_FORWARDED_FOR="6.6.6.6")

    # Same proxy (REMOTE_ADDR), other client: not locked; the guesser's address is.
    assert _login(client, "alice", HTTP_X_FORWARDED_FOR="6.6.6.6").status_code == 429
    assert _login(Client(), "bob", HTTP_X_FORWARDED_FOR="7.7.7.7").status_code == 302
    # A client cannot dodge by writing its own X-Forwarded-For: the proxy appends the real one.
    assert _login(client, "alice", HTTP_X_FORWARDED_FOR="1.2.3.4, 6.6.6.6").status_code == 429
