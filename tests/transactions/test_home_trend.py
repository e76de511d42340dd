"""The home page's 30-day charts and their tables (docs/home.md): per day, per shop and per
payment means, each figure a link to the transaction list filtered to exactly those rows."""

import datetime as dt
import re
import xml.etree.ElementTree as ET
from html import unescape

import pytest
import time_machine

from tests.factories import UserFactory, grant, make_merchant, make_transaction
from tests.operations.conftest import NOW
from transactions.models import Status

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(db):
    shops = [make_merchant(name=f"Shop {i}") for i in range(6)]
    first = shops[0]
    user = UserFactory(username="consulter")
    for shop in shops:
        grant(user, "CONSULTER", merchant=shop)
    # Today: 2 accepted, 1 refused; ten days ago one 50.00 EUR by Visa; 30 days ago: outside.
    make_transaction(first, amount=1000)
    make_transaction(first, amount=2000)
    make_transaction(first, status=Status.REFUSED)
    make_transaction(
        first, amount=5000, payment_means="VISA", payment_at=NOW - dt.timedelta(days=10)
    )
    make_transaction(first, payment_at=NOW - dt.timedelta(days=30))
    # Yesterday: one in each of the five other shops, each more than the first shop's none.
    for shop in shops[1:]:
        make_transaction(shop, payment_at=NOW - dt.timedelta(days=1))
    # Another user's shop counts for nobody here.
    make_transaction(make_merchant(), amount=99900)
    return {"user": user, "shops": shops}


def _home(client, user):
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def _rows(client, url) -> int:
    return client.get(url).content.decode().count('data-testid="result"')


def _day_rows(html):
    return re.findall(
        r'data-testid="trend-day">\s*<th scope="row">([^<]+)</th>\s*'
        r'<td class="num"><a href="([^"]+)">(\d+)</a></td>\s*'
        r'<td class="num"><a href="([^"]+)">(\d+)</a></td>',
        html,
    )


def test_three_charts_of_thirty_bars_each_an_accessible_image(client, world):
    html = _home(client, world["user"])

    svgs = re.findall(r"<svg .*?</svg>", html, re.S)
    assert len(svgs) == 3
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.get("role") == "img"
        assert root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text
        assert len(root.findall(f".//{SVG}rect")) == 30
    # The last bars of the count chart: yesterday 5 (the tallest), today 3.
    bars = ET.fromstring(svgs[0]).findall(f"{SVG}rect")
    assert bars[-1].find(f"{SVG}title").text.endswith(": 3")
    heights = [float(b.get("height")) for b in bars]
    assert heights[-2] == max(heights)
    assert abs(heights[-1] / heights[-2] - 3 / 5) < 0.01
    assert "Montant accepté par jour (EUR)" in html  # EUR, the main currency


def test_the_table_gives_the_charts_numbers_day_by_day_with_their_links(client, world):
    html = _home(client, world["user"])

    days = _day_rows(html)
    assert len(days) == 30
    counts = [int(d[2]) for d in days]
    assert counts[-1] == 3 and counts[-2] == 5 and counts[-11] == 1
    assert sum(counts) == 9  # neither the day 30 days ago nor the other user's shop
    today = days[-1]
    assert int(today[4]) == 2  # accepted
    assert _rows(client, unescape(today[1])) == 3
    assert _rows(client, unescape(today[3])) == 2
    assert "66.7" in html or "66,7" in html  # today's acceptance rate


def test_per_shop_top_five_and_the_others_each_linked(client, world):
    html = _home(client, world["user"])

    table = re.search(r'data-testid="trend-shops">(.*?)</table>', html, re.S).group(1)
    links = re.findall(r'<a href="([^"]+)">(\d+)</a>', table)
    assert len(links) == 5
    first_url, first_count = links[0]
    assert int(first_count) == 4  # the first shop's four rows of the window, its top
    assert f"merchant_id={world['shops'][0].merchant_id}" in unescape(first_url)
    assert _rows(client, unescape(first_url)) == 4
    others = re.search(r'data-testid="trend-others">(.*?)</tr>', table, re.S).group(1)
    assert "1 autre boutique" in others and '<td class="num">1</td>' in others


def test_per_payment_means_linked_to_its_list(client, world):
    html = _home(client, world["user"])

    table = re.search(r'data-testid="trend-means">(.*?)</table>', html, re.S).group(1)
    rows = dict(
        (means, (unescape(url), int(n)))
        for means, url, n in re.findall(
            r'<th scope="row">([^<]+)</th>\s*<td class="num"><a href="([^"]+)">(\d+)</a>', table
        )
    )
    assert rows["CB"][1] == 8 and rows["VISA"][1] == 1
    assert "payment_means=VISA" in rows["VISA"][0]
    assert _rows(client, rows["VISA"][0]) == 1
    assert _rows(client, rows["CB"][0]) == 8


def test_bank_staff_see_every_shop(client, world):
    html = _home(client, UserFactory(username="bank", is_bank_staff=True))

    assert sum(int(d[2]) for d in _day_rows(html)) == 10
    assert "1\u202f029,00\xa0€" in html  # today: 10.00 + 20.00 + the other shop's 999.00


def test_closed_days_come_from_the_cache_and_a_new_row_today_after_a_minute(
    client, world, django_assert_num_queries
):
    user = world["user"]
    _home(client, user)
    make_transaction(world["shops"][0], payment_at=NOW - dt.timedelta(days=2))
    make_transaction(world["shops"][0])

    html = _home(client, user)
    assert sum(int(d[2]) for d in _day_rows(html)) == 9  # both cached

    with time_machine.travel(NOW + dt.timedelta(seconds=61), tick=False):
        html = _home(client, user)
    counts = [int(d[2]) for d in _day_rows(html)]
    assert counts[-1] == 4  # today read again
    assert counts[-3] == 0  # the closed day still from the cache (an hour)


def test_query_count_of_the_home_page_is_pinned(client, world, django_assert_num_queries):
    client.force_login(world["user"])
    client.get("/")  # the session, the cache filled
    with django_assert_num_queries(QUERIES_CACHED):
        client.get("/")
    from django.core.cache import cache

    from transactions.selectors import trend_memo_clear

    cache.clear()
    trend_memo_clear()
    with django_assert_num_queries(QUERIES_CACHED + 2):  # the closed days, then today
        client.get("/")


def test_the_assembled_figures_kept_in_memory_are_each_scopes_own(client, world):
    """Within the minute the figures are kept in the process's memory, keyed by the set of
    shops: a user with other shops never sees them."""
    _home(client, world["user"])
    other = UserFactory(username="other")
    grant(other, "CONSULTER", merchant=world["shops"][1])

    html = _home(client, other)

    assert sum(int(d[2]) for d in _day_rows(html)) == 1  # shop 1's one payment of yesterday


# What waits is two counts, one per partial index (docs/home.md), read from the indexes alone.
QUERIES_CACHED = 10


def test_yesterday_lists_the_busiest_shops_and_counts_the_others(client, world, monkeypatch):
    from transactions import views

    monkeypatch.setattr(views, "SUMMARY_SHOPS", 2)
    make_transaction(world["shops"][3], payment_at=NOW - dt.timedelta(days=1))

    html = _home(client, world["user"])

    table = re.search(r'data-testid="day-summary">(.*?)</table>', html, re.S).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', table) == ["2", "1"]
    assert world["shops"][3].merchant_id in table
    assert "et 3 autres boutiques avec des transactions ce jour-là" in table
