"""The evening remittance as a record: its totals and lines, the Remises page, its CSV and API,
the operations journal's totals, and the merchant's origin carried everywhere."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from rest_framework.test import APIClient

from journals.services import journal_build
from operations.models import Operation, Remittance
from operations.services import remittance_run, transaction_refund
from tests.factories import UserFactory, api_key, grant, make_merchant
from tests.operations.conftest import NOW, in_status, paris, shop_in
from transactions.models import Status

EVENING = paris(2026, 11, 26, 22)


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel(NOW, tick=True):
        yield


def api_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


def refund_url(t):
    return (f"/api/v1/transactions/{t.merchant.merchant_id}/{t.payment_date:%Y-%m-%d}/"
            f"{t.transaction_id}/credit/")  # fmt: skip


def test_a_partial_refund_is_credited_at_the_remittance_and_reconciles_everywhere(
    merchant, operator
):
    t = in_status(merchant, Status.CAPTURED)
    sale = in_status(merchant, Status.TO_CAPTURE, amount=4200, capture_date=NOW.date())
    response = api_for(operator).post(
        refund_url(t), {"amount": 3000, "origin": "SAV-42"}, format="json"
    )
    assert response.status_code == 200, response.json()

    remittance_run(run_date=NOW.date(), now=EVENING)

    t.refresh_from_db()
    assert (t.status, t.refunded_amount, t.credited_amount) == (Status.CAPTURED, 3000, 3000)
    record = Remittance.objects.get(merchant=merchant, remittance_date=NOW.date())
    assert (record.currency_code, record.sent_to_bank) == ("978", False)  # a DEMO shop
    assert (record.debit_count, record.debit_amount) == (1, 4200)
    assert (record.credit_count, record.credit_amount) == (1, 3000)
    lines = {(o.kind, o.transaction_id, o.amount) for o in record.lines.all()}
    assert lines == {("DEBIT_CAPTURE", sale.pk, 4200), ("CREDIT_CAPTURE", t.pk, 3000)}

    journal, _ = journal_build(
        merchant_pk=merchant.pk, kind="OPERATIONS", journal_date=dt.date(2026, 11, 27),
        now=paris(2026, 11, 27, 4),
    )  # fmt: skip
    rows = journal.content.splitlines()
    assert any(";CREDIT;3000;978;00;API;SAV-42;CAPTURED;TO_CREDIT;operator;" in r for r in rows)
    assert any(";CREDIT_CAPTURE;3000;978;00;BATCH;;TO_CREDIT;CAPTURED;" in r for r in rows)
    assert rows[-4:] == [
        "SUM;978;DEBIT_CAPTURE;1;4200",
        "SUM;978;CREDIT_CAPTURE;1;3000",
        "SUM;978;CREDIT;1;3000",
        "TOTAL;3",
    ]


@pytest.mark.parametrize(
    "environment,sent", [("DEMO", False), ("PRE_PRODUCTION", False), ("PRODUCTION", True)]
)
def test_only_a_production_remittance_is_sent_to_a_bank(db, environment, sent):
    shop = shop_in(environment)
    in_status(shop, Status.TO_CAPTURE, capture_date=NOW.date())

    remittance_run(run_date=NOW.date(), now=EVENING)

    assert Remittance.objects.get(merchant=shop).sent_to_bank is sent


def test_one_record_per_currency_never_a_figure_mixing_them(merchant):
    in_status(merchant, Status.TO_CAPTURE, capture_date=NOW.date(), amount=1000)
    in_status(merchant, Status.TO_CAPTURE, capture_date=NOW.date(), amount=2000,
              currency_code="840")  # fmt: skip

    remittance_run(run_date=NOW.date(), now=EVENING)

    records = Remittance.objects.filter(merchant=merchant).order_by("currency_code")
    assert [(r.currency_code, r.debit_count, r.debit_amount) for r in records] == [
        ("840", 1, 2000), ("978", 1, 1000),
    ]  # fmt: skip


@pytest.fixture
def two_shops(merchant, operator):
    other = make_merchant(merchant_id="029800266211111")
    for shop in (merchant, other):
        in_status(shop, Status.TO_CAPTURE, capture_date=NOW.date(), amount=1234)
    remittance_run(run_date=NOW.date(), now=EVENING)
    return merchant, other


def test_the_remittances_page_lists_the_users_shops_and_drills_down(client, operator, two_shops):
    mine, other = two_shops
    client.force_login(operator)

    page = client.get("/remittances/").content.decode()

    assert mine.merchant_id in page and other.merchant_id not in page
    record = Remittance.objects.get(merchant=mine)
    detail = client.get(f"/remittances/{record.pk}/").content.decode()
    t = record.lines.get().transaction
    assert t.get_absolute_url() in detail and "12,34" in detail
    other_record = Remittance.objects.get(merchant=other)
    assert client.get(f"/remittances/{other_record.pk}/").status_code == 404
    assert client.get("/remittances/?date=26/11/2026").status_code == 400


def test_the_remittances_csv_holds_the_users_shops_only(client, operator, two_shops):
    mine, _other = two_shops
    client.force_login(operator)

    page = client.get("/remittances/", {"date": "2026-11-26"}).content.decode()
    response = client.get("/remittances/csv/", {"date": "2026-11-26"})
    same = client.get("/remittances/", {"export": "csv", "date": "2026-11-26"})

    assert 'href="/remittances/csv/?date=2026-11-26"' in page
    body = b"".join(response.streaming_content).decode()
    assert b"".join(same.streaming_content).decode() == body
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff")), delimiter=";"))
    assert rows == [
        ["merchant_id", "date", "currency_code", "debit_count", "debit_amount", "credit_count",
         "credit_amount", "sent_to_bank"],
        [mine.merchant_id, "2026-11-26", "978", "1", "1234", "0", "0", "no"],
    ]  # fmt: skip


def test_the_remittances_api_by_date(operator, two_shops):
    mine, _other = two_shops
    api = api_for(operator)

    body = api.get("/api/v1/remittances/", {"date": "2026-11-26"}).json()
    empty = api.get("/api/v1/remittances/", {"date": "2026-11-25"}).json()
    bad = api.get("/api/v1/remittances/", {"date": "yesterday"})

    assert [
        {k: r[k] for k in ("merchant_id", "date", "currency_code", "debit_count", "debit_amount",
                           "credit_count", "credit_amount", "sent_to_bank")}
        for r in body["results"]
    ] == [{"merchant_id": mine.merchant_id, "date": "2026-11-26", "currency_code": "978",
           "debit_count": 1, "debit_amount": 1234, "credit_count": 0, "credit_amount": 0,
           "sent_to_bank": False}]  # fmt: skip
    assert empty["results"] == []
    assert (bad.status_code, bad.json()["response_code"]) == (400, "12")


@pytest.mark.parametrize(
    "origin,message",
    [
        ("A" * 21, f"ERROR PARAMETER (origin={'A' * 21}) TOO LONG"),
        ("caisse;1", "ERROR IN CALL PARAMETERS STRUCTURE (origin)"),
        ("=HYPERLINK(1)", "ERROR IN CALL PARAMETERS STRUCTURE (origin starts with =)"),
        (12, "ERROR IN CALL PARAMETERS STRUCTURE (origin)"),
    ],
)
def test_a_bad_origin_is_refused_in_sips_wording_and_changes_nothing(
    merchant, operator, origin, message
):
    t = in_status(merchant, Status.CAPTURED)

    response = api_for(operator).post(refund_url(t), {"amount": 100, "origin": origin},
                                      format="json")  # fmt: skip

    assert (response.status_code, response.json()["response_code"]) == (400, "12")
    assert response.json()["message"] == message
    t.refresh_from_db()
    assert (t.status, t.refunded_amount) == (Status.CAPTURED, 0)
    assert Operation.objects.get(transaction=t).response_code == "12"


def test_the_origin_shows_in_the_operations_list_and_its_csv_beside_the_channel(
    client, merchant, operator
):
    t = in_status(merchant, Status.CAPTURED)
    transaction_refund(transaction=t, amount=100, user=operator, channel="API",
                       origin="BORNE-7", now=NOW)  # fmt: skip
    viewer = UserFactory(username="viewer")
    grant(viewer, "CONSULTER", merchant=merchant)
    client.force_login(viewer)

    page = client.get("/operations/").content.decode()
    body = b"".join(client.get("/operations/", {"export": "csv"}).streaming_content).decode(
        "utf-8-sig"
    )

    assert "BORNE-7" in page
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    channel, origin = rows[0].index("channel"), rows[0].index("origin")
    assert (rows[1][channel], rows[1][origin]) == ("API", "BORNE-7")


def test_each_pending_refund_is_one_credit_line_less_what_was_withdrawn(merchant, operator):
    from operations.services import transaction_cancel

    t = in_status(merchant, Status.CAPTURED)
    for amount in (1000, 2000, 3000):
        transaction_refund(transaction=t, amount=amount, user=operator, channel="WEB", now=NOW)
    transaction_cancel(transaction=t, amount=3500, user=operator, channel="WEB", now=NOW)

    remittance_run(run_date=NOW.date(), now=EVENING)

    sent = Operation.objects.filter(transaction=t, kind="CREDIT_CAPTURE").order_by("id")
    assert [o.amount for o in sent] == [1000, 1500]  # the newest withdrawn first
    t.refresh_from_db()
    assert (t.status, t.refunded_amount, t.credited_amount) == (Status.CAPTURED, 2500, 2500)
    record = Remittance.objects.get(merchant=merchant)
    assert (record.credit_count, record.credit_amount) == (2, 2500)

    transaction_refund(
        transaction=t, amount=400, user=operator, channel="WEB", now=NOW.replace(day=27)
    )
    remittance_run(run_date=NOW.date().replace(day=27), now=paris(2026, 11, 27, 22))
    assert [o.amount for o in Operation.objects.filter(transaction=t, kind="CREDIT_CAPTURE")
            .order_by("id")] == [1000, 1500, 400]  # fmt: skip
