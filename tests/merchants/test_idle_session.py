import datetime as dt

import pytest
import time_machine

from tests.factories import UserFactory

START = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def user(db):
    return UserFactory(username="idle")


def test_idle_for_15_minutes_logs_out_with_a_message(client, user):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(user)
        assert client.get("/").status_code == 200

        traveller.shift(dt.timedelta(minutes=15))
        response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")
        page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "15 minutes" in page
        # And stays logged out.
        assert client.get("/").status_code == 302


def test_a_request_before_15_minutes_keeps_the_session_and_restarts_the_clock(client, user):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(user)
        client.get("/")

        traveller.shift(dt.timedelta(minutes=14, seconds=59))
        assert client.get("/accounts/keepalive/").status_code == 204
        traveller.shift(dt.timedelta(minutes=14, seconds=59))
        assert client.get("/").status_code == 200
        traveller.shift(dt.timedelta(minutes=15))
        assert client.get("/").status_code == 302


def test_a_forged_or_foreign_activity_cookie_does_not_extend_the_session(client, user):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(user)
        client.get("/")
        traveller.shift(dt.timedelta(minutes=16))
        client.cookies["gestion_activity"] = f"{START.timestamp() + 15 * 60}:forged"

        assert client.get("/").status_code == 302


def test_pages_carry_the_idle_warning_script_with_13_and_15_minutes(client, user):
    client.force_login(user)

    page = client.get("/").content.decode()

    assert 'data-warning="780"' in page
    assert 'data-timeout="900"' in page
    assert "gestion/idle.js" in page
    assert 'data-testid="idle-warning"' in page
