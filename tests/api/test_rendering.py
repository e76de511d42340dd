"""API answers rendered by core.api.represent: the serializer's own output, its fields built
once per process."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from core import api as core_api
from core.api import represent
from tests.factories import UserFactory, api_key, grant, make_merchant, make_transaction
from transactions.api import TransactionDetailSerializer, TransactionSerializer


class CountedTransactionSerializer(TransactionSerializer):
    built = 0

    def get_fields(self):
        type(self).built += 1
        return super().get_fields()


@pytest.mark.django_db
def test_represent_is_the_serializers_output_with_its_fields_built_once():
    shop = make_merchant()
    first, second = make_transaction(shop), make_transaction(shop, amount=2599)

    assert represent(CountedTransactionSerializer, first) == dict(TransactionSerializer(first).data)
    assert represent(CountedTransactionSerializer, second) == dict(
        TransactionSerializer(second).data
    )
    assert CountedTransactionSerializer.built == 1
    core_api._serializer.cache_clear()


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC), tick=False)
def test_the_api_detail_and_an_operations_answer_are_the_serializers_output():
    # 10:30 in Paris: outside the evening's remittance window.
    shop = make_merchant()
    user = UserFactory()
    grant(user, "OPERATOR", merchant=shop)
    t = make_transaction(shop, status="CAPTURED", captured_amount=5000, amount=5000)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    key = f"{shop.merchant_id}/{t.payment_date:%Y-%m-%d}/{t.transaction_id}"

    refund = client.post(f"/api/v1/transactions/{key}/refund/", {"amount": 100}, format="json")
    detail = client.get(f"/api/v1/transactions/{key}/")

    assert refund.status_code == 200, refund.content
    t.refresh_from_db()
    assert t.refunded_amount == 100
    assert refund.json()["transaction"] == _json(TransactionSerializer(t).data)
    assert detail.status_code == 200
    assert detail.json() == _json(TransactionDetailSerializer(t).data)
    assert [op["kind"] for op in detail.json()["operations"]] == ["CREDIT"]


def _json(data):
    """What the JSON renderer makes of serializer data (dates and decimals as strings)."""
    import json

    from rest_framework.renderers import JSONRenderer

    return json.loads(JSONRenderer().render(data))
