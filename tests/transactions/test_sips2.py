"""Sips 2.0 automatic responses in: POST /sips/v2/response/ with Data, Seal, Encode,
InterfaceVersion, keyVersion (and SealAlgorithm), sealed with the shop's secret key."""

import base64
import hashlib
import hmac
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from merchants.models import AuditRecord, Merchant
from merchants.services import merchant_set_secret
from transactions.models import SipsRefusal, SipsResponse, Transaction

URL = "/sips/v2/response/"
SECRET = "002001000000001_KEY1-for-tests"
FULL_PAN = "4100123456789010"


@pytest.fixture
def shop(shop):
    return merchant_set_secret(merchant_pk=shop.pk, secret=SECRET, version=3)


def data(**overrides) -> str:
    fields = {
        "captureDay": "0",
        "captureMode": "AUTHOR_CAPTURE",
        "currencyCode": "978",
        "merchantId": "014213245611111",
        "orderChannel": "INTERNET",
        "responseCode": "00",
        "transactionDateTime": "2026-11-26T14:30:05+01:00",
        "transactionReference": "123456",
        "keyVersion": "3",
        "acquirerResponseCode": "00",
        "amount": "2500",
        "authorisationId": "A12345",
        "guaranteeIndicator": "Y",
        "cardCSCResultCode": "4D",
        "panExpiryDate": "202812",
        "paymentMeanBrand": "VISA",
        "paymentMeanType": "CARD",
        "customerIpAddress": "192.0.2.10",
        "maskedPan": "4100##########00",
        "returnContext": "session=abc",
        "holderAuthentStatus": "3D_SUCCESS",
        "orderId": "CMD-42",
        "customerId": "C0001",
        "customerEmail": "camille@example.fr",
        "mandateId": "null",
        "statementReference": "tx20261126",
    }
    fields.update(overrides)
    return "|".join(f"{k}={v}" for k, v in fields.items() if v is not None)


def hmac_seal(text: str, key: str = SECRET) -> str:
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


def sha_seal(text: str, key: str = SECRET) -> str:
    return hashlib.sha256((text + key).encode()).hexdigest()


def form(text=None, *, encode="", seal=None, key_version="3", algorithm=None, **fields):
    text = data(**fields) if text is None else text
    if encode == "base64":
        text = base64.b64encode(text.encode()).decode()
    elif encode == "base64url":
        text = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    body = {
        "Data": text,
        "Seal": seal if seal is not None else hmac_seal(text),
        "InterfaceVersion": "HP_2.20",
        "Encode": encode,
        "keyVersion": key_version,
    }
    if algorithm:
        body["SealAlgorithm"] = algorithm
    return body


def post(body):
    return Client().post(URL, body)


def refused(response, http_status, code, reason, message=None, count=1):
    assert response.status_code == http_status, response.json()
    assert response.json()["response_code"] == code
    if message:
        assert response.json()["message"] == message
    assert not Transaction.objects.exists()
    assert not SipsResponse.objects.exists()
    assert SipsRefusal.objects.get(reason=reason).count == count


def test_an_hmac_sealed_response_is_stored_and_answered_like_the_feed(shop):
    response = post(form(algorithm="HMAC-SHA-256"))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["response_code"] == "00"
    assert body["transaction"]["transaction_id"] == "123456"
    t = Transaction.objects.get()
    assert (t.amount, t.currency_code, t.payment_means) == (2500, "978", "VISA")
    assert t.card_number == "4100.00"
    assert (t.bank_response_code, t.cvv_response_code) == ("00", "4D")
    assert (t.holder_authent_status, t.guarantee_indicator) == ("3D_SUCCESS", "Y")
    assert (t.pan_expiry_date, t.payment_mean_type) == ("202812", "CARD")
    assert t.transaction_reference == "123456"
    assert str(t.payment_date) == "2026-11-26"
    kept = SipsResponse.objects.get()
    assert kept.transaction == t and kept.data == data()
    assert (kept.key_version, kept.seal_algorithm) == (3, "HMAC-SHA-256")


def test_the_historical_sha256_seal_is_accepted(shop):
    text = data()
    response = post(form(text, seal=sha_seal(text)))

    assert response.status_code == 201, response.json()
    assert SipsResponse.objects.get().seal_algorithm == "SHA-256"


@pytest.mark.parametrize("encode", ["base64", "base64url"])
def test_base64_data_is_decoded_and_its_seal_checked_as_posted(shop, encode):
    response = post(form(encode=encode, customerEmail="é@example.fr"))

    assert response.status_code == 201, response.json()
    assert Transaction.objects.get().customer_email == "é@example.fr"


def test_a_json_return_context_is_kept_as_sips_2_allows_it(shop):
    context = '{"reference": "S0042", "lang": "fr"}'

    response = post(form(returnContext=context))

    assert response.status_code == 201, response.json()
    assert Transaction.objects.get().return_context == context


def test_s10_transaction_id_wins_over_an_alphanumeric_reference(shop):
    response = post(form(transactionReference="ORDER2026ABC", s10TransactionId="42"))

    assert response.status_code == 201, response.json()
    t = Transaction.objects.get()
    assert (t.transaction_id, t.transaction_reference) == ("000042", "ORDER2026ABC")


def test_the_same_response_delivered_twice_is_stored_once(shop):
    body = form()

    first = post(body)
    second = post(body)

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["transaction"] == first.json()["transaction"]
    assert Transaction.objects.count() == 1 and SipsResponse.objects.count() == 1


def test_another_response_with_the_same_number_that_day_is_94(shop):
    assert post(form()).status_code == 201

    response = post(form(amount="3000"))

    assert response.status_code == 409
    assert response.json() == {"response_code": "94", "message": "Transaction already processed"}
    assert Transaction.objects.count() == 1


def test_a_wrong_seal_is_a_security_error_and_stores_nothing(shop):
    text = data()
    refused(
        post(form(text, seal=hmac_seal(text, "another-key-of-the-shop"))), 403, "63", "BAD_SEAL"
    )


def test_a_seal_of_the_other_algorithm_than_named_is_refused(shop):
    text = data()
    refused(post(form(text, seal=sha_seal(text), algorithm="HMAC-SHA-256")), 403, "63", "BAD_SEAL")


def test_a_tampered_data_is_refused(shop):
    body = form()
    body["Data"] = body["Data"].replace("amount=2500", "amount=25")
    refused(post(body), 403, "63", "BAD_SEAL")


def test_an_unknown_key_version_is_refused(shop):
    refused(post(form(key_version="2")), 403, "63", "UNKNOWN_KEY_VERSION")


def test_a_merchant_id_with_no_such_shop_is_refused(shop):
    refused(
        post(form(merchantId="999999999999999")),
        400,
        "03",
        "UNKNOWN_MERCHANT",
        "Invalid merchant (999999999999999)",
    )


def test_a_full_card_number_is_refused_never_echoed_nor_stored(shop, caplog):
    response = post(form(maskedPan=FULL_PAN))

    refused(response, 400, "30", "FORMAT_30", "ERROR IN CALL PARAMETERS STRUCTURE (maskedPan)")
    assert FULL_PAN not in response.content.decode()
    assert FULL_PAN not in caplog.text


def test_a_field_too_long_is_named_as_sips_2_names_it(shop):
    # Over 32 characters the value itself is not repeated (docs/security.md).
    refused(
        post(form(orderId="X" * 33)), 400, "30", "FORMAT_30", "ERROR PARAMETER (orderId) TOO LONG"
    )
    refused(
        post(form(authorisationId="A123456789Z")),
        400,
        "30",
        "FORMAT_30",
        "ERROR PARAMETER (authorisationId=A123456789Z) TOO LONG",
        count=2,
    )


def test_a_means_without_contract_is_03_as_in_the_feed(shop):
    refused(
        post(form(paymentMeanBrand="AMEX", cardCSCResultCode=None)),
        400,
        "03",
        "FORMAT_03",
        "Contrat de vente à distance inexistant (paymentMeanBrand=AMEX)",
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"Data": "merchantId=014213245611111", "Seal": ""},
        {"Data": "not base64 !", "Seal": "00", "Encode": "base64", "keyVersion": "3"},
        {"Data": "merchantId", "Seal": "00", "keyVersion": "3"},
    ],
)
def test_a_malformed_form_is_a_structure_error(shop, body):
    response = post(body)

    assert response.status_code == 400
    assert response.json()["response_code"] == "30"
    assert not Transaction.objects.exists()


def test_refusals_are_counted_per_reason_and_shop(shop):
    for _ in range(2):
        post(form(key_version="9"))

    counter = SipsRefusal.objects.get()
    assert (counter.reason, counter.merchant_id, counter.count) == (
        "UNKNOWN_KEY_VERSION",
        "014213245611111",
        2,
    )


# ---------------------------------------------------------------- the shop_secret command


def test_shop_secret_reads_the_key_on_stdin_and_sets_its_version(shop, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("a-new-secret-key-from-sips-2\n"))
    out = io.StringIO()

    call_command("shop_secret", "014213245611111", "--version", "7", stdout=out)

    assert "version 7" in out.getvalue()
    shop = Merchant.objects.get(pk=shop.pk)
    assert shop.secret_key_version == 7
    record = AuditRecord.objects.filter(object_id=str(shop.pk), action="ROTATE_SECRET").last()
    assert (record.old_value, record.new_value) == ("3", "7")
    assert "a-new-secret" not in record.new_value
    # Responses sealed with the new key and version are accepted.
    text = data(keyVersion="7")
    body = form(text, key_version="7", seal=hmac_seal(text, "a-new-secret-key-from-sips-2"))
    assert post(body).status_code == 201


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["000000000000000", "--version", "2"], "a-secret-long-enough-here\n"),
        (["014213245611111", "--version", "0"], "a-secret-long-enough-here\n"),
        (["014213245611111", "--version", "2"], "short\n"),
    ],
)
def test_shop_secret_refuses_an_unknown_shop_a_bad_version_or_a_short_key(
    shop, monkeypatch, args, stdin
):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))

    with pytest.raises(CommandError):
        call_command("shop_secret", *args, stdout=io.StringIO())

    assert Merchant.objects.get(pk=shop.pk).secret_key_version == 3
