"""The demo's bulk history holds only rows the services could have produced (demo.history).

Every row's operations are a chain of the lifecycle table's cells, from the state the feed gives
to the row's state; and one row of each distinct history, replayed through the feed and the
operation and remittance services at the same instants, ends with the same state, amounts and
operations.
"""

import datetime as dt

import pytest
import time_machine

from core.dates import PARIS
from demo.world import demo_seed
from merchants.models import Access, Merchant, PaymentMeans
from merchants.services import merchant_create
from operations.models import Operation, OperationKind
from operations.services.cash import (
    transaction_advice,
    transaction_cancel,
    transaction_refund,
    transaction_validate,
)
from operations.services.remittance import merchant_remittance
from transactions import lifecycle
from transactions.feed import parse_feed_item
from transactions.feed_fields import FIELDS
from transactions.models import Status, Transaction
from transactions.services import transaction_create

NOW = dt.datetime(2026, 11, 27, 11, 30, tzinfo=dt.UTC)
STATE = ("status", "amount", "captured_amount", "refunded_amount", "credited_amount")
DATES = ("capture_date", "credit_date")


@pytest.fixture
def seeded(db):
    with time_machine.travel(NOW, tick=False):
        demo_seed(transactions=1500, shops=4, now=NOW)
    return Transaction.objects.select_related("merchant")


def _history(t: Transaction) -> list[Operation]:
    return list(t.operations.order_by("created_at", "pk"))


def test_every_row_is_a_chain_of_the_lifecycle_tables_cells(seeded):
    batch = {(m.operation, m.status) for m in lifecycle.BATCH_MOVES}
    seen = set()
    for t in seeded:
        ops = _history(t)
        status = lifecycle.status_at_creation(
            response_code=t.response_code, capture_mode=t.capture_mode, capture_day=t.capture_day
        )
        captured = refunded = credited = 0
        for op in ops:
            assert op.status_before == status, (t.pk, op.kind)
            cell = (op.kind, op.status_before)
            if op.kind in lifecycle.MERCHANT_OPERATIONS:
                assert op.status_before in lifecycle.ALLOWED[op.kind], cell
                assert not lifecycle.in_remittance_window(op.created_at), cell
            else:
                assert cell in batch, cell
                assert op.created_at == lifecycle.remittance_starts_at(
                    op.created_at.astimezone(PARIS).date()
                )
            if op.kind == OperationKind.DEBIT_CAPTURE:
                captured = op.amount
            elif op.kind == OperationKind.CREDIT:
                refunded += op.amount
                assert refunded <= captured
            elif op.kind == OperationKind.CREDIT_CAPTURE:
                credited = refunded
            status = op.status_after
            seen.add(cell)
        assert status == t.status, t.pk
        assert (t.captured_amount, t.refunded_amount, t.credited_amount) == (
            captured,
            refunded,
            credited,
        )
        assert NOW >= (ops[-1].created_at if ops else t.payment_at) >= t.payment_at
        # … and what it started from is what the feed accepts.
        with time_machine.travel(t.payment_at, tick=False):
            assert parse_feed_item(_feed_item(t, t.merchant))["payment_at"] == t.payment_at
    # The demo shows the table's usual paths (a referral forced, a validation, a refund...).
    assert {
        (OperationKind.ADVICE, Status.REFERRAL),
        (OperationKind.VALIDATE, Status.TO_VALIDATE),
        (OperationKind.CANCEL, Status.TO_CAPTURE),
        (OperationKind.CREDIT, Status.CAPTURED),
        (OperationKind.EXPIRED, Status.TO_VALIDATE),
        (OperationKind.DEBIT_CAPTURE, Status.TO_CAPTURE),
        (OperationKind.CREDIT_CAPTURE, Status.TO_CREDIT),
    } <= seen


def _feed_item(t: Transaction, merchant: Merchant) -> dict:
    """`t` as the payment server would have sent it (every feed field the row holds)."""
    local = t.payment_at.astimezone(PARIS)
    item = {name: getattr(t, name) for name in FIELDS if hasattr(Transaction, name)}
    item.update(
        merchant_id=merchant.merchant_id,
        amount=f"{t.origin_amount:03d}",
        capture_day=str(t.capture_day),
        payment_date=f"{local:%Y%m%d}",
        payment_time=f"{local:%H%M%S}",
    )
    if t.operations.filter(kind=OperationKind.VALIDATE, status_before=Status.TO_REPLAY).exists():
        # A fresh authorisation replaced the bank's code; the feed had brought its approval.
        item["bank_response_code"] = "00"
    return {k: v for k, v in item.items() if v not in ("", None)}


def _replay(t: Transaction, n: int) -> Transaction:
    """`t`'s life again, in a shop of its own, through the services at the recorded instants."""
    source = t.merchant
    with time_machine.travel(t.payment_at, tick=False):
        shop, _ = merchant_create(
            merchant_id=f"0777{n:011d}", name=f"Replay {n}", environment=source.environment
        )
        for means in PaymentMeans.objects.filter(merchant=source):
            PaymentMeans.objects.create(
                merchant=shop,
                means=means.means,
                contract_number=means.contract_number,
                currencies=means.currencies,
            )
        copy = transaction_create(item=_feed_item(t, shop))
    for op in _history(t):
        with time_machine.travel(op.created_at, tick=False):
            at = op.created_at
            if op.kind in lifecycle.BATCH_OPERATIONS:
                run_date = lifecycle.remittance_due_date(at)
                merchant_remittance(merchant_pk=shop.pk, run_date=run_date, now=at)
                continue
            Access.objects.get_or_create(user=op.user, merchant=shop, role=Access.Role.OPERATOR)
            asked = {"transaction": copy, "user": op.user, "channel": op.channel, "now": at}
            if op.kind == OperationKind.ADVICE:
                transaction_advice(authorisation_id="PHONE1", **asked)
            else:
                service = {
                    OperationKind.VALIDATE: transaction_validate,
                    OperationKind.CANCEL: transaction_cancel,
                    OperationKind.CREDIT: transaction_refund,
                }[op.kind]
                service(amount=op.amount, **asked)
    copy.refresh_from_db()
    return copy


def test_each_kind_of_history_replayed_through_the_services_ends_the_same(seeded):
    paths: dict[tuple, Transaction] = {}
    for t in seeded.order_by("pk"):
        path = tuple((o.kind, o.status_before, o.status_after) for o in _history(t))
        paths.setdefault((t.status, path), t)
    assert len(paths) >= 8
    for n, t in enumerate(paths.values()):
        copy = _replay(t, n)

        def story(x):
            return [
                (o.kind, o.amount, o.status_before, o.status_after, o.response_code)
                for o in _history(x)
            ]

        assert [getattr(copy, f) for f in STATE + DATES] == [
            getattr(t, f) for f in STATE + DATES
        ], t.pk
        assert story(copy) == story(t), t.pk
