"""Tables that sort and page both ways (core.list_page): sortable headers for the indexed sorts
only, previous / next with a page indicator and a capped count, page sizes, and "back to the
search" returning to the very page the user left."""

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.http import QueryDict

from core.keyset import Page
from core.list_page import list_page, page_size_of, sort_headers
from operations.selectors import OPERATIONS
from tests.factories import UserFactory, grant, make_merchant, make_transaction
from transactions.selectors import TRANSACTIONS

PARIS = ZoneInfo("Europe/Paris")


def params(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_a_sorted_column_toggles_and_another_starts_descending():
    query = QueryDict("q=4711&cursor=abc&sort=-payment_at&page_size=50")

    headers = sort_headers(TRANSACTIONS, query, "-payment_at")

    assert set(headers) == {"payment_at", "amount"}
    assert headers["payment_at"].aria_sort == "descending"
    assert params(headers["payment_at"].url) == {
        "q": "4711",
        "sort": "payment_at",
        "page_size": "50",
    }
    assert headers["amount"].aria_sort == ""
    assert params(headers["amount"].url)["sort"] == "-amount"
    ascending = sort_headers(TRANSACTIONS, query, "amount")
    assert ascending["amount"].aria_sort == "ascending"
    assert params(ascending["amount"].url)["sort"] == "-amount"
    assert set(sort_headers(OPERATIONS, QueryDict(), "")) == {"created_at"}


def test_the_indicator_counts_rows_and_says_more_than_the_cap():
    page = Page(rows=list(range(50)), number=3, next_cursor="n", previous_cursor="p")
    pager = list_page(
        TRANSACTIONS, QueryDict("q=x&cursor=c"), page, size=50, count=1235, count_capped=False
    )

    assert (pager.first_row, pager.last_row) == (101, 150)
    assert params(pager.previous_url) == {"q": "x", "cursor": "p"}
    assert params(pager.first_url) == {"q": "x"}
    assert [(n, params(url), chosen) for n, url, chosen in pager.size_links] == [
        (25, {"q": "x", "page_size": "25"}, False),
        (50, {"q": "x", "page_size": "50"}, True),
        (100, {"q": "x", "page_size": "100"}, False),
    ]


def test_a_page_size_is_one_of_the_choices():
    assert page_size_of(None, default=50) == 50
    assert page_size_of("100", default=50) == 100
    assert page_size_of("7", default=50) is None
    assert page_size_of("1e3", default=50) is None


@pytest.fixture
def sixty(db):
    shop = make_merchant("014213245611111")
    user = UserFactory(username="consult", language="en")
    grant(user, "CONSULTER", merchant=shop)
    start = dt.datetime(2026, 11, 27, 8, tzinfo=PARIS)
    rows = [
        make_transaction(
            shop,
            transaction_id=f"{n:06d}",
            payment_at=start + dt.timedelta(minutes=n),
            amount=1000 + n,
        )
        for n in range(1, 61)
    ]
    return user, rows


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_page_three_then_previous_returns_page_two(client, sixty):
    user, _rows = sixty
    client.force_login(user)
    first = client.get("/transactions/", {"page_size": "25", "payment_means": "CB"})
    second = client.get(f"/transactions/{first.context['next_url']}")
    third = client.get(f"/transactions/{second.context['next_url']}")
    back = client.get(f"/transactions/{third.context['previous_url']}")

    assert [r.pk for r in back.context["page"].rows] == [r.pk for r in second.context["page"].rows]
    assert back.context["page_number"] == 2
    assert "Page 3" in _text(third) and "51–60 of 60" in _text(third)
    assert "26–50 of 60" in _text(back)
    assert 'data-testid="previous-page"' in _text(back)
    assert 'data-testid="previous-page"' not in _text(first)


def test_the_header_sorts_by_amount_and_toggles(client, sixty):
    user, rows = sixty
    client.force_login(user)
    listing = client.get("/transactions/", {"page_size": "25"})
    html = _text(listing)
    assert 'aria-sort="descending"' in html
    header = listing.context["pager"].headers["amount"]

    highest = client.get(f"/transactions/{header.url}")
    toggled = client.get(f"/transactions/{highest.context['pager'].headers['amount'].url}")

    assert highest.context["page"].rows[0].pk == rows[-1].pk
    assert toggled.context["page"].rows[0].pk == rows[0].pk
    assert 'aria-sort="ascending"' in _text(toggled)
    # Only the indexed sorts have a link.
    assert 'data-testid="sort-amount"' in html and 'data-testid="sort-status"' not in html


def test_back_to_the_search_returns_to_the_page_the_user_left(client, sixty):
    user, _rows = sixty
    client.force_login(user)
    second = client.get("/transactions/", {"page_size": "25", "cursor": "", "payment_means": "CB"})
    second = client.get(f"/transactions/{second.context['next_url']}")
    list_url = f"http://testserver/transactions/{second.context['next_url']}"
    third_rows = client.get(list_url).context["page"].rows
    list_query = urlsplit(list_url).query

    detail = client.get(third_rows[3].get_absolute_url(), headers={"referer": list_url})
    following = client.get(detail.context["next_url"])

    assert QueryDict(detail.context["search_url"][1:]) == QueryDict(list_query)
    assert QueryDict(following.context["search_url"][1:]) == QueryDict(list_query)
    back = client.get(f"/transactions/{following.context['search_url']}")
    assert back.context["page_number"] == 3
    assert [r.pk for r in back.context["page"].rows] == [r.pk for r in third_rows]


def test_the_pager_speaks_french(client, sixty):
    user, _rows = sixty
    user.language = "fr"
    user.save()
    client.force_login(user)

    first = client.get("/transactions/", {"page_size": "25"})
    second = _text(client.get(f"/transactions/{first.context['next_url']}"))

    assert "Page 2" in second and "26–50 sur 60" in second
    assert "Page précédente" in second and "Lignes par page" in second
