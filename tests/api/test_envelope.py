"""One error envelope for the whole API (core/api.py): every route, given bad input, answers
{"response_code", "message", "errors"?} with plain strings, and the schema says so."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from golive.models import GoLiveRequest
from merchants.models import Merchant
from operations.models import Operation
from tests.factories import UserFactory, api_key, grant, make_merchant, make_transaction
from transactions.models import Status

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)
SHOP = "014213245611111"
KEY = f"{SHOP}/2026-11-26/1"


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def clients(db):
    shop = make_merchant(SHOP)
    make_transaction(
        shop,
        transaction_id="000001",
        payment_at=NOW - dt.timedelta(hours=1),
        status=Status.CAPTURED,
        captured_amount=10000,
        amount=10000,
    )
    admin = UserFactory(username="envelope-admin", language="en")
    grant(admin, "USER_ADMIN", merchant=shop)
    grant(admin, "OPERATOR", merchant=shop)
    bank = UserFactory(username="envelope-bank", is_bank_staff=True, language="en")
    feeder = UserFactory(username="envelope-feed", is_payment_server=True)
    out = {}
    for name, user in (("person", admin), ("bank", bank), ("feed", feeder)):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
        out[name] = client
    return out


# (who, method, path, body, HTTP status, response code, the fields named in "errors")
BAD_INPUT = [
    ("person", "get", "/api/v1/transactions/?payment_date_to=31-12-2026", None, 400, "12",
     {"payment_date_to"}),
    ("person", "get", "/api/v1/transactions/?page_size=0", None, 400, "12", {"page_size"}),
    ("person", "get", "/api/v1/transactions/?cursor=x", None, 400, "12", {"cursor"}),
    ("person", "get", "/api/v1/operations/?date_from=yesterday", None, 400, "12", {"date_from"}),
    ("person", "get", "/api/v1/operations/?page_size=abc", None, 400, "12", {"page_size"}),
    ("person", "get", "/api/v1/operations/?sort=amount", None, 400, "12", {"sort"}),
    ("person", "get", "/api/v1/remittances/?date=2026-13-01", None, 400, "12", {"date"}),
    ("person", "get", "/api/v1/remittances/?cursor=x", None, 400, "12", {"cursor"}),
    ("person", "get", "/api/v1/journals/?date=9999-99-99", None, 400, "12", {"date"}),
    ("person", "get", "/api/v1/journals/?page_size=501", None, 400, "12", {"page_size"}),
    ("person", "get", "/api/v1/shops/?environment=LIVE", None, 400, "12", set()),
    ("person", "get", "/api/v1/shops/000000000000000/", None, 404, "25", set()),
    ("person", "get", f"/api/v1/transactions/{SHOP}/2026-11-26/999999/", None, 404, "25", set()),
    ("person", "get", "/api/v1/journals/999999/download/", None, 404, "25", set()),
    ("person", "post", f"/api/v1/transactions/{KEY}/refund/", {"amount": "10,50"}, 400, "12",
     {"amount"}),
    ("person", "post", f"/api/v1/transactions/{KEY}/validate/", {"amount": True}, 400, "12",
     {"amount"}),
    ("person", "post", f"/api/v1/transactions/{KEY}/cancel/", {}, 400, "12", {"amount"}),
    ("person", "post", f"/api/v1/transactions/{KEY}/duplicate/", {"capture_day": "2"}, 400, "12",
     {"amount", "transaction_id", "capture_day"}),
    ("person", "post", f"/api/v1/transactions/{KEY}/refund/", {"amount": 100, "origin": 7}, 400,
     "12", {"origin"}),
    ("person", "post", f"/api/v1/transactions/{KEY}/refund/", [1, 2], 400, "12",
     {"non_field_errors"}),
    ("person", "post", f"/api/v1/shops/{SHOP}/go-live/", {"environment": "LIVE", "date": "x"},
     400, "12", {"environment", "date"}),
    ("person", "post", f"/api/v1/shops/{SHOP}/go-live/", {"when": "x"}, 400, "12", {"when"}),
    ("bank", "patch", f"/api/v1/shops/{SHOP}/", {"journal_email": "nope"}, 400, "12",
     {"journal_email"}),
    ("bank", "patch", f"/api/v1/shops/{SHOP}/", {"is_active": "perhaps"}, 400, "12",
     {"is_active"}),
    ("bank", "post", f"/api/v1/shops/{SHOP}/go-live/GOLIVE/refuse/", {"reason": ["a"]}, 400, "12",
     {"reason"}),
    ("feed", "post", "/api/v1/transactions/", {"merchant_id": SHOP}, 400, "30", set()),
    ("feed", "get", "/api/v1/transactions/", None, 403, "40", set()),
    (None, "get", "/api/v1/operations/", None, 401, "40", set()),
]  # fmt: skip


@pytest.mark.parametrize(
    ("who", "method", "path", "body", "http", "code", "fields"),
    BAD_INPUT,
    ids=[f"{m.upper()} {p}" for _w, m, p, *_rest in BAD_INPUT],
)
def test_every_route_answers_bad_input_in_the_one_envelope(
    clients, who, method, path, body, http, code, fields
):
    client = clients[who] if who else APIClient()
    if "GOLIVE" in path:
        pending = GoLiveRequest.objects.create(
            merchant=Merchant.objects.get(merchant_id=SHOP),
            from_environment="DEMO",
            environment="PRE_PRODUCTION",
            switch_date=NOW.date() + dt.timedelta(days=7),
            requested_at=NOW,
        )
        path = path.replace("GOLIVE", str(pending.pk))
    operations_before = Operation.objects.count()

    if body is None:
        response = getattr(client, method)(path)
    else:
        response = getattr(client, method)(path, body, format="json")

    answer = response.json()
    assert (response.status_code, answer["response_code"]) == (http, code), answer
    assert set(answer) <= {"response_code", "message", "errors"}
    assert isinstance(answer["message"], str) and answer["message"]
    assert "ErrorDetail" not in response.content.decode()
    if fields:
        assert set(answer["errors"]) == fields
        for messages in answer["errors"].values():
            assert messages and all(isinstance(m, str) and m for m in messages)
    else:
        assert "errors" not in answer
    # A refused operation is recorded (the operations list shows it), nothing else is done.
    refused_operation = method == "post" and path.startswith(f"/api/v1/transactions/{KEY}/")
    assert Operation.objects.count() == operations_before + refused_operation


def test_the_schema_describes_the_envelope_as_every_operations_error(clients):
    schema = clients["person"].get("/api/v1/schema/?format=json").json()

    envelope = schema["components"]["schemas"]["Error"]
    assert set(envelope["required"]) == {"response_code", "message"}
    assert "errors" in envelope["properties"]
    reference = {"$ref": "#/components/schemas/Error"}
    operations = [
        operation
        for path in schema["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "responses" in operation
    ]
    assert len(operations) >= 15
    for operation in operations:
        errors = {c: r for c, r in operation["responses"].items() if c.startswith("4")}
        assert "400" in errors and "404" in errors, operation["operationId"]
        for response in errors.values():
            assert response["content"]["application/json"]["schema"] == reference
