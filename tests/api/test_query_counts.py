"""The API lists cost a fixed number of queries per page, the first and the following (the same
numbers as before they shared core/keyset.py and the search selectors)."""

import pytest
from rest_framework.test import APIClient

from operations.models import Operation
from tests.factories import UserFactory, api_key, grant, make_merchant, make_transaction


@pytest.fixture
def api(db):
    shop, second = make_merchant("014213245611111"), make_merchant("029800266211111")
    user = UserFactory(username="counted")
    grant(user, "OPERATOR", merchant=shop)
    grant(user, "OPERATOR", merchant=second)
    for n in range(12):
        t = make_transaction(shop if n % 2 else second)
        Operation.objects.create(
            transaction=t,
            merchant=t.merchant,
            kind="CREDIT",
            amount=1,
            currency_code="978",
            response_code="00",
            status_before="CAPTURED",
            status_after="TO_CREDIT",
            channel="API",
        )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


# path → queries per page: token, (transactions: the small scope's shops, the per-shop merge,
# the rows), the page.
@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/api/v1/transactions/?page_size=5", 4),
        ("/api/v1/operations/?page_size=5", 2),
        ("/api/v1/journals/", 2),
        ("/api/v1/remittances/", 2),
    ],
)
def test_an_api_list_page_makes_a_fixed_number_of_queries(
    api, path, queries, django_assert_max_num_queries
):
    api.get(path)  # warm: content types, caches
    with django_assert_max_num_queries(queries):
        first = api.get(path).json()
    if first["next"]:
        with django_assert_max_num_queries(queries):
            api.get(first["next"])


def test_an_api_refund_makes_four_queries_besides_its_transaction(db, django_assert_num_queries):
    """Token, the row locked by its key (with the operate right), its update, the Operation;
    BEGIN/COMMIT or their savepoints around the three last (docs/benchmarks.md). At a stated
    morning: inside the evening's remittance window an operation is refused (503)."""
    import time_machine

    from tests.operations.conftest import NOW, in_status

    with time_machine.travel(NOW, tick=True):
        _an_api_refund_makes_four_queries(django_assert_num_queries, in_status)


def _an_api_refund_makes_four_queries(django_assert_num_queries, in_status):
    shop = make_merchant("014213245611111")
    user = UserFactory(username="refunder")
    grant(user, "OPERATOR", merchant=shop)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    first, second = (in_status(shop, "CAPTURED") for _ in range(2))

    def refund(t):
        path = f"/api/v1/transactions/{shop.merchant_id}/{t.payment_date:%Y-%m-%d}/"
        return client.post(f"{path}{t.transaction_id}/refund/", {"amount": 100}, format="json")

    assert refund(first).status_code == 200  # warm: the token's last use recorded
    with django_assert_num_queries(6) as captured:
        assert refund(second).status_code == 200
    statements = [q["sql"].split()[0] for q in captured.captured_queries]
    assert [s for s in statements if s in ("SELECT", "UPDATE", "INSERT")] == [
        "SELECT", "SELECT", "UPDATE", "INSERT",
    ]  # fmt: skip
