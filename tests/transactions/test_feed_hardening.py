"""The feed keeps full card numbers and formulas out, and never echoes what it refuses."""

import logging

import pytest
import time_machine

from core.pan import contains_pan
from operations.models import Operation
from tests.transactions.test_feed import URL, payload
from transactions.models import Transaction

# 4974012345678901 (the review's example) fails the Luhn check; its Luhn-valid neighbour:
PAN = "4974012345678907"
FREE_TEXT = [
    "order_id",
    "customer_id",
    "caddie",
    "complementary_info",
    "return_context",
    "customer_email",
    "customer_ip_address",
]


@pytest.mark.parametrize(
    "text",
    [PAN, "4974 0123 4567 8907", "4974-0123-4567-8907", "x4974012345678907y", "378282246310005"],
)
def test_a_luhn_valid_run_of_13_to_19_digits_is_a_card_number(text):
    assert contains_pan(text)


@pytest.mark.parametrize(
    "text",
    [
        "4974012345678901",
        "123456",
        "CMD-2026-11-27-0042",
        "014213245611111x",
        "",
        "12345678901234567897",
    ],
)
def test_other_digits_are_not_a_card_number(text):
    assert not contains_pan(text)


@pytest.mark.parametrize("field", FREE_TEXT)
@pytest.mark.parametrize("pan", [PAN, "4974 0123 4567 8907"])
def test_a_card_number_in_any_free_text_field_is_refused_and_never_echoed(
    feed_client, shop, caplog, field, pan
):
    value = f"ref {pan}" if field not in ("customer_ip_address",) else pan.replace(" ", "")
    caplog.set_level(logging.DEBUG)

    response = feed_client.post(URL, payload(**{field: value}), format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["response_code"] == "30"
    assert body["message"] == f"ERROR IN CALL PARAMETERS STRUCTURE ({field} holds a card number)"
    assert pan not in response.content.decode()
    assert pan not in caplog.text and pan.replace(" ", "") not in caplog.text
    assert not Transaction.objects.exists()


def test_a_misspelt_key_never_echoes_a_card_number(feed_client, shop, caplog):
    caplog.set_level(logging.DEBUG)

    response = feed_client.post(URL, payload(cardnumber=PAN), format="json")

    assert response.status_code == 400
    assert response.json()["message"] == "INVALID KEYWORD IN PARAMETER (cardnumber)"
    assert PAN not in caplog.text


def test_a_misspelt_key_echoes_a_short_value_only(feed_client, shop):
    long_value = feed_client.post(URL, payload(toto="a-rather-long-secret"), format="json")
    short_value = feed_client.post(URL, payload(toto="12"), format="json")
    pan_key = feed_client.post(URL, payload(**{PAN: "1"}), format="json")

    assert long_value.json()["message"] == "INVALID KEYWORD IN PARAMETER (toto)"
    assert short_value.json()["message"] == "INVALID KEYWORD IN PARAMETER (toto=12)"
    assert pan_key.json()["message"] == "INVALID KEYWORD IN PARAMETER (?=1)"


def test_a_too_long_value_is_named_but_not_repeated_when_long(feed_client, shop):
    response = feed_client.post(URL, payload(caddie="x" * 2049), format="json")

    assert response.json()["message"] == "ERROR PARAMETER (caddie) TOO LONG"


@pytest.mark.parametrize("field", ["order_id", "customer_id", "return_context"])
@pytest.mark.parametrize("first", ["=", "+", "-", "@"])
def test_a_journal_field_starting_with_a_formula_sign_is_refused(feed_client, shop, field, first):
    response = feed_client.post(URL, payload(**{field: f"{first}2+5"}), format="json")

    assert response.status_code == 400
    assert response.json()["message"] == (
        f"ERROR IN CALL PARAMETERS STRUCTURE ({field} starts with {first})"
    )
    assert not Transaction.objects.exists()


@pytest.mark.parametrize("value", ["\t=1", "\r=1", "a\tb"])
def test_tabs_and_carriage_returns_are_refused_in_free_text(feed_client, shop, value):
    response = feed_client.post(URL, payload(customer_email=value), format="json")

    assert response.status_code == 400


@pytest.mark.parametrize(
    "overrides",
    [
        {"payment_date": "00010101"},
        {"payment_date": "99991231", "capture_day": "5"},
        {"payment_date": "99991231"},
        {"payment_date": "19991231"},
        {"payment_date": "29991231", "capture_mode": "VALIDATION", "capture_day": "99"},
    ],
)
def test_a_payment_date_outside_the_searchable_range_is_refused(feed_client, shop, overrides):
    response = feed_client.post(URL, payload(**overrides), format="json")

    assert response.status_code == 400
    assert response.json()["message"] == "ERROR IN CALL PARAMETERS STRUCTURE (payment_date)"
    assert not Transaction.objects.exists()


def test_a_duplicate_with_a_card_number_as_its_new_id_stores_no_echo(db):
    from operations.services import OperationRefused, transaction_duplicate
    from tests.factories import UserFactory, grant, make_merchant, make_transaction
    from tests.operations.conftest import NOW
    from transactions.models import Status

    shop = make_merchant()
    operator = UserFactory(username="dup-operator")
    grant(operator, "OPERATOR", merchant=shop)
    src = make_transaction(shop, status=Status.CAPTURED, captured_amount=10000)

    # A stated morning, out of the remittance window (no operation then).
    with time_machine.travel(NOW, tick=True), pytest.raises(OperationRefused):
        transaction_duplicate(
            transaction=src, amount=100, new_transaction_id=PAN, user=operator, channel="WEB"
        )

    message = Operation.objects.get(transaction=src).message
    assert message == "ERROR PARAMETER (transaction_id) TOO LONG"
    assert PAN not in message
