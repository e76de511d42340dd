import datetime as dt
import re

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core import mail
from django.test import Client

from tests.factories import UserFactory

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


def test_five_failures_lock_the_account_for_15_minutes_then_release_it(client, alice):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(4):
            assert _login(client, "alice", "wrong").status_code == 200
        # The 5th failure, by e-mail: the same account.
        locked = _login(client, "alice@shop.test", "wrong")
        assert locked.status_code == 429
        assert 'data-testid="lockout"' in locked.content.decode()

        # Even the right password is refused while locked, from any address.
        assert _login(client, "alice", REMOTE_ADDR="10.9.9.9").status_code == 429
        traveller.shift(dt.timedelta(minutes=14, seconds=59))
        assert _login(client, "alice").status_code == 429

        traveller.shift(dt.timedelta(minutes=15, seconds=1))
        assert _login(client, "alice").status_code == 302
        # Still at the stated instant: out of the travel, the session would be days idle.
        assert _logged_in(client)


def test_five_failures_from_one_address_lock_that_address(client, alice):
    UserFactory(username="bob")
    with time_machine.travel(START, tick=False):
        for n in range(5):
            _login(client, f"nobody{n}", "wrong", REMOTE_ADDR="10.0.0.7")

        assert _login(client, "bob", REMOTE_ADDR="10.0.0.7").status_code == 429
        # Another address is not concerned.
        assert _login(client, "bob", REMOTE_ADDR="10.0.0.8").status_code == 302


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
    UserFactory(username="bob")
    for n in range(5):
        _login(client, f"nobody{n}", "wrong", HTTP_X_FORWARDED_FOR="6.6.6.6")

    # Same proxy (REMOTE_ADDR), other client: not locked; the guesser's address is.
    assert _login(client, "alice", HTTP_X_FORWARDED_FOR="6.6.6.6").status_code == 429
    assert _login(Client(), "bob", HTTP_X_FORWARDED_FOR="7.7.7.7").status_code == 302
    # A client cannot dodge by writing its own X-Forwarded-For: the proxy appends the real one.
    assert _login(client, "alice", HTTP_X_FORWARDED_FOR="1.2.3.4, 6.6.6.6").status_code == 429
