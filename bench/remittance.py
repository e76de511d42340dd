"""How fast the nightly remittance runs (docs/remittances.md): N transactions due across S shops
(90 % TO_CAPTURE to debit, 10 % TO_CREDIT with a pending partial refund, its CREDIT operation
seeded too), against a plain SQL
UPDATE of the same rows to the same states (goal: the remittance ≤ 5 × the UPDATE).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gestion_bench_remittance \
        .venv/bin/python bench/remittance.py --transactions 1000000 --shops 2000 --workers 2

Drops and recreates the database named in DATABASE_URL (PostgreSQL), migrates it, seeds the
due rows with INSERT ... SELECT generate_series, ANALYZEs, then:
1. the baseline: one UPDATE per state (status, captured / credited amount) of exactly the due
   rows, in one transaction that is then rolled back (the rows stay due);
2. the remittance: every shop's merchant_remittance (what one Celery task runs), its shops shared
   between --workers processes, with its row locks, Operation rows and Remittance records.
Checks afterwards that every due row was sent once, that what was credited equals what was
refunded, and that the records' totals equal their lines. Prints figures and the load average;
asserts nothing about time.
"""

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import database, django_setup, step  # noqa: E402

DAY = "2026-11-26"


def seed(*, transactions: int, shops: int) -> None:
    from django.db import connection

    from merchants import keys

    secret_encrypted, key_id = keys.encrypt(keys.generate_secret())
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO merchants_merchant (merchant_id, name, country, environment, journal_email,
                is_active, secret_key_encrypted, secret_key_version, encryption_key_id, created_at,
                two_factor_required)
            SELECT lpad(g::text, 15, '0'), 'Bench shop ' || g, 'fr', 'PRODUCTION',
                'journal' || g || '@bench.invalid', true, %s, 1, %s, now(), false
            FROM generate_series(1, %s) g
            """,
            [secret_encrypted, key_id, shops],
        )
        cur.execute("SELECT min(id) FROM merchants_merchant")
        first_shop = cur.fetchone()[0]
        # Every tenth row was captured and partly refunded: a pending credit due tonight.
        cur.execute(
            """
            INSERT INTO transactions_transaction (merchant_id, transaction_id, payment_date,
                payment_at, origin_amount, amount, captured_amount, refunded_amount,
                credited_amount, currency_code, status, capture_mode, capture_day, capture_date,
                credit_date, payment_means, card_number, response_code, bank_response_code,
                cvv_flag, cvv_response_code, authorisation_id, complementary_code,
                complementary_info, customer_id, customer_email, customer_ip_address, order_id,
                caddie, return_context, automatic_response_status, origin, created_at)
            SELECT %(first)s + g %% %(shops)s, lpad((g / %(shops)s %% 1000000)::text, 6, '0'),
                %(day)s::date, %(day)s::date + (g * interval '80 milliseconds'),
                1000 + g %% 50000, 1000 + g %% 50000,
                CASE WHEN g %% 10 = 0 THEN 1000 + g %% 50000 ELSE 0 END,
                CASE WHEN g %% 10 = 0 THEN 500 ELSE 0 END, 0,
                CASE WHEN g %% 20 = 1 THEN '840' ELSE '978' END,
                CASE WHEN g %% 10 = 0 THEN 'TO_CREDIT' ELSE 'TO_CAPTURE' END,
                'AUTHOR_CAPTURE', 0, %(day)s::date,
                CASE WHEN g %% 10 = 0 THEN %(day)s::date END,
                'CB', '4974.' || lpad((g %% 100)::text, 2, '0'), '00', '00', '1', '4D',
                lpad((g %% 999999)::text, 6, '0'), '00', '', '', '', '', 'ORDER-' || g, '', '',
                'UNDEFINED', 'FEED', %(day)s::date + (g * interval '80 milliseconds')
            FROM generate_series(0, %(n)s - 1) g
            """,
            {"first": first_shop, "shops": shops, "day": DAY, "n": transactions},
        )
        # The refund behind each pending credit: the run sends one CREDIT_CAPTURE per refund.
        cur.execute(
            """
            INSERT INTO operations_operation (transaction_id, merchant_id, kind, amount,
                currency_code, response_code, status_before, status_after, channel, origin,
                message, reason, created_at)
            SELECT id, merchant_id, 'CREDIT', refunded_amount, currency_code, '00', 'CAPTURED',
                'TO_CREDIT', 'API', '', '', '', %(day)s::date + interval '12 hours'
            FROM transactions_transaction WHERE status = 'TO_CREDIT' ORDER BY id
            """,
            {"day": DAY},
        )
        cur.execute("ANALYZE")


def baseline() -> float:
    """The same rows to the same states with plain UPDATEs; rolled back. → seconds."""
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE transactions_transaction SET status = 'CAPTURED', captured_amount = amount "
                "WHERE status = 'TO_CAPTURE' AND capture_date <= %s",
                [DAY],
            )
            cur.execute(
                "UPDATE transactions_transaction SET credited_amount = refunded_amount, "
                "credit_date = NULL, status = CASE WHEN refunded_amount = captured_amount "
                "THEN 'CREDITED' ELSE 'CAPTURED' END "
                "WHERE status = 'TO_CREDIT' AND credit_date <= %s",
                [DAY],
            )
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def run_shops(shop_pks: list[int], progress) -> None:
    import datetime as dt

    from django.db import connection

    from operations.services.remittance import merchant_remittance

    run_date = dt.date.fromisoformat(DAY)
    try:
        for n, pk in enumerate(shop_pks, 1):
            merchant_remittance(merchant_pk=pk, run_date=run_date)
            if progress and n % max(1, len(shop_pks) // 10) == 0:
                print(f"  … {n}/{len(shop_pks)} shops", flush=True)
    finally:
        connection.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--shops", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--smoke", action="store_true", help="tiny scale, for CI")
    args = parser.parse_args()
    if args.smoke:
        args.transactions, args.shops, args.workers = 2000, 20, 1
    url = os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gestion_bench_remittance"
    )
    if not urlparse(url).scheme.startswith("postgres"):
        raise SystemExit("bench/remittance.py needs PostgreSQL (DATABASE_URL=postgres://…)")
    database(url, fresh=True)
    django_setup(url)  # production settings (DEBUG off), as a worker runs
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Sum

    from operations.models import Operation, Remittance
    from operations.services.remittance import merchants_due
    from transactions.models import Transaction

    step("migrating")
    call_command("migrate", verbosity=0)
    print(f"seeding {args.transactions:,} due transactions across {args.shops:,} shops …")
    started = time.perf_counter()
    seed(transactions=args.transactions, shops=args.shops)
    print(f"seeded in {time.perf_counter() - started:.1f} s")

    import datetime as dt

    base_s = baseline()
    print(f"baseline: plain UPDATE of the same rows: {base_s:.2f} s")

    shops = merchants_due(run_date=dt.date.fromisoformat(DAY))
    connection.close()
    fork = multiprocessing.get_context("fork")
    workers = [
        fork.Process(target=run_shops, args=(shops[i :: args.workers], i == 0))
        for i in range(args.workers)
    ]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    run_s = time.perf_counter() - started
    if any(worker.exitcode for worker in workers):
        raise SystemExit("a worker failed")

    left = Transaction.objects.filter(status__in=["TO_CAPTURE", "TO_CREDIT"]).count()
    lines = Operation.objects.filter(kind__in=["DEBIT_CAPTURE", "CREDIT_CAPTURE"])
    refunds = Operation.objects.filter(kind="CREDIT").aggregate(a=Sum("amount"))["a"] or 0
    sent = lines.count()
    totals = Remittance.objects.aggregate(
        d=Sum("debit_amount"), c=Sum("credit_amount"), n=Sum("debit_count")
    )
    by_lines = lines.aggregate(a=Sum("amount"))["a"] or 0
    credited = lines.filter(kind="CREDIT_CAPTURE").aggregate(a=Sum("amount"))["a"] or 0
    if credited != refunds:
        raise SystemExit(f"credited {credited}, refunded {refunds}")
    if left or sent != args.transactions or (totals["d"] or 0) + (totals["c"] or 0) != by_lines:
        raise SystemExit(f"inconsistent: {left} left, {sent} sent, totals {totals} vs {by_lines}")
    print(
        f"remittance: {args.transactions:,} rows of {len(shops):,} shops, {args.workers} worker(s):"
        f" {run_s:.1f} s = {args.transactions / run_s:,.0f} rows/s;"
        f" {run_s / base_s:.1f} × the plain UPDATE"
    )
    print(
        f"load average (1 min) before the run: {load_before:.2f}; after: {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
