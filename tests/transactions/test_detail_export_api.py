import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from rest_framework.test import APIClient

from operations.models import Operation
from tests.factories import UserFactory, api_key, grant, make_merchant, make_transaction
from transactions.exports import export_build
from transactions.models import ExportStatus, Status, TransactionExport

PARIS = ZoneInfo("Europe/Paris")


def at(day, hour=12):
    return dt.datetime(2026, 11, day, hour, tzinfo=PARIS)


@pytest.fixture
def world(db):
    mine, other = make_merchant("014213245611111"), make_merchant("029800266211111")
    consulter = UserFactory(username="consult", language="en", email="consult@shop.test")
    operator = UserFactory(username="op", language="en")
    grant(consulter, "CONSULTER", merchant=mine)
    grant(operator, "OPERATOR", merchant=mine)
    captured = make_transaction(
        mine,
        transaction_id="000123",
        payment_at=at(10),
        amount=5000,
        status=Status.CAPTURED,
        captured_amount=5000,
        refunded_amount=1000,
        caddie="panier=3 articles",
        return_context="session=42",
        customer_email="camille@example.fr",
    )
    Operation.objects.create(
        transaction=captured,
        merchant=mine,
        kind="DEBIT_CAPTURE",
        amount=5000,
        currency_code="978",
        response_code="00",
        status_before="TO_CAPTURE",
        status_after="CAPTURED",
        channel="BATCH",
    )
    Operation.objects.create(
        transaction=captured,
        merchant=mine,
        kind="CREDIT",
        amount=1000,
        currency_code="978",
        response_code="00",
        status_before="CAPTURED",
        status_after="CAPTURED",
        channel="WEB",
        user=operator,
    )
    outside = make_transaction(other, transaction_id="000123", payment_at=at(10))
    return {
        "mine": mine,
        "consulter": consulter,
        "operator": operator,
        "t": captured,
        "outside": outside,
    }


DETAIL = "/transactions/014213245611111/2026-11-10/123/"


def test_the_detail_shows_the_fields_history_and_amounts_left(client, world):
    client.force_login(world["consulter"])

    response = client.get(DETAIL)

    page = response.content.decode()
    assert response.status_code == 200
    for text in ("panier=3 articles", "session=42", "camille@example.fr", "4974.12", "€50.00"):
        assert text in page
    assert [op.kind for op in response.context["operations"]] == ["DEBIT_CAPTURE", "CREDIT"]
    assert "op" in page and "Nightly batch" in page
    assert ("Left to refund", 4000) in response.context["amounts_left"]
    assert 'data-testid="actions"' not in page  # a consulter gets no operation buttons


def test_an_operator_gets_one_button_per_possible_operation_with_its_maximum(client, world):
    client.force_login(world["operator"])

    # A weekday morning in Paris: outside the remittance window, when no button is offered.
    with time_machine.travel(dt.datetime(2026, 11, 12, 10, tzinfo=ZoneInfo("Europe/Paris"))):
        response = client.get("/transactions/014213245611111/2026-11-10/000123/")

    page = response.content.decode()
    assert 'href="/transactions/014213245611111/2026-11-10/000123/credit/"' in page
    assert "up to €40.00" in page
    assert '/validate/"' not in page and '/cancel/"' not in page
    assert '/duplicate/"' in page


def test_the_detail_outside_scope_is_not_found(client, world):
    client.force_login(world["consulter"])

    assert client.get("/transactions/029800266211111/2026-11-10/000123/").status_code == 404
    assert client.get("/transactions/014213245611111/2026-02-30/000123/").status_code == 404


def _csv(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body), delimiter=";"))


def test_the_csv_export_holds_exactly_the_rows_of_the_list_and_nothing_outside_scope(client, world):
    for n in range(40):
        make_transaction(world["mine"], payment_at=at(11) + dt.timedelta(minutes=n), amount=100 + n)
    make_transaction(world["mine"], payment_at=at(11), payment_means="AMEX")
    client.force_login(world["consulter"])
    query = {"payment_means": "CB", "amount_max": "1.30"}

    listed, cursor = [], ""
    while True:
        page = client.get(
            "/transactions/", {**query, "page_size": 25, **({"cursor": cursor} if cursor else {})}
        )
        listed += [
            (r.merchant.merchant_id, r.transaction_id, f"{r.payment_date:%d/%m/%Y}")
            for r in page.context["page"].rows
        ]
        if not page.context["next_url"]:
            break
        cursor = page.context["next_url"].split("cursor=")[1].split("&")[0]
    response = client.get("/transactions/export.csv", query)
    rows = _csv(response)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert rows[0][:4] == ["merchant_id", "transaction_id", "payment_date", "payment_time"]
    exported = [(r[0], r[1], r[2]) for r in rows[1:]]
    assert exported == listed
    assert len(exported) == 31
    header = rows[0]
    # For people, in the user's language (English): currency letters, amounts as written.
    assert {r[header.index("currency_code")] for r in rows[1:]} == {"EUR"}
    assert {r[header.index("amount")] for r in rows[1:]} == {f"1.{n:02d}" for n in range(31)}
    # Paris time of day, newest first (12:00 Paris + 30 minutes for the newest CB one).
    assert rows[1][header.index("payment_time")] == "12:30:00"
    assert rows[1][header.index("payment_date")] == "11/11/2026"


def test_the_csv_export_of_everything_never_reaches_outside_scope(client, world):
    client.force_login(world["consulter"])

    rows = _csv(client.get("/transactions/export.csv"))

    assert [r[0] for r in rows[1:]] == ["014213245611111"]


def test_a_bad_export_query_is_a_form_error(client, world):
    client.force_login(world["consulter"])

    response = client.get("/transactions/export.csv", {"amount_min": "douze"})

    assert response.status_code == 400


def test_over_the_limit_the_export_becomes_a_job_for_its_owner_only(
    client, world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("transactions.views.EXPORT_SYNC_MAX", 0)
    client.force_login(world["consulter"])
    queued = []
    monkeypatch.setattr(
        "transactions.tasks.transactions_export_build.delay", lambda **kw: queued.append(kw)
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/transactions/export.csv", {"payment_means": "CB"})

    export = TransactionExport.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/transactions/exports/{export.pk}/"
    )
    assert queued == [{"export_id": export.pk}]
    assert 'data-testid="progress"' in client.get(response["Location"]).content.decode()
    client.force_login(world["operator"])
    assert client.get(f"/transactions/exports/{export.pk}/").status_code == 404


def test_a_built_export_is_downloadable_by_its_owner_until_it_expires(
    client, world, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    export = TransactionExport.objects.create(
        owner=world["consulter"],
        query="payment_means=CB",
        rows_expected=1,
        base_url="http://testserver",
    )
    now = dt.datetime(2026, 11, 27, 9, tzinfo=dt.UTC)

    export_build(export_id=export.pk, now=now)

    export.refresh_from_db()
    assert export.status == ExportStatus.DONE and export.rows_done == 1
    assert mail.outbox[0].to == ["consult@shop.test"]
    assert f"http://testserver/transactions/exports/{export.pk}/" in mail.outbox[0].body
    client.force_login(world["operator"])
    assert client.get(f"/transactions/exports/{export.pk}/download/").status_code == 404
    with pytest.MonkeyPatch.context() as mp:
        # Each visit logs in on the clock of its moment (sessions end after 15 idle minutes).
        mp.setattr("django.utils.timezone.now", lambda: now + dt.timedelta(hours=1))
        client.force_login(world["consulter"])
        download = client.get(f"/transactions/exports/{export.pk}/download/")
        assert download.status_code == 200
        assert b"".join(download.streaming_content).decode().count("\r\n") == 2
        mp.setattr("django.utils.timezone.now", lambda: now + dt.timedelta(days=3))
        client.force_login(world["consulter"])
        assert client.get(f"/transactions/exports/{export.pk}/download/").status_code == 410


# --- API -------------------------------------------------------------------------------------


def api_for(user):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return api


def test_api_search_filters_within_scope_with_cursor_pages(world):
    for n in range(7):
        make_transaction(world["mine"], payment_at=at(12) + dt.timedelta(minutes=n), amount=700)
    api = api_for(world["consulter"])

    first = api.get("/api/v1/transactions/", {"amount_min": 700, "amount_max": 700, "page_size": 5})
    second = api.get(first.json()["next"])

    assert first.status_code == 200
    assert len(first.json()["results"]) == 5
    assert len(second.json()["results"]) == 2 and second.json()["next"] is None
    everything = api.get("/api/v1/transactions/", {"transaction_id": "123"}).json()["results"]
    assert [(t["merchant_id"], t["transaction_id"]) for t in everything] == [
        ("014213245611111", "000123")
    ]


@pytest.mark.parametrize(
    ("params", "count"),
    [
        ({"card_number": "4974.12"}, 1),
        ({"card_number": "4974"}, 1),
        ({"card_number": ".13"}, 0),
        ({"status": "CAPTURED"}, 1),
        ({"payment_date_from": "2026-11-11"}, 0),
        ({"merchant_id": "014213245611111", "customer_email": "camille@example.fr"}, 1),
        ({"merchant_id": "029800266211111"}, 0),
    ],
)
def test_api_search_criteria(world, params, count):
    body = api_for(world["consulter"]).get("/api/v1/transactions/", params).json()

    assert len(body["results"]) == count


@pytest.mark.parametrize(
    "params",
    [
        {"amount_min": "12.5"},
        {"payment_date_from": "10/11/2026"},
        {"page_size": 501},
        {"cursor": "x"},
        {"status": "PAID"},
    ],
)
def test_api_bad_parameters_answer_code_12(world, params):
    response = api_for(world["consulter"]).get("/api/v1/transactions/", params)

    assert response.status_code == 400
    assert response.json()["response_code"] == "12"


def test_the_payment_server_may_feed_but_not_read(world, payment_server):
    api = api_for(payment_server)

    assert api.get("/api/v1/transactions/").status_code == 403
    assert api.get("/api/v1/transactions/014213245611111/2026-11-10/123/").status_code == 403


def test_a_merchant_user_cannot_feed(world):
    assert (
        api_for(world["consulter"]).post("/api/v1/transactions/", {}, format="json").status_code
        == 403
    )


def test_api_detail_with_operations_and_not_found_outside_scope(world):
    api = api_for(world["consulter"])

    body = api.get("/api/v1/transactions/014213245611111/2026-11-10/123/").json()
    outside = api.get("/api/v1/transactions/029800266211111/2026-11-10/000123/")

    assert body["transaction_id"] == "000123"
    assert [(o["kind"], o["user"]) for o in body["operations"]] == [
        ("DEBIT_CAPTURE", None),
        ("CREDIT", "op"),
    ]
    assert outside.status_code == 404 and outside.json()["response_code"] == "25"


def test_the_openapi_schema_describes_the_search(client, db):
    schema = client.get("/api/v1/schema/").content.decode()

    assert "payment_date_from" in schema and "/api/v1/transactions/{merchant_id}" in schema
