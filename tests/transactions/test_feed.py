import datetime as dt
import logging

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from tests.factories import UserFactory, make_merchant
from transactions.feed import normalise_transaction_id
from transactions.models import Status, Transaction

URL = "/api/v1/transactions/"
FULL_PAN = "4974012345678901"


def payload(**overrides):
    body = {
        "merchant_id": "014213245611111",
        "transaction_id": "123456",
        "amount": "1050",
        "currency_code": "978",
        "capture_mode": "AUTHOR_CAPTURE",
        "capture_day": "0",
        "payment_means": "CB",
        "card_number": "4974.01",
        "response_code": "00",
        "bank_response_code": "00",
        "cvv_flag": "1",
        "cvv_response_code": "4D",
        "authorisation_id": "A12345",
        "complementary_code": "00",
        "payment_date": "20261126",
        "payment_time": "143005",
        "customer_id": "C0001",
        "customer_email": "camille@example.fr",
        "customer_ip_address": "192.0.2.10",
        "order_id": "CMD-42",
        "caddie": "panier de 3 articles",
        "return_context": "session=abc",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def test_a_valid_transaction_is_stored_and_answered_in_sips_names(feed_client, shop):
    response = feed_client.post(URL, payload(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["response_code"] == "00"
    assert body["transaction"]["transaction_id"] == "123456"
    assert body["transaction"]["status"] == "TO_CAPTURE"
    stored = Transaction.objects.get()
    assert stored.merchant == shop
    assert (stored.amount, stored.origin_amount, stored.currency_code) == (1050, 1050, "978")
    assert stored.payment_date == dt.date(2026, 11, 26)
    # 14:30:05 in Paris in November (UTC+1) is 13:30:05 UTC.
    assert stored.payment_at == dt.datetime(2026, 11, 26, 13, 30, 5, tzinfo=dt.UTC)
    assert stored.capture_date == dt.date(2026, 11, 26)
    assert stored.caddie == "panier de 3 articles"


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"capture_mode": "VALIDATION", "capture_day": "5"}, Status.TO_VALIDATE),
        ({"capture_mode": "AUTHOR_CAPTURE"}, Status.TO_CAPTURE),
        ({"response_code": "05", "bank_response_code": "51"}, Status.REFUSED),
    ],
)
def test_status_at_creation_follows_the_response_and_capture_mode(
    feed_client, shop, overrides, status
):
    response = feed_client.post(URL, payload(**overrides), format="json")

    assert response.status_code == 201
    assert Transaction.objects.get().status == status


def test_validation_deadline_is_payment_date_plus_capture_day(feed_client, shop):
    feed_client.post(URL, payload(capture_mode="VALIDATION", capture_day="5"), format="json")

    assert Transaction.objects.get().capture_date == dt.date(2026, 12, 1)


def test_a_summer_time_is_converted_with_the_summer_offset(feed_client, shop):
    feed_client.post(URL, payload(payment_date="20260715", payment_time="000500"), format="json")

    stored = Transaction.objects.get()
    assert stored.payment_at == dt.datetime(2026, 7, 14, 22, 5, tzinfo=dt.UTC)
    assert stored.payment_date == dt.date(2026, 7, 15)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"toto": "12"}, "INVALID KEYWORD IN PARAMETER (toto=12)"),
        ({"transaction_id": "1234567"}, "ERROR PARAMETER (transaction_id=1234567) TOO LONG"),
        ({"amount": "1234567890123"}, "ERROR PARAMETER (amount=1234567890123) TOO LONG"),
        ({"amount": "10.50"}, "ERROR IN CALL PARAMETERS STRUCTURE (amount)"),
        ({"amount": "-100"}, "ERROR IN CALL PARAMETERS STRUCTURE (amount)"),
        ({"amount": 10.5}, "ERROR IN CALL PARAMETERS STRUCTURE (amount)"),
        ({"currency_code": "999"}, "ERROR IN CALL PARAMETERS STRUCTURE (currency_code)"),
        ({"capture_mode": "LATER"}, "ERROR IN CALL PARAMETERS STRUCTURE (capture_mode)"),
        ({"payment_date": "20261131"}, "ERROR IN CALL PARAMETERS STRUCTURE (payment_date)"),
        ({"payment_time": "256000"}, "ERROR IN CALL PARAMETERS STRUCTURE (payment_time)"),
        ({"order_id": "CMD;42"}, "ERROR IN CALL PARAMETERS STRUCTURE (order_id)"),
        ({"customer_id": 'C"1'}, "ERROR IN CALL PARAMETERS STRUCTURE (customer_id)"),
        ({"return_context": "a|b"}, "ERROR IN CALL PARAMETERS STRUCTURE (return_context)"),
        ({"cvv_response_code": "ZZ"}, "ERROR IN CALL PARAMETERS STRUCTURE (cvv_response_code)"),
        ({"merchant_id": None}, "ERROR IN CALL PARAMETERS STRUCTURE (merchant_id not filled)"),
        ({"caddie": "x" * 2049}, "ERROR PARAMETER (caddie) TOO LONG"),
    ],
)
def test_each_bad_field_is_answered_in_sips_wording_and_stores_nothing(
    feed_client, shop, overrides, message
):
    response = feed_client.post(URL, payload(**overrides), format="json")

    assert response.status_code == 400
    assert response.json() == {"response_code": "30", "message": message}
    assert not Transaction.objects.exists()


def test_an_unknown_shop_is_answered_03(feed_client, shop):
    response = feed_client.post(URL, payload(merchant_id="999999999999999"), format="json")

    assert response.status_code == 400
    assert response.json()["response_code"] == "03"
    assert not Transaction.objects.exists()


def test_the_same_number_the_same_day_is_already_processed_but_accepted_the_next_day(
    feed_client, shop
):
    assert feed_client.post(URL, payload(), format="json").status_code == 201

    again = feed_client.post(URL, payload(amount="999"), format="json")
    assert again.status_code == 409
    assert again.json() == {"response_code": "94", "message": "Transaction already processed"}

    next_day = feed_client.post(URL, payload(payment_date="20261127"), format="json")
    assert next_day.status_code == 201
    assert Transaction.objects.count() == 2


def test_the_same_number_in_another_shop_is_accepted(feed_client, shop):
    make_merchant("029800266211111")
    feed_client.post(URL, payload(), format="json")

    other = feed_client.post(URL, payload(merchant_id="029800266211111"), format="json")

    assert other.status_code == 201


def test_123_and_000123_are_the_same_transaction_id(feed_client, shop):
    assert feed_client.post(URL, payload(transaction_id="123"), format="json").status_code == 201
    assert Transaction.objects.get().transaction_id == "000123"

    again = feed_client.post(URL, payload(transaction_id="000123"), format="json")

    assert again.status_code == 409
    assert again.json()["response_code"] == "94"
    assert normalise_transaction_id("123") == normalise_transaction_id("000123") == "000123"
    assert normalise_transaction_id(123) == "000123"


def test_a_json_number_is_read_like_the_digits(feed_client, shop):
    response = feed_client.post(URL, payload(transaction_id=42, amount=1050), format="json")

    assert response.status_code == 201
    assert Transaction.objects.get().transaction_id == "000042"


def test_bulk_stores_every_item(feed_client, shop):
    items = [payload(transaction_id=str(n)) for n in range(1, 201)]

    response = feed_client.post(URL, items, format="json")

    assert response.status_code == 201
    assert response.json()["count"] == 200
    assert Transaction.objects.filter(merchant=shop).count() == 200


def test_bulk_with_one_bad_item_stores_none_and_names_it(feed_client, shop):
    items = [payload(transaction_id=str(n)) for n in range(1, 6)]
    items[3]["amount"] = "12,50"

    response = feed_client.post(URL, items, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "index": 3,
            "response_code": "30",
            "message": "ERROR IN CALL PARAMETERS STRUCTURE (amount)",
        }
    ]
    assert not Transaction.objects.exists()


def test_bulk_with_a_number_twice_stores_none(feed_client, shop):
    items = [payload(transaction_id="1"), payload(transaction_id="2"), payload(transaction_id="01")]

    response = feed_client.post(URL, items, format="json")

    assert response.status_code == 409
    assert [e["index"] for e in response.json()["errors"]] == [2]
    assert not Transaction.objects.exists()


def test_bulk_over_the_limit_is_refused(feed_client, shop, settings):
    settings.FEED_BULK_MAX = 3
    response = feed_client.post(
        URL, [payload(transaction_id=str(n)) for n in range(4)], format="json"
    )

    assert response.status_code == 400
    assert not Transaction.objects.exists()


def test_a_full_card_number_is_refused_and_found_nowhere(feed_client, shop, caplog):
    caplog.set_level(logging.DEBUG)

    response = feed_client.post(URL, payload(card_number=FULL_PAN), format="json")
    spaced = feed_client.post(URL, payload(card_number="4974 0123 4567 8901"), format="json")

    for answer in (response, spaced):
        assert answer.status_code == 400
        assert answer.json() == {
            "response_code": "30",
            "message": "ERROR IN CALL PARAMETERS STRUCTURE (card_number)",
        }
        assert FULL_PAN not in answer.content.decode()
    assert FULL_PAN not in caplog.text
    assert "4567 8901" not in caplog.text
    assert not Transaction.objects.exists()
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    dump = _dump_database(tables)
    assert FULL_PAN not in dump


def _dump_database(tables):
    """Every value of every table, as text: where a leaked card number would be."""
    chunks = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_an_accepted_transaction_needs_its_card_and_means(feed_client, shop):
    response = feed_client.post(URL, payload(card_number=None), format="json")

    assert (
        response.json()["message"] == "ERROR IN CALL PARAMETERS STRUCTURE (card_number not filled)"
    )


def test_a_refused_transaction_may_come_without_a_card(feed_client, shop):
    response = feed_client.post(
        URL, payload(response_code="30", card_number=None, payment_means=None), format="json"
    )

    assert response.status_code == 201
    assert Transaction.objects.get().status == Status.REFUSED


def test_malformed_json_is_a_structure_error(feed_client, shop):
    response = feed_client.post(URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["response_code"] == "30"


def test_only_the_payment_server_may_feed(shop):
    merchant_user = UserFactory(username="operator")
    client = APIClient()
    client.force_authenticate(merchant_user)

    response = client.post(URL, payload(), format="json")

    assert response.status_code == 403
    assert response.json()["response_code"] == "40"
    assert not Transaction.objects.exists()


def test_an_anonymous_caller_is_refused(shop):
    response = APIClient().post(URL, payload(), format="json")

    assert response.status_code in (401, 403)
    assert not Transaction.objects.exists()


def test_api_token_command_prints_a_new_key_that_replaces_the_previous_one(payment_server, capsys):
    # Only a key's hash is stored: the command cannot print an old key, it makes a new one.
    call_command("api_token", "paymentserver")
    first = capsys.readouterr().out.strip()
    call_command("api_token", "paymentserver")
    second = capsys.readouterr().out.strip()

    assert first != second
    assert len(second) == 40
    make_merchant("014213245611111")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert client.post(URL, payload(), format="json").status_code == 201
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.post(URL, payload(transaction_id="2"), format="json").status_code == 401


# 23:30 in Paris on 27 November 2026: today is the 27th there, already the 28th east of Paris.
LATE_EVENING = dt.datetime(2026, 11, 27, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))


@pytest.mark.parametrize(
    ("payment_date", "accepted"),
    [("20261127", True), ("20261128", True), ("20261129", False), ("20301127", False)],
)
def test_a_payment_date_more_than_one_day_ahead_is_refused(
    feed_client, shop, payment_date, accepted
):
    with time_machine.travel(LATE_EVENING, tick=False):
        response = feed_client.post(URL, payload(payment_date=payment_date), format="json")

    if accepted:
        assert response.status_code == 201, response.json()
        assert Transaction.objects.get().payment_date.strftime("%Y%m%d") == payment_date
    else:
        assert response.status_code == 400
        assert response.json() == {
            "response_code": "30",
            "message": "ERROR IN CALL PARAMETERS STRUCTURE (payment_date)",
        }
        assert not Transaction.objects.exists()
