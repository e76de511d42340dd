"""The state table, cell by cell, through the services: each of the 13 Sips states × each of the
merchant's operations (Annexe N), allowed or refused with its code, nothing changed on a refusal.

The expected table is written here from docs/lifecycle.md's rules, not computed by the code under
test; the page's buttons and the API's possible operations must agree with it too.
"""

import datetime as dt
from pathlib import Path

import pytest

from operations.models import Operation
from operations.services import (
    OperationRefused,
    transaction_advice,
    transaction_cancel,
    transaction_duplicate,
    transaction_refund,
    transaction_validate,
)
from tests.operations.conftest import NOW, in_status
from transactions import lifecycle
from transactions.models import Status
from transactions.services import transactions_feed

S = Status
# state → {operation: the answer (00 accepted) and the state after}. Amount: 1000 of 10000.
EXPECTED = {
    S.TO_VALIDATE: {"VALIDATE": ("00", S.TO_CAPTURE), "CANCEL": ("00", S.TO_VALIDATE)},
    S.TO_REPLAY: {"VALIDATE": ("00", S.TO_CAPTURE), "CANCEL": ("00", S.TO_REPLAY)},
    S.TO_AUTHORIZE: {"CANCEL": ("00", S.TO_AUTHORIZE)},
    S.WAITING_AUTHOR: {},
    S.REFERRAL: {"CANCEL": ("00", S.REFERRAL), "ADVICE": ("00", S.TO_CAPTURE)},
    S.TO_CAPTURE: {"CANCEL": ("00", S.TO_CAPTURE)},
    S.CAPTURED: {"CREDIT": ("00", S.TO_CREDIT)},
    # in_status's TO_CREDIT is refunded in full: nothing left to refund (51), the pending
    # credit may be withdrawn.
    S.TO_CREDIT: {"CREDIT": ("51", S.TO_CREDIT), "CANCEL": ("00", S.TO_CREDIT)},
    S.CREDITED: {"CREDIT": ("51", S.CREDITED)},
    S.CANCELLED: {"CANCEL": ("51", S.CANCELLED)},
    S.EXPIRED: {},
    S.REFUSED: {},
    S.ENDED: {},
}
OPERATIONS = ("VALIDATE", "CANCEL", "CREDIT", "ADVICE")


def perform(kind, t, operator):
    common = {"transaction": t, "user": operator, "channel": "API", "now": NOW}
    if kind == "ADVICE":
        return transaction_advice(authorisation_id="TEL123", **common)
    service = {"VALIDATE": transaction_validate, "CANCEL": transaction_cancel,
               "CREDIT": transaction_refund}[kind]  # fmt: skip
    return service(amount=1000, **common)


def snapshot(t):
    t.refresh_from_db()
    return (t.status, t.amount, t.captured_amount, t.refunded_amount, t.credited_amount)


@pytest.mark.parametrize("kind", OPERATIONS)
@pytest.mark.parametrize("status", list(Status.values))
def test_every_cell_of_the_state_table(merchant, operator, status, kind):
    t = in_status(merchant, status)
    before = snapshot(t)
    code, after = EXPECTED[status].get(kind, ("24", status))
    # A button is offered exactly where the service accepts.
    offered = kind in lifecycle.operations_possible(t, now=NOW)

    try:
        op = perform(kind, t, operator)
        answer = op.response_code
    except OperationRefused as refused:
        answer = refused.code

    assert answer == code
    assert snapshot(t)[0] == after
    if code != "00":
        assert snapshot(t) == before
    recorded = Operation.objects.get(transaction=t)
    assert (recorded.kind, recorded.response_code) == (kind, code)
    assert offered == (code == "00")


@pytest.mark.parametrize("status", list(Status.values))
def test_a_duplicate_is_possible_from_every_state_with_a_card_on_file(merchant, operator, status):
    t = in_status(merchant, status)

    op = transaction_duplicate(
        transaction=t, amount=2500, new_transaction_id="4242", user=operator, channel="API", now=NOW
    )

    assert op.response_code == "00" and op.new_transaction.source == t


def test_every_operation_is_refused_99_in_the_window_whatever_the_state(merchant, operator):
    for status in (S.TO_VALIDATE, S.TO_CAPTURE, S.CAPTURED, S.REFERRAL):
        t = in_status(merchant, status)
        with pytest.raises(OperationRefused) as caught:
            transaction_cancel(
                transaction=t, amount=1, user=operator, channel="WEB",
                now=NOW.replace(hour=22, minute=10),
            )  # fmt: skip
        assert caught.value.code == "99"


def feed_one(merchant, **fields):
    item = {
        "merchant_id": merchant.merchant_id, "transaction_id": fields.pop("transaction_id", "1"),
        "amount": "10000", "currency_code": "978", "payment_means": "CB",
        "card_number": "4974.12", "response_code": "00", "payment_date": "20261126",
        "payment_time": "101500", **fields,
    }  # fmt: skip
    return transactions_feed(items=[item])[0]


@pytest.mark.parametrize(
    "mode,day,code,status,last_day",
    [
        ("AUTHOR_CAPTURE", "6", "00", S.TO_CAPTURE, dt.date(2026, 12, 2)),
        ("AUTHOR_CAPTURE", "10", "00", S.TO_AUTHORIZE, dt.date(2026, 12, 6)),
        ("VALIDATION", "6", "00", S.TO_VALIDATE, dt.date(2026, 12, 2)),
        ("VALIDATION", "10", "00", S.TO_REPLAY, dt.date(2026, 12, 6)),
        ("AUTHOR_CAPTURE", "3", "02", S.REFERRAL, dt.date(2026, 12, 29)),
        ("AUTHOR_CAPTURE", "3", "05", S.REFUSED, None),
    ],
)
def test_the_state_at_creation_follows_answer_mode_and_delay(
    merchant, mode, day, code, status, last_day
):
    t = feed_one(merchant, capture_mode=mode, capture_day=day, response_code=code)

    assert (t.status, t.capture_date) == (status, last_day)


def test_docs_lifecycle_md_holds_the_table_and_the_diagram_of_lifecycle_py():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "lifecycle.md").read_text()

    assert lifecycle.markdown_table() in doc
    assert "```mermaid\n" + lifecycle.mermaid() + "```" in doc
