import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.urls import reverse

from core.keyset import count_capped, keyset_page
from tests.factories import UserFactory, grant, make_group, make_merchant, make_transaction
from transactions.models import Status
from transactions.selectors import TRANSACTIONS, transactions_visible_to

PARIS = ZoneInfo("Europe/Paris")


def at(day, hour=12, minute=0):
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=PARIS)


@pytest.fixture
def world(db):
    mine, other = make_merchant("014213245611111"), make_merchant("029800266211111")
    user = UserFactory(username="consult", language="en")
    grant(user, "CONSULTER", merchant=mine)
    t = {
        "a": make_transaction(
            mine,
            transaction_id="000123",
            payment_at=at(10, 9),
            amount=1250,
            customer_email="camille@example.fr",
            order_id="CMD-1",
            customer_id="C1",
        ),
        "b": make_transaction(
            mine,
            transaction_id="000124",
            payment_at=at(12, 23, 30),  # 23:30 Paris on the 12th: the 12th, not the 13th
            amount=99_00,
            status=Status.REFUSED,
            payment_means="VISA",
            card_number="4539.07",
            currency_code="840",
        ),
        "c": make_transaction(
            mine,
            transaction_id="000123",
            payment_at=at(20, 8),
            amount=500,
            status=Status.TO_VALIDATE,
            capture_mode="VALIDATION",
            automatic_response_status="SENT",
            order_id="CMD-3",
        ),
        "outside": make_transaction(
            other,
            transaction_id="000123",
            payment_at=at(10, 9),
            amount=1250,
            customer_email="camille@example.fr",
            order_id="CMD-1",
        ),
    }
    return {"user": user, "mine": mine, "other": other, **t}


def ids(response):
    return {
        (r.merchant.merchant_id, r.transaction_id, r.payment_date)
        for r in response.context["page"].rows
    }


def key(t):
    return (t.merchant.merchant_id, t.transaction_id, t.payment_date)


@pytest.fixture
def client_in(client, world):
    client.force_login(world["user"])
    return client


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"a", "b", "c"}),
        ({"transaction_id": "123"}, {"a", "c"}),
        ({"transaction_id": "000124"}, {"b"}),
        ({"merchant_id": "014213245611111"}, {"a", "b", "c"}),
        ({"merchant_id": "029800266211111"}, set()),  # outside scope: never widened
        ({"payment_date_from": "2026-11-12"}, {"b", "c"}),
        ({"payment_date_to": "2026-11-12"}, {"a", "b"}),
        ({"payment_date_from": "2026-11-12", "payment_date_to": "2026-11-12"}, {"b"}),
        ({"status": ["REFUSED", "TO_VALIDATE"]}, {"b", "c"}),
        ({"status": "TO_CAPTURE"}, {"a"}),
        # An amount is in one currency (EUR unless chosen): 99.00 USD is not "from 12.50".
        ({"amount_min": "12.50"}, {"a"}),
        ({"amount_min": "12.50", "currency_code": "840"}, {"b"}),
        ({"amount_max": "12.50"}, {"a", "c"}),
        ({"amount_min": "12.50", "amount_max": "12.50"}, {"a"}),
        ({"currency_code": "840"}, {"b"}),
        ({"payment_means": "VISA"}, {"b"}),
        ({"card_first_digits": "4539"}, {"b"}),
        ({"card_last_digits": "12"}, {"a", "c"}),
        ({"customer_id": "C1"}, {"a"}),
        ({"customer_email": "camille@example.fr"}, {"a"}),
        ({"order_id": "CMD-3"}, {"c"}),
        ({"response_code": "05"}, {"b"}),
        ({"capture_mode": "VALIDATION"}, {"c"}),
        ({"automatic_response_status": "SENT"}, {"c"}),
        ({"origin": "FEED"}, {"a", "b", "c"}),
        ({"origin": "DUPLICATION"}, set()),
        # Combined, AND.
        ({"transaction_id": "123", "payment_date_from": "2026-11-15"}, {"c"}),
        ({"status": ["TO_CAPTURE", "REFUSED"], "amount_max": "20"}, {"a"}),
        ({"payment_means": "CB", "card_last_digits": "12", "order_id": "CMD-1"}, {"a"}),
    ],
)
def test_each_criterion_filters_alone_and_combined_within_scope(client_in, world, query, expected):
    response = client_in.get("/transactions/", query)

    assert response.status_code == 200
    assert ids(response) == {key(world[name]) for name in expected}


def test_amounts_are_read_as_the_user_types_them_in_french(client, world):
    world["user"].language = "fr"
    world["user"].save()
    client.force_login(world["user"])

    response = client.get("/transactions/", {"amount_min": "12,50", "amount_max": "12,50"})

    assert ids(response) == {key(world["a"])}


@pytest.mark.parametrize(
    "query",
    [
        {"transaction_id": "1234567"},
        {"transaction_id": "12a"},
        {"merchant_id": "shop-1"},
        {"payment_date_from": "2026-13-45"},
        {"payment_date_from": "2026-11-20", "payment_date_to": "2026-11-10"},
        {"status": "PAID"},
        {"amount_min": "12,50"},  # in English, "12,50" is not an amount
        {"amount_min": "-3"},
        {"amount_min": "30", "amount_max": "10"},
        {"currency_code": "EUR"},
        {"card_first_digits": "45"},
        {"card_last_digits": "abc"},
        {"order_id": "CMD;1"},
        {"response_code": "7"},
        {"capture_mode": "NOW"},
        {"sort": "customer_email"},  # not an indexed column: not sortable
        {"page_size": "1000"},
        {"cursor": "garbage"},
    ],
)
def test_bad_inputs_give_form_errors_never_a_500(client_in, query):
    response = client_in.get("/transactions/", query)

    assert response.status_code == 400
    assert b'role="alert"' in response.content
    assert response.context.get("page") is None


def test_number_search_with_or_without_zeros_opens_a_unique_match(client_in, world):
    for typed in ("124", "000124"):
        response = client_in.get("/transactions/find/", {"transaction_id": typed})

        assert response.status_code == 302
        assert response["Location"] == "/transactions/014213245611111/2026-11-12/000124/"


def test_number_search_with_several_matches_lists_them(client_in, world):
    response = client_in.get("/transactions/find/", {"transaction_id": "123"}, follow=True)

    assert ids(response) == {key(world["a"]), key(world["c"])}


def test_number_search_with_a_date_narrows_to_one_and_opens_it(client_in, world):
    response = client_in.get(
        "/transactions/find/", {"transaction_id": "123", "payment_date": "2026-11-20"}
    )

    assert response["Location"] == "/transactions/014213245611111/2026-11-20/000123/"


def test_number_search_never_opens_a_transaction_outside_scope(client_in, world):
    response = client_in.get(
        "/transactions/find/", {"transaction_id": "123", "payment_date": "2026-11-10"}
    )

    assert response["Location"] == "/transactions/014213245611111/2026-11-10/000123/"


@pytest.mark.parametrize("typed", ["", "12345678", "abc"])
def test_bad_number_gives_a_form_error(client_in, typed):
    response = client_in.get("/transactions/find/", {"transaction_id": typed})

    assert response.status_code == 400
    assert response.context["number_form"].errors


def transactions_page(scope, *, shop_ids, **options):
    """A page of the transaction lists' keyset, read shop by shop when shop_ids are given."""
    partition = None if shop_ids is None else ("merchant_id", shop_ids)
    return keyset_page(scope, TRANSACTIONS, partition=partition, **options)


@pytest.mark.parametrize("by_shop", [False, True])
def test_keyset_pages_return_every_row_exactly_once_while_new_rows_arrive(world, by_shop):
    shop = world["mine"]
    second = make_merchant()
    grant(world["user"], "CONSULTER", merchant=second)
    shop_ids = [shop.pk, second.pk] if by_shop else None
    base = at(1, 0)
    for n in range(57):
        # Same payment time in pairs: the id breaks ties.
        make_transaction(shop if n % 3 else second, payment_at=base + dt.timedelta(minutes=n // 2))
    scope = transactions_visible_to(user=world["user"])
    before = set(scope.values_list("pk", flat=True))
    seen, cursor, pages = [], "", 0
    while True:
        page = transactions_page(scope, cursor=cursor, size=10, shop_ids=shop_ids)
        seen += [row.pk for row in page.rows]
        pages += 1
        # New payments keep arriving while the merchant pages through.
        make_transaction(shop, payment_at=at(27, 10) + dt.timedelta(minutes=pages))
        make_transaction(shop, payment_at=at(5, 10) + dt.timedelta(seconds=pages))
        if not page.next_cursor:
            break
        cursor = page.next_cursor

    assert len(seen) == len(set(seen))
    assert before <= set(seen)


@pytest.mark.parametrize("by_shop", [False, True])
@pytest.mark.parametrize("sort", ["-payment_at", "payment_at", "-amount", "amount"])
def test_keyset_pages_follow_each_sort_without_gaps(world, sort, by_shop):
    second = make_merchant()
    grant(world["user"], "CONSULTER", merchant=second)
    shop_ids = [world["mine"].pk, second.pk] if by_shop else None
    for n in range(23):
        make_transaction(
            world["mine"] if n % 2 else second,
            amount=100 + n % 5,
            payment_at=at(2) + dt.timedelta(hours=n),
        )
    scope = transactions_visible_to(user=world["user"])
    column = sort.lstrip("-")
    expected = list(
        scope.order_by(
            *((f"-{column}", "-id") if sort.startswith("-") else (column, "id"))
        ).values_list("pk", flat=True)
    )
    seen, cursor = [], ""
    while True:
        page = transactions_page(scope, sort=sort, cursor=cursor, size=7, shop_ids=shop_ids)
        seen += [row.pk for row in page.rows]
        if not page.next_cursor:
            break
        cursor = page.next_cursor

    assert seen == expected


def test_count_is_exact_below_the_cap_and_capped_above(world):
    scope = transactions_visible_to(user=world["user"])

    assert count_capped(scope, cap=10) == 3
    assert count_capped(scope, cap=2) == 3  # cap + 1: "more than 2"


def test_the_list_says_more_than_the_cap_instead_of_counting_everything(
    client_in, world, monkeypatch
):
    monkeypatch.setattr("transactions.selectors.COUNT_CAP", 2)

    response = client_in.get("/transactions/")

    assert "More than 2 transactions" in response.content.decode()


def test_the_next_page_link_carries_the_filters(client_in, world):
    for n in range(30):
        make_transaction(
            world["mine"], payment_means="AMEX", payment_at=at(3) + dt.timedelta(minutes=n)
        )

    first = client_in.get("/transactions/", {"payment_means": "AMEX"})
    second = client_in.get("/transactions/" + first.context["next_url"])

    assert len(first.context["page"].rows) == 25
    assert len(second.context["page"].rows) == 5
    assert {r.payment_means for r in second.context["page"].rows} == {"AMEX"}
    assert not set(ids(first)) & set(ids(second))


@pytest.mark.parametrize("size", [25, 50, 100])
def test_a_list_page_makes_a_constant_number_of_queries(
    client_in, world, django_assert_num_queries, size
):
    for n in range(120):
        make_transaction(world["mine"], payment_at=at(4) + dt.timedelta(minutes=n))

    # session, user, scope's shop ids, count (capped), the page (shops joined), the layout's
    # shop list.
    with django_assert_num_queries(6):
        response = client_in.get("/transactions/", {"page_size": size, "status": "TO_CAPTURE"})

    assert len(response.context["page"].rows) == size


@pytest.mark.parametrize("size", [25, 100])
def test_a_list_page_over_several_shops_merges_them_in_a_constant_number_of_queries(
    client, world, django_assert_num_queries, size
):
    shops = [world["mine"], *(make_merchant() for _ in range(3))]
    user = UserFactory(username="group-user")
    group = make_group("Chain", *shops)
    grant(user, "CONSULTER", group=group)
    for n in range(160):
        make_transaction(shops[n % 4], payment_at=at(4) + dt.timedelta(minutes=n * 7 % 160))
    client.force_login(user)
    expected = list(
        transactions_visible_to(user=user)
        .order_by("-payment_at", "-id")
        .values_list("pk", flat=True)
    )

    # As above, plus one on PostgreSQL: the shops' first rows merged (UNION ALL), then fetched.
    with django_assert_num_queries(7 if connection.vendor == "postgresql" else 6):
        first = client.get("/transactions/", {"page_size": size})
    second = client.get("/transactions/" + first.context["next_url"])

    assert [r.pk for r in first.context["page"].rows] == expected[:size]
    assert [r.pk for r in second.context["page"].rows] == expected[size : 2 * size]


def test_amounts_are_formatted_per_currency_and_language(client, world):
    make_transaction(world["mine"], currency_code="392", amount=1050, transaction_id="000777")
    client.force_login(world["user"])

    page = client.get("/transactions/", {"currency_code": "392"}).content.decode()
    assert "¥1,050" in page
    world["user"].language = "fr"
    world["user"].save()
    page = client.get("/transactions/", {"transaction_id": "124"}).content.decode()
    assert "99,00\xa0$" in page


def test_search_needs_a_login(client, db):
    assert client.get(reverse("transactions:list")).status_code == 302
