"""Cash-management operations per second on independent transactions (target ≥ 200/s through
the services on this machine), through the service layer and through the API.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gestion_bench_ops \
        .venv/bin/python bench/operations.py --services 3000 --api 1000

Drops and recreates the database named in DATABASE_URL (PostgreSQL), migrates it, creates one
shop, an operator and captured transactions, then refunds part of each one, one after the other
in this process: first by calling transaction_refund, then by POSTing to
/api/v1/transactions/…/refund/ through DRF's test client (the whole Django stack, no network).
Each operation is one durable transaction with its row lock and its Operation row. The
remittance window is switched off for the run so that the figures do not depend on the hour.
Prints figures; asserts nothing about time.
"""

import argparse
import datetime as dt
import multiprocessing
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import database, django_setup, step  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=3000, help="refunds through the services")
    parser.add_argument("--api", type=int, default=1000, help="refunds through the API")
    parser.add_argument(
        "--workers", type=int, default=1, help="processes, each with its own connection"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print cProfile's top functions (CPU time) of the services, then of the API path",
    )
    parser.add_argument(
        "--interleaved",
        type=int,
        default=0,
        help="then N more refunds through each path, one service then one API call in turn, so "
        "that both see the same load (one process); prints their ratio",
    )
    parser.add_argument("--smoke", action="store_true", help="tiny scale, for CI")
    args = parser.parse_args()
    if args.smoke:
        args.services, args.api = 100, 50
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gestion_bench_ops")
    database(url, fresh=True)
    django_setup(url)  # production settings (DEBUG off), as a server runs
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from rest_framework.test import APIClient

    from bench.journals import cpu_of, cpu_self
    from merchants.models import Access, User
    from merchants.services import api_token_create, merchant_create
    from operations.services import transaction_refund
    from transactions.models import Status, Transaction

    settings.REMITTANCE_WINDOW = ("00:00", "00:00")  # no window during the measurement
    step("migrating")
    call_command("migrate", verbosity=0)
    merchant, _secret = merchant_create(
        merchant_id="099000000000001", name="Bench shop", journal_email="bench@shop.invalid"
    )
    operator = User.objects.create_user("bench-operator", password="bench-only-password-1")
    Access.objects.create(user=operator, role="OPERATOR", merchant=merchant)
    now = timezone.now()
    day = timezone.localdate(now) - dt.timedelta(days=1)
    # One refund through each path first, untimed: a server process pays its first request's
    # imports and compilations once, not per operation.
    warm = 2
    total = warm + args.services + args.api + 2 * args.interleaved
    Transaction.objects.bulk_create(
        [
            Transaction(
                merchant=merchant,
                transaction_id=f"{n:06d}",
                payment_date=day,
                payment_at=now - dt.timedelta(days=1),
                origin_amount=10000,
                amount=10000,
                captured_amount=10000,
                currency_code="978",
                status=Status.CAPTURED,
                capture_date=day,
                payment_means="CB",
                card_number="4974.12",
                response_code="00",
            )
            for n in range(1, total + 1)
        ],
        batch_size=2000,
    )
    rows = list(Transaction.objects.select_related("merchant").order_by("pk"))
    warm_rows, rows = rows[:warm], rows[warm:]
    by_service, rows = rows[: args.services], rows[args.services :]
    by_api, by_turns = rows[: args.api], rows[args.api :]

    def in_parallel(work, items) -> float:
        """Run `work` on `items`, shared between worker processes (forked, each with its own
        connection, so the GIL does not serialise them); seconds."""
        if args.workers == 1:
            started = time.perf_counter()
            work(items)
            return time.perf_counter() - started
        connection.close()  # each child opens its own
        fork = multiprocessing.get_context("fork")

        def run(share):
            try:
                work(share)
            finally:
                connection.close()

        workers = [
            fork.Process(target=run, args=(items[i :: args.workers],)) for i in range(args.workers)
        ]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
        if any(worker.exitcode for worker in workers):
            raise SystemExit("a worker failed")
        return elapsed

    def by_services(share):
        for t in share:
            transaction_refund(transaction=t, amount=1050, user=operator, channel="API")

    _token, key = api_token_create(user=operator, name="bench", replace=True)

    def api_refund(client, t):
        response = client.post(
            f"/api/v1/transactions/{merchant.merchant_id}/{day:%Y-%m-%d}/"
            f"{t.transaction_id}/refund/",
            {"amount": 1050},
            format="json",
        )
        if response.status_code != 200:
            raise SystemExit(f"unexpected answer {response.status_code}: {response.content!r}")

    def api_client():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    def by_http_api(share):
        client = api_client()
        for t in share:
            api_refund(client, t)

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = cur.fetchone()[0]
    by_services(warm_rows[:1])
    by_http_api(warm_rows[1:])
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    cpu_before = (cpu_self(), cpu_of(backend))
    service_s = in_parallel(by_services, by_service)
    service_cpu = (cpu_self() - cpu_before[0], cpu_of(backend) - cpu_before[1])
    if args.profile:
        profiler.disable()
        print("services, by own time:")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    cpu_before = (cpu_self(), cpu_of(backend))
    api_s = in_parallel(by_http_api, by_api)
    api_cpu = (cpu_self() - cpu_before[0], cpu_of(backend) - cpu_before[1])
    if args.profile:
        profiler.disable()
        print("API path, by own time:")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
        print("API path, by cumulative time:")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)

    turns = None
    if args.interleaved:
        # The same load for both: each service refund is followed by one through the API.
        client, clock, cpu = api_client(), time.perf_counter, time.process_time
        turns = [0.0, 0.0, 0.0, 0.0]  # wall, CPU: services; wall, CPU: API
        for mine, theirs in zip(by_turns[0::2], by_turns[1::2], strict=True):
            started, cpu_started = clock(), cpu()
            by_services([mine])
            middle, cpu_middle = clock(), cpu()
            api_refund(client, theirs)
            turns[0] += middle - started
            turns[1] += cpu_middle - cpu_started
            turns[2] += clock() - middle
            turns[3] += cpu() - cpu_middle

    refunded = Transaction.objects.filter(refunded_amount=1050).count()
    if refunded != total:
        raise SystemExit(f"expected {total} refunded transactions, found {refunded}")
    print(
        f"database: {connection.vendor} ({urlparse(url).path.lstrip('/')}), "
        f"{args.workers} worker process(es)"
    )
    print(
        f"services: {args.services:,} partial refunds in {service_s:.2f} s = "
        f"{args.services / service_s:,.0f} operations/s"
    )
    if args.workers == 1:
        print(
            f"  CPU per operation: {1000 * service_cpu[0] / args.services:.2f} ms in Python + "
            f"{1000 * service_cpu[1] / args.services:.2f} ms in its PostgreSQL backend; "
            f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
    print(
        f"API:      {args.api:,} partial refunds in {api_s:.2f} s = "
        f"{args.api / api_s:,.0f} operations/s"
    )
    if args.workers == 1:
        print(
            f"  CPU per operation: {1000 * api_cpu[0] / args.api:.2f} ms in Python + "
            f"{1000 * api_cpu[1] / args.api:.2f} ms in its PostgreSQL backend"
        )
    print(
        f"API / services: {(args.api / api_s) / (args.services / service_s):.2f} "
        "(goal: within 1.5x, i.e. >= 0.67)"
    )
    if turns is not None:
        n = args.interleaved
        print(
            f"interleaved, {n:,} refunds through each path in turn: services "
            f"{n / turns[0]:,.0f}/s ({1000 * turns[1] / n:.2f} ms of Python CPU each), API "
            f"{n / turns[2]:,.0f}/s ({1000 * turns[3] / n:.2f} ms); API / services: "
            f"{turns[0] / turns[2]:.2f}; load average "
            f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )


if __name__ == "__main__":
    main()
