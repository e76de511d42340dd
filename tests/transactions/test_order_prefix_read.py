"""An order reference's start searched across every shop (bank staff) is read from the prefix
index and sorted (core.keyset's fenced read), not found by walking the time index back from
today: at 10 M rows that walk took seconds (docs/benchmarks.md). The pages must be exactly the
plain read's, both ways."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import UserFactory, make_merchant, make_transaction
from transactions.models import Transaction
from transactions.selectors import transactions_search


@pytest.fixture
def bank_and_orders(db):
    shops = [make_merchant() for _ in range(3)]
    start = timezone.now() - dt.timedelta(days=20)
    for i in range(9):
        make_transaction(
            shops[i % 3], order_id=f"CMD-20261012/{i:06d}", payment_at=start + dt.timedelta(hours=i)
        )
        make_transaction(shops[i % 3], order_id=f"OTHER-{i}", payment_at=timezone.now())
    # Two rows at the same instant: the id breaks the tie.
    for _ in range(2):
        make_transaction(shops[0], order_id="CMD-20261012/999999", payment_at=start)
    return UserFactory(username="bank", is_bank_staff=True)


def _pages(user, query, size):
    rows, cursor, queries = [], "", []
    while True:
        with CaptureQueriesContext(connection) as captured:
            search = transactions_search(user=user, query=query, cursor=cursor, size=size)
        queries += [q["sql"] for q in captured.captured_queries]
        rows += [t.pk for t in search.page.rows]
        cursor = search.page.next_cursor
        if not cursor:
            return rows, queries, search


@pytest.mark.parametrize("query", [{"q": "CMD-20261012/"}, {"order_id": "CMD-20261012/"}])
def test_every_page_is_the_matches_newest_first(bank_and_orders, query, monkeypatch):
    from transactions import selectors

    # More shops than a small scope (SMALL_SCOPE), as bank staff's 2,000: no shop-by-shop read.
    monkeypatch.setattr(selectors, "small_scope_shop_ids", lambda **kwargs: None)
    expected = list(
        Transaction.objects.filter(order_id__startswith="CMD-20261012/")
        .order_by("-payment_at", "-id")
        .values_list("pk", flat=True)
    )

    rows, queries, last = _pages(bank_and_orders, query, size=4)

    assert rows == expected
    back = transactions_search(
        user=bank_and_orders, query=query, cursor=last.page.previous_cursor, size=4
    )
    assert [t.pk for t in back.page.rows] == expected[4:8]
    if connection.vendor == "postgresql":
        assert any("OFFSET 0) s ORDER BY" in sql for sql in queries)


def test_a_small_scope_keeps_its_shop_by_shop_read(bank_and_orders):
    """A merchant's few shops are read shop by shop (the partition), never fenced."""
    from tests.factories import grant

    shop = Transaction.objects.filter(order_id__startswith="CMD-").first().merchant
    user = UserFactory(username="consulter")
    grant(user, "CONSULTER", merchant=shop)

    rows, queries, _ = _pages(user, {"q": "CMD-20261012/"}, size=2)

    assert (
        len(rows) == Transaction.objects.filter(merchant=shop, order_id__startswith="CMD-").count()
    )
    assert not any("OFFSET 0) s ORDER BY" in sql for sql in queries)
