"""The whole Sips 1.0 payment response, as the payment server forwards it, through the feed:
every field stored and checked to its format; codes checked against annexes E, F, K, T; contracts
and currencies per shop (docs/sips.md); code meanings shown in both languages."""

import datetime as dt

import pytest
from django.utils import translation

from merchants.models import PaymentMeans
from tests.factories import UserFactory, grant, make_merchant, make_transaction
from transactions import sips_codes
from transactions.models import Status, Transaction

URL = "/api/v1/transactions/"


def sips_response(**overrides):
    """A complete Sips 1.0 response, every field the programmer's guide lists, plus 3-D Secure."""
    body = {
        "merchant_id": "014213245611111",
        "merchant_country": "fr",
        "transaction_id": "102030",
        "amount": "2500",
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
        "payment_certificate": "123456789012",
        "complementary_code": "00",
        "complementary_info": "ok",
        "payment_date": "20261126",
        "payment_time": "143005",
        "transmission_date": "20261126132955",
        "customer_id": "C0001",
        "customer_email": "camille@example.fr",
        "customer_ip_address": "192.0.2.10",
        "order_id": "CMD-42",
        "order_validity": "10",
        "caddie": "panier de 3 articles",
        "data": "NB_PAYMENT=3;PERIOD=30",
        "return_context": "session=abc",
        "receipt_complement": "<b>Merci</b>",
        "language": "fr",
        "merchant_language": "fr",
        "transaction_condition": "3D_SUCCESS",
        "security_indicator": "25",
        "mpi_cavv": "AAABBEg0VhI0VniQEjRWAAAAAAA=",
        "mpi_cavv_algorithm": "2",
        "mpi_eci": "05",
        "mpi_tx_status": "Y",
        "mpi_xid": "MDAwMDAwMDAwMDAwMDAwMDAwMDE=",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def post(feed_client, **overrides):
    return feed_client.post(URL, sips_response(**overrides), format="json")


def refused(response, code, message):
    assert response.status_code in (400, 409), response.json()
    assert response.json() == {"response_code": code, "message": message}
    assert not Transaction.objects.exists()


def test_a_whole_sips_response_is_accepted_and_every_field_stored_typed(feed_client, shop):
    response = post(feed_client)

    assert response.status_code == 201, response.json()
    t = Transaction.objects.get()
    assert (t.merchant_country, t.language, t.merchant_language) == ("fr", "fr", "fr")
    assert t.payment_certificate == "123456789012"
    assert t.data == "NB_PAYMENT=3;PERIOD=30"
    assert t.receipt_complement == "<b>Merci</b>"
    assert t.order_validity == "10"
    assert t.transaction_condition == "3D_SUCCESS"
    assert (t.security_indicator, t.mpi_eci, t.mpi_tx_status) == ("25", "05", "Y")
    assert t.mpi_cavv_algorithm == "2" and t.mpi_xid.startswith("MDAw")
    # transmission_date is GMT (data dictionary).
    assert t.transmission_at == dt.datetime(2026, 11, 26, 13, 29, 55, tzinfo=dt.UTC)
    assert response.json()["transaction"]["transaction_condition"] == "3D_SUCCESS"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("transaction_condition", "4D_SUCCESS", "ERROR IN CALL PARAMETERS STRUCTURE "
         "(transaction_condition)"),
        ("payment_certificate", "1234567890123", "ERROR PARAMETER "
         "(payment_certificate=1234567890123) TOO LONG"),
        ("language", "xx", "ERROR IN CALL PARAMETERS STRUCTURE (language)"),
        ("merchant_country", "us", "ERROR IN CALL PARAMETERS STRUCTURE (merchant_country)"),
        ("transmission_date", "20261399000000", "ERROR IN CALL PARAMETERS STRUCTURE "
         "(transmission_date)"),
        ("security_indicator", "07", "ERROR IN CALL PARAMETERS STRUCTURE (security_indicator)"),
        ("mpi_tx_status", "Z", "ERROR IN CALL PARAMETERS STRUCTURE (mpi_tx_status)"),
        ("order_validity", "1a", "ERROR IN CALL PARAMETERS STRUCTURE (order_validity)"),
        ("automatic_response_status", "SENT", "INVALID KEYWORD IN PARAMETER "
         "(automatic_response_status=SENT)"),
    ],
)  # fmt: skip
def test_each_response_field_is_checked_to_its_format(feed_client, shop, field, value, message):
    refused(post(feed_client, **{field: value}), "30", message)


@pytest.mark.parametrize("means", ["DINERS", "FINAREF", "COFINOGA", "BANCONTACTMISTERCASH"])
def test_annexe_e_means_are_accepted_when_the_shop_has_their_contract(feed_client, means):
    make_merchant("014213245611111", contracts={means: "978"})
    overrides = {"payment_means": means, "cvv_flag": None, "cvv_response_code": None}

    response = post(feed_client, **overrides)

    assert response.status_code == 201, response.json()
    assert Transaction.objects.get().payment_means == means


def test_a_means_without_contract_is_answered_03_contrat_inexistant(feed_client, shop):
    refused(
        post(feed_client, payment_means="AMEX", cvv_flag=None, cvv_response_code=None),
        "03",
        "Contrat de vente à distance inexistant (payment_means=AMEX)",
    )


def test_a_currency_outside_the_contract_is_an_invalid_transaction_12(feed_client, shop):
    refused(post(feed_client, currency_code="840"), "12", "Invalid Transaction (currency_code=840)")

    PaymentMeans.objects.filter(merchant=shop, means="CB").update(currencies="978 840")
    assert post(feed_client, currency_code="840").status_code == 201


def test_a_refused_payment_without_means_needs_a_currency_of_some_contract(feed_client, shop):
    bare = {"payment_means": None, "card_number": None, "cvv_flag": None}
    bare.update({"cvv_response_code": None, "response_code": "05", "bank_response_code": "05"})
    refused(post(feed_client, currency_code="392", **bare), "12", "Invalid Transaction "
            "(currency_code=392)")  # fmt: skip
    assert post(feed_client, **bare).status_code == 201


@pytest.mark.parametrize("amount", ["5", "0", "000", "05", 7])
def test_an_amount_is_3_to_12_digits_and_not_zero(feed_client, shop, amount):
    refused(post(feed_client, amount=amount), "30", "ERROR IN CALL PARAMETERS STRUCTURE (amount)")


def test_ten_cents_is_written_010(feed_client, shop):
    assert post(feed_client, amount="010").status_code == 201
    assert Transaction.objects.get().amount == 10


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"cvv_flag": "7"}, "ERROR IN CALL PARAMETERS STRUCTURE (cvv_flag)"),
        ({"cvv_response_code": "4X"}, "ERROR IN CALL PARAMETERS STRUCTURE (cvv_response_code)"),
        ({"response_code": "77"}, "ERROR IN CALL PARAMETERS STRUCTURE (response_code)"),
        ({"response_code": "94"}, "ERROR IN CALL PARAMETERS STRUCTURE (response_code)"),
        ({"bank_response_code": "77"}, "ERROR IN CALL PARAMETERS STRUCTURE "
         "(bank_response_code=77)"),
        ({"bank_response_code": "05"}, "ERROR IN CALL PARAMETERS STRUCTURE "
         "(response_code=00 with bank_response_code=05)"),
        ({"bank_response_code": "05", "cvv_response_code": "4E"}, "ERROR IN CALL PARAMETERS "
         "STRUCTURE (response_code=00 with bank_response_code=05)"),
        ({"cvv_response_code": "4E"}, "ERROR IN CALL PARAMETERS STRUCTURE "
         "(response_code=00 with cvv_response_code=4E)"),
        ({"response_code": "02", "bank_response_code": "51"}, "ERROR IN CALL PARAMETERS "
         "STRUCTURE (response_code=02 with bank_response_code=51)"),
    ],
)  # fmt: skip
def test_codes_follow_annexes_f_k_t(feed_client, shop, overrides, message):
    refused(post(feed_client, **overrides), "30", message)


def test_cvv_flag_2_is_for_cb_visa_mastercard_only_and_amex_has_no_cvv_answer(feed_client):
    make_merchant("014213245611111", contracts={"AMEX": "978", "FINAREF": "978"})

    refused(
        post(feed_client, payment_means="AMEX", cvv_flag="2", cvv_response_code=None),
        "30",
        "ERROR IN CALL PARAMETERS STRUCTURE (cvv_flag=2 with payment_means=AMEX)",
    )
    refused(
        post(feed_client, payment_means="AMEX", cvv_flag="1", cvv_response_code="4D"),
        "30",
        "ERROR IN CALL PARAMETERS STRUCTURE (cvv_response_code=4D with payment_means=AMEX)",
    )
    # Finaref's own approval codes (annexe F, table 3) accept a payment.
    response = post(
        feed_client,
        payment_means="FINAREF",
        cvv_flag="9",
        cvv_response_code=None,
        bank_response_code="80",
    )
    assert response.status_code == 201, response.json()


def test_a_refusal_combining_bank_05_and_cvv_4e_is_stored_refused(feed_client, shop):
    response = post(
        feed_client, response_code="05", bank_response_code="05", cvv_response_code="4E"
    )

    assert response.status_code == 201, response.json()
    assert Transaction.objects.get().status == Status.REFUSED


@pytest.mark.parametrize(
    ("mode", "status", "captured"),
    [("IMMEDIATE", Status.CAPTURED, 2500), ("PAYMENT_N", Status.TO_CAPTURE, 0)],
)
def test_the_dictionary_capture_modes_are_accepted(feed_client, shop, mode, status, captured):
    response = post(feed_client, capture_mode=mode)

    assert response.status_code == 201, response.json()
    t = Transaction.objects.get()
    assert (t.capture_mode, t.status, t.captured_amount) == (mode, status, captured)


def test_a_bulk_with_a_means_without_contract_stores_nothing(feed_client, shop):
    items = [sips_response(), sips_response(transaction_id="2", payment_means="JCB",
                                            cvv_flag=None, cvv_response_code=None)]  # fmt: skip

    response = feed_client.post(URL, items, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "index": 1,
            "response_code": "03",
            "message": "Contrat de vente à distance inexistant (payment_means=JCB)",
        }
    ]
    assert not Transaction.objects.exists()


# ---------------------------------------------------------------- meanings in both languages


@pytest.fixture
def consulter(shop):
    user = UserFactory(username="camille")
    grant(user, "CONSULTER", merchant=shop)
    return user


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", ["Ne pas honorer", "Numéro de contrôle incorrect", "Autorisation refusée"]),
        ("en", ["Do not honour", "Incorrect control number", "Authorisation refused"]),
    ],
)
def test_the_detail_page_shows_code_meanings_in_the_users_language(
    client, shop, consulter, language, expected
):
    consulter.language = language
    consulter.save()
    t = make_transaction(
        shop, status=Status.REFUSED, bank_response_code="05", cvv_response_code="4E"
    )
    client.force_login(consulter)

    page = client.get(t.get_absolute_url()).content.decode()

    for meaning in expected:
        assert meaning in page


def test_the_api_gives_code_meanings_in_the_requests_language(shop, consulter):
    from rest_framework.test import APIClient

    t = make_transaction(shop, status=Status.REFUSED, bank_response_code="51")
    api = APIClient()
    api.force_authenticate(consulter)
    url = f"/api/v1/transactions/{shop.merchant_id}/{t.payment_date}/{t.transaction_id}/"

    french = api.get(url, HTTP_ACCEPT_LANGUAGE="fr").json()["labels"]
    english = api.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["labels"]

    assert french["bank_response_code"] == "Provision insuffisante ou crédit dépassé"
    assert english["bank_response_code"] == "Insufficient funds or credit exceeded"
    assert english["response_code"] == "Authorisation refused"


def test_amex_bank_code_02_means_a_ceiling_exceeded_not_contact_the_issuer():
    with translation.override("en"):
        assert sips_codes.bank_response_label("02", "AMEX") == "Ceiling exceeded"
        assert sips_codes.bank_response_label("02", "CB") == "Contact the card issuer"


def test_search_filters_by_bank_and_cvv_codes_with_their_meanings(client, shop, consulter):
    make_transaction(shop, order_id="ORDER-51", bank_response_code="51", status=Status.REFUSED)
    make_transaction(shop, order_id="ORDER-00", bank_response_code="00", cvv_response_code="4D")
    client.force_login(consulter)

    by_bank = client.get("/transactions/", {"bank_response_code": "51"}).content.decode()
    by_cvv = client.get("/transactions/", {"cvv_response_code": "4D"}).content.decode()

    assert "ORDER-51" in by_bank and "ORDER-00" not in by_bank
    assert "ORDER-00" in by_cvv and "ORDER-51" not in by_cvv
    assert "51 · Provision insuffisante ou crédit dépassé" in by_bank
