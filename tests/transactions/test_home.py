"""The home page: what waits for the user and today against yesterday, each figure a link to the
transaction list filtered to exactly those rows."""

import datetime as dt
import re
from html import unescape

import pytest
import time_machine

from tests.factories import UserFactory, grant, make_merchant, make_transaction
from tests.operations.conftest import NOW, in_status
from transactions.models import Status


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def world(db):
    mine, other = make_merchant(), make_merchant()
    user = UserFactory(username="operator")
    grant(user, "OPERATOR", merchant=mine)
    today, yesterday = NOW.date(), NOW.date() - dt.timedelta(days=1)
    in_status(mine, Status.TO_VALIDATE, capture_date=today + dt.timedelta(days=1))
    in_status(mine, Status.TO_VALIDATE, capture_date=today + dt.timedelta(days=5))
    in_status(mine, Status.REFERRAL)  # its last day is 30 days away: not expiring
    in_status(mine, Status.TO_CREDIT)
    in_status(mine, Status.CAPTURED, automatic_response_status="FAILED")
    make_transaction(mine, payment_at=NOW - dt.timedelta(days=1), status=Status.REFUSED)
    # Another shop's rows count for nobody here.
    in_status(other, Status.TO_VALIDATE, capture_date=today)
    in_status(other, Status.TO_CREDIT)
    return {"user": user, "today": today, "yesterday": yesterday}


def _task(html, key):
    found = re.search(
        rf'data-testid="todo-{key}"[^>]*><a href="([^"]+)"><strong class="count">(\d+)</strong>',
        html,
    )
    return unescape(found.group(1)), int(found.group(2))


def _rows(client, url) -> int:
    return client.get(url).content.decode().count('data-testid="result"')


@pytest.mark.parametrize(
    "key, count",
    [("to-validate", 2), ("credits", 1), ("autoresponse-failed", 1), ("journals-failed", 0)],
)
def test_each_task_counts_the_users_rows_and_links_to_exactly_them(client, world, key, count):
    client.force_login(world["user"])
    html = client.get("/").content.decode()

    url, shown = _task(html, key)

    assert shown == count
    if url.startswith("/transactions/"):
        assert _rows(client, url) == count


def test_expiring_counts_the_last_days_within_48_hours(client, world):
    client.force_login(world["user"])

    url, shown = _task(client.get("/").content.decode(), "expiring")

    assert shown == 1
    assert "status=TO_VALIDATE" in url and "status=REFERRAL" in url


def test_today_and_yesterday_link_to_their_day(client, world):
    client.force_login(world["user"])
    html = client.get("/").content.decode()

    today = re.search(r'data-testid="day-0">.*?<a href="([^"]+)">(\d+)</a>', html, re.S)
    yesterday = re.search(r'data-testid="day-1">.*?<a href="([^"]+)">(\d+)</a>', html, re.S)

    assert int(today.group(2)) == 5 and int(yesterday.group(2)) == 1
    assert _rows(client, unescape(today.group(1))) == 5
    assert _rows(client, unescape(yesterday.group(1))) == 1


def test_failed_automatic_responses_are_counted_live_not_from_the_cache(client, world):
    """Today's and yesterday's totals come from the cached 30-day figures (docs/home.md), but a
    failed automatic response that a retry delivers leaves the to-do at once."""
    from transactions.models import Transaction

    client.force_login(world["user"])
    assert _task(client.get("/").content.decode(), "autoresponse-failed")[1] == 1

    Transaction.objects.filter(automatic_response_status="FAILED").update(
        automatic_response_status="SENT"
    )

    assert _task(client.get("/").content.decode(), "autoresponse-failed")[1] == 0


def test_yesterday_per_shop_comes_from_the_30_day_figures(client, world):
    client.force_login(world["user"])
    html = client.get("/").content.decode()

    table = re.search(r'data-testid="day-summary">(.*?)</table>', html, re.S).group(1)
    counts = re.findall(r'<td class="num">(\d+)</td>', table)
    assert counts == ["1"]  # the refused payment of yesterday, in the user's only shop


def test_bank_staffs_counts_need_no_shop_filter(client, world):
    """Every shop is bank staff's scope: the counts of what waits read the partial indexes
    alone, with no filter on the shop (a read of each open row's heap at 10 M rows)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(UserFactory(username="bank", is_bank_staff=True))
    with CaptureQueriesContext(connection) as captured:
        html = client.get("/").content.decode()

    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"]]
    todo = [sql for sql in counts if "TO_VALIDATE" in sql or "TO_CREDIT" in sql]
    assert todo and not any("merchant_id" in sql for sql in todo)
    assert _task(html, "to-validate")[1] == 3  # every shop's: two of mine, one of the other
