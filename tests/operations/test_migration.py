"""The data migration to the Annexe N codes and pending credits, run on rows the old code wrote."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("operations", "0003_idempotency_keys"),
          ("transactions", "0005_sips_interop")]  # fmt: skip
AFTER = [("operations", "0005_origin_and_remittances"),
         ("transactions", "0006_sips_states_and_pending_credits")]  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_old_kinds_channels_and_refunds_are_mapped_to_the_new_rules():
    executor = MigrationExecutor(connection)
    # The other apps stay where they are (their latest state), only these two go back.
    others = [n for n in executor.loader.graph.leaf_nodes() if n[0] not in dict(BEFORE)]
    try:
        _migrate_and_check(executor, [*BEFORE, *others], [*AFTER, *others])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate_and_check(executor, before, after):
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Merchant = old.get_model("merchants", "Merchant")
    Transaction = old.get_model("transactions", "Transaction")
    Operation = old.get_model("operations", "Operation")
    shop = Merchant.objects.create(merchant_id="0991", name="Old shop")
    now = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)

    def sale(number, status, refunded):
        return Transaction.objects.create(
            merchant=shop, transaction_id=number, payment_date=now.date(), payment_at=now,
            origin_amount=1000, amount=1000, captured_amount=1000, refunded_amount=refunded,
            currency_code="978", status=status, response_code="00",
        )  # fmt: skip

    partial = sale("000001", "CAPTURED", 300)  # a partial refund the old code never sent
    credited = sale("000002", "CREDITED", 1000)
    untouched = sale("000003", "CAPTURED", 0)
    old_rows = [
        ("REFUND", partial, "WEB"),
        ("CAPTURE", credited, "BATCH"),
        ("CREDIT", credited, "BATCH"),
        ("EXPIRE", untouched, "BATCH"),
    ]
    for kind, t, origin in old_rows:
        Operation.objects.create(
            transaction=t, merchant=shop, kind=kind, amount=1, currency_code="978",
            response_code="00", status_before="CAPTURED", status_after="CAPTURED", origin=origin,
        )  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    Transaction = new.get_model("transactions", "Transaction")
    Operation = new.get_model("operations", "Operation")

    kinds = sorted(Operation.objects.values_list("kind", "channel", "origin"))
    assert kinds == sorted([("CREDIT", "WEB", ""), ("DEBIT_CAPTURE", "BATCH", ""),
                            ("CREDIT_CAPTURE", "BATCH", ""), ("EXPIRED", "BATCH", "")])  # fmt: skip
    rows = {t.transaction_id: t for t in Transaction.objects.all()}
    assert (rows["000001"].status, rows["000001"].credit_date) == ("TO_CREDIT", now.date())
    assert rows["000001"].credited_amount == 0
    assert (rows["000002"].status, rows["000002"].credited_amount) == ("CREDITED", 1000)
    assert (rows["000003"].status, rows["000003"].credit_date) == ("CAPTURED", None)
