"""core/keyset.py: one cursor for every list, next and previous, one error for a bad cursor."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from core.keyset import InvalidCursor, Keyset, decode_cursor, keyset_page
from operations.models import Operation, Remittance
from operations.selectors import OPERATIONS
from tests.factories import UserFactory, api_key, grant, make_merchant, make_transaction
from transactions.models import Transaction
from transactions.selectors import TRANSACTIONS

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def shop(db):
    shop = make_merchant("014213245611111")
    for n in range(9):
        t = make_transaction(shop, payment_at=NOW - dt.timedelta(hours=n + 1), amount=100 + n)
        Operation.objects.create(
            transaction=t,
            merchant=shop,
            kind="CREDIT",
            amount=1,
            currency_code="978",
            response_code="00",
            status_before="CAPTURED",
            status_after="TO_CREDIT",
            channel="API",
            created_at=NOW - dt.timedelta(minutes=n + 1),
        )
        Remittance.objects.create(
            merchant=shop,
            remittance_date=NOW.date() - dt.timedelta(days=n),
            currency_code="978",
            sent_to_bank=True,
        )
    return shop


@pytest.fixture
def operator(shop):
    user = UserFactory(username="pager", language="en")
    grant(user, "OPERATOR", merchant=shop)
    return user


@pytest.mark.parametrize("sort", list(TRANSACTIONS.sorts))
def test_previous_of_page_3_is_page_2_in_every_sort(shop, sort):
    rows = Transaction.objects.filter(merchant=shop)
    one = keyset_page(rows, TRANSACTIONS, sort=sort, size=2)
    two = keyset_page(rows, TRANSACTIONS, sort=sort, size=2, cursor=one.next_cursor)
    three = keyset_page(rows, TRANSACTIONS, sort=sort, size=2, cursor=two.next_cursor)

    back = keyset_page(rows, TRANSACTIONS, sort=sort, size=2, cursor=three.previous_cursor)
    first = keyset_page(rows, TRANSACTIONS, sort=sort, size=2, cursor=back.previous_cursor)

    assert [r.pk for r in back.rows] == [r.pk for r in two.rows]
    assert [r.pk for r in first.rows] == [r.pk for r in one.rows]
    assert (one.number, two.number, three.number, back.number, first.number) == (1, 2, 3, 2, 1)
    assert not one.has_previous and not first.has_previous
    assert back.has_previous and back.has_next and three.has_previous
    # Forward again from the page reached backwards: page 3 once more.
    again = keyset_page(rows, TRANSACTIONS, sort=sort, size=2, cursor=back.next_cursor)
    assert [r.pk for r in again.rows] == [r.pk for r in three.rows]


def test_the_last_page_has_no_next_and_its_previous_is_the_one_before(shop):
    rows = Transaction.objects.filter(merchant=shop)
    pages = [keyset_page(rows, TRANSACTIONS, size=4)]
    while pages[-1].has_next:
        pages.append(keyset_page(rows, TRANSACTIONS, size=4, cursor=pages[-1].next_cursor))

    assert [len(p.rows) for p in pages] == [4, 4, 1]
    back = keyset_page(rows, TRANSACTIONS, size=4, cursor=pages[-1].previous_cursor)
    assert [r.pk for r in back.rows] == [r.pk for r in pages[1].rows]


def test_a_cursor_is_refused_when_edited_or_made_for_another_list_or_sort(shop):
    rows = Transaction.objects.filter(merchant=shop)
    cursor = keyset_page(rows, TRANSACTIONS, size=2).next_cursor
    other = Keyset(name="other", sorts=TRANSACTIONS.sorts, default_sort="-payment_at")

    assert decode_cursor(TRANSACTIONS, "-payment_at", cursor)[0] == "n"
    for bad, keyset, sort in [
        (cursor[:-1] + ("A" if cursor[-1] != "A" else "B"), TRANSACTIONS, "-payment_at"),
        (cursor[:10], TRANSACTIONS, "-payment_at"),
        ("garbage", TRANSACTIONS, "-payment_at"),
        (cursor, TRANSACTIONS, "amount"),
        (cursor, other, "-payment_at"),
        (cursor, OPERATIONS, "-created_at"),
    ]:
        with pytest.raises(InvalidCursor):
            keyset_page(rows, keyset, sort=sort, cursor=bad)


@pytest.mark.parametrize("raw", ["", "0", "501", "abc", "²", "-1"])
def test_a_page_size_is_bounded(raw):
    if raw == "":
        assert TRANSACTIONS.page_size_from(raw) == TRANSACTIONS.page_size
        return
    with pytest.raises(ValueError):
        TRANSACTIONS.page_size_from(raw)


# --- the same error on every list ------------------------------------------------------------

WEB_LISTS = ["/transactions/", "/operations/"]
API_LISTS = [
    "/api/v1/transactions/",
    "/api/v1/operations/",
    "/api/v1/remittances/",
    "/api/v1/journals/",
]


def _foreign_cursor(shop) -> str:
    """A real cursor, but of another list (remittances): refused by every other list."""
    keyset = Keyset(
        name="remittances",
        sorts={"-remittance_date": ("remittance_date", True)},
        default_sort="-remittance_date",
    )
    return keyset_page(Remittance.objects.filter(merchant=shop), keyset, size=1).next_cursor


@pytest.mark.parametrize("path", WEB_LISTS)
@pytest.mark.parametrize("cursor", ["garbage", "eyJ4IjoxfQ.abc", "foreign"])
def test_a_bad_cursor_on_a_web_list_is_a_400_with_the_form_error(shop, operator, path, cursor):
    client = Client()
    client.force_login(operator)
    if cursor == "foreign":
        cursor = _foreign_cursor(shop)

    response = client.get(path, {"cursor": cursor})

    assert response.status_code == 400
    assert "This page link is no longer valid: start again." in response.content.decode()


@pytest.mark.parametrize("path", API_LISTS)
@pytest.mark.parametrize("cursor", ["garbage", "eyJ4IjoxfQ.abc", "foreign"])
def test_a_bad_cursor_on_an_api_list_is_a_400_in_the_envelope(shop, operator, path, cursor):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(operator)}")
    if cursor == "foreign":
        cursor = _foreign_cursor(shop)
        if path == "/api/v1/remittances/":
            cursor = keyset_page(Transaction.objects.all(), TRANSACTIONS, size=1).next_cursor

    response = api.get(path, {"cursor": cursor})

    assert response.status_code == 400
    assert response.json() == {
        "response_code": "12",
        "message": "cursor: not a cursor of this list.",
        "errors": {"cursor": ["not a cursor of this list."]},
    }


@pytest.mark.parametrize(
    "path", ["/api/v1/transactions/", "/api/v1/operations/", "/api/v1/remittances/"]
)
def test_previous_of_page_3_is_page_2_through_the_api(shop, operator, path):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(operator)}")

    one = api.get(path, {"page_size": 2}).json()
    two = api.get(one["next"]).json()
    three = api.get(two["next"]).json()
    back = api.get(three["previous"]).json()

    assert one["previous"] is None and three["previous"]
    assert back["results"] == two["results"]
    assert api.get(back["previous"]).json()["results"] == one["results"]


@pytest.mark.parametrize("path", WEB_LISTS)
def test_previous_of_page_3_is_page_2_on_the_web(shop, operator, path, monkeypatch):
    monkeypatch.setattr("operations.views.PAGE_SIZE", 2)
    client = Client()
    client.force_login(operator)
    query = {"page_size": 25} if path == "/transactions/" else {}
    if path == "/transactions/":
        for n in range(60):
            make_transaction(shop, payment_at=NOW - dt.timedelta(days=1, minutes=n))

    def rows(response):
        return re.findall(r'<tr data-testid="(?:operation|result)"[^>]*>(.*?)</tr>',
                          response.content.decode(), re.S)  # fmt: skip

    one = client.get(path, query)
    two = client.get(path + one.context["next_url"])
    three = client.get(path + two.context["next_url"])
    back = client.get(path + three.context["previous_url"])

    assert one.context["previous_url"] is None
    assert three.context["page_number"] == 3 and back.context["page_number"] == 2
    assert rows(back) == rows(two) and rows(two) != rows(one)
