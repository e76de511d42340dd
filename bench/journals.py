"""How fast the daily journals are built (target: 1,000,000 transactions and 200,000
operations across 2,000 shops, 2 workers, goal <= 2 min and <= 3x COPY), against PostgreSQL's own
COPY ... TO of the same rows, with production settings (DEBUG off).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gestion_bench_journals \
        .venv/bin/python bench/journals.py

Drops and recreates the database named in DATABASE_URL, migrates it, seeds one day with
INSERT ... SELECT generate_series, then builds every shop's two journals with --workers processes,
each calling journals.services.journals_build_shop (what the Celery task of one shop runs) for
its share of the shops. It does so once per path (--paths): `portable`, Python formatting the
rows the selector fetched (what SQLite runs, and what PostgreSQL ran before), then, after emptying
the journals, `database`, PostgreSQL writing the membership and the lines (journals.copy): the
before and the after in the same run. `--reuse` keeps a database that holds this scale's day
(only the journals are emptied); `--compare-ref CHECKOUT` then builds the same day again with
another checkout's code (e.g. /work/main), main's and this code's on the same seeded rows, in the
same run. Sending is not timed (it is the mail server's speed). Prints
figures and the load average; asserts nothing about time, but checks that every record landed in
exactly one journal.
"""

import argparse
import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import database, django_setup, migrate  # noqa: E402

DAY = "2026-11-26"
JOURNAL_DATE = "2026-11-27"


def seed(*, transactions: int, operations: int, shops: int) -> None:
    from django.db import connection

    from merchants import keys
    from merchants.models import Merchant

    secret_encrypted, key_id = keys.encrypt(keys.generate_secret())
    # The shops through the ORM (2,000 rows: instant), so every column the model gains gets its
    # default; the bulk rows below stay plain SQL.
    Merchant.objects.bulk_create(
        Merchant(
            merchant_id=f"{g:015d}",
            name=f"Bench shop {g}",
            country="fr",
            environment="PRODUCTION",
            journal_email=f"journal{g}@bench.invalid",
            is_active=True,
            secret_key_encrypted=secret_encrypted,
            secret_key_version=1,
            encryption_key_id=key_id,
        )
        for g in range(1, shops + 1)
    )
    with connection.cursor() as cur:
        cur.execute("SELECT min(id) FROM merchants_merchant")
        first_shop = cur.fetchone()[0]
        # Shop g % shops, its (g / shops)-th transaction of the day: unique (shop, day, id).
        cur.execute(
            """
            INSERT INTO transactions_transaction (merchant_id, transaction_id, payment_date,
                payment_at, origin_amount, amount, captured_amount, refunded_amount,
                credited_amount, currency_code, status, capture_mode, capture_day, capture_date,
                payment_means, card_number, response_code, bank_response_code, cvv_flag,
                cvv_response_code, authorisation_id, complementary_code, complementary_info,
                customer_id, customer_email, customer_ip_address, order_id, caddie, return_context,
                automatic_response_status, origin, created_at)
            SELECT %(first)s + g %% %(shops)s, lpad((g / %(shops)s %% 1000000)::text, 6, '0'),
                %(day)s::date, %(day)s::date + (g * interval '80 milliseconds'),
                100 + g %% 50000, 100 + g %% 50000, 0, 0, 0,
                CASE WHEN g %% 20 = 0 THEN '840' ELSE '978' END,
                CASE WHEN g %% 10 = 0 THEN 'REFUSED' ELSE 'TO_CAPTURE' END,
                'AUTHOR_CAPTURE', 0, CASE WHEN g %% 10 = 0 THEN NULL ELSE %(day)s::date END,
                'CB', '4974.' || lpad((g %% 100)::text, 2, '0'),
                CASE WHEN g %% 10 = 0 THEN '05' ELSE '00' END,
                CASE WHEN g %% 10 = 0 THEN '51' ELSE '00' END, '1', '4D',
                lpad((g %% 999999)::text, 6, '0'), '00', '', 'C' || (g %% 5000), '', '',
                'ORDER-' || g, '', '', 'UNDEFINED', 'FEED',
                %(day)s::date + (g * interval '80 milliseconds')
            FROM generate_series(0, %(n)s - 1) g
            """,
            {"first": first_shop, "shops": shops, "day": DAY, "n": transactions},
        )
        cur.execute(
            """
            INSERT INTO operations_operation (transaction_id, merchant_id, kind, amount,
                currency_code, response_code, status_before, status_after, channel, origin,
                message, reason, created_at)
            SELECT t.id, t.merchant_id,
                (ARRAY['VALIDATE','CANCEL','CREDIT','DUPLICATE','DEBIT_CAPTURE','CREDIT_CAPTURE',
                       'EXPIRED'])
                    [1 + t.id %% 7],
                t.amount / 2, t.currency_code, CASE WHEN t.id %% 9 = 0 THEN '24' ELSE '00' END,
                'TO_CAPTURE', 'CAPTURED', CASE WHEN t.id %% 7 >= 4 THEN 'BATCH' ELSE 'API' END,
                '', '', '', t.created_at + interval '1 hour'
            FROM transactions_transaction t
            WHERE t.status <> 'REFUSED'
            ORDER BY t.id
            LIMIT %(n)s
            """,
            {"n": operations},
        )
        cur.execute("ANALYZE")


def copy_time() -> tuple[float, int]:
    """PostgreSQL's COPY ... TO STDOUT of the same rows and columns as the journals, read to the
    end by the client; → (seconds, bytes)."""
    from django.db import connection

    queries = [
        """COPY (SELECT m.merchant_id, t.payment_date, t.transaction_id, t.payment_at,
            t.origin_amount, t.currency_code, t.capture_mode, t.capture_day, t.capture_date,
            t.payment_means, t.card_number, t.response_code, t.bank_response_code, t.cvv_flag,
            t.cvv_response_code, t.authorisation_id, t.complementary_code, t.status, t.order_id,
            t.customer_id, t.return_context, t.origin, s.payment_date, s.transaction_id
          FROM transactions_transaction t JOIN merchants_merchant m ON m.id = t.merchant_id
          LEFT JOIN transactions_transaction s ON s.id = t.source_id
          ORDER BY t.merchant_id, t.id) TO STDOUT WITH (DELIMITER ';')""",
        """COPY (SELECT m.merchant_id, t.payment_date, t.transaction_id, o.created_at, o.kind,
            o.amount, o.currency_code, o.response_code, o.channel, o.origin, o.status_before,
            o.status_after, u.username, n.transaction_id, t.order_id
          FROM operations_operation o JOIN transactions_transaction t ON t.id = o.transaction_id
          JOIN merchants_merchant m ON m.id = o.merchant_id
          LEFT JOIN merchants_user u ON u.id = o.user_id
          LEFT JOIN transactions_transaction n ON n.id = o.new_transaction_id
          ORDER BY o.merchant_id, o.id) TO STDOUT WITH (DELIMITER ';')""",
    ]
    size = 0
    started = time.perf_counter()
    with connection.cursor() as cur:
        for sql in queries:
            with cur.cursor.copy(sql) as copy:
                for block in copy:
                    size += len(block)
    return time.perf_counter() - started, size


def work(args: tuple[bool, list[int]]) -> tuple[int, tuple[float, float], tuple[float, float]]:
    """One worker: both journals of each of its shops (the body of journals.build_shop), by the
    database path or the portable one → (lines, (CPU s of the worker, of its backend), (start,
    end) wall-clock seconds of its build)."""
    import datetime as dt

    django_setup(os.environ["DATABASE_URL"])
    from django.db import connection

    from journals.services import journals_build_shop

    in_database, pks = args
    day = dt.date.fromisoformat(JOURNAL_DATE)
    records = 0
    began = time.time()  # wall clock: comparable between the workers (process start excluded)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = cur.fetchone()[0]
    python_before, postgres_before = cpu_self(), cpu_of(backend)
    for pk in pks:
        for journal, _created in journals_build_shop(
            merchant_pk=pk, journal_date=day, in_database=in_database
        ):
            records += journal.record_count
    cpu = (cpu_self() - python_before, cpu_of(backend) - postgres_before)
    ended = time.time()
    connection.close()
    return records, cpu, (began, ended)


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_of(pid: int, *, children: bool = False) -> float:
    """CPU seconds used so far by a local process (the worker's PostgreSQL backend), with
    `children` plus those of the children it has waited for (a server's replaced workers)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")  # PostgreSQL on another machine
    # After the command: utime, stime, cutime, cstime.
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def _start_together(ready) -> None:
    """A worker's start-up: Django set up, then wait for the others, so they build together."""
    django_setup(os.environ["DATABASE_URL"])
    ready.wait()


def _figures(results: list, load: float) -> dict:
    """The workers' (records, (python CPU, PostgreSQL CPU), (start, end)) summed: the build's
    wall time from the first worker's start to the last one's end."""
    return {
        "seconds": max(w[1] for _r, _c, w in results) - min(w[0] for _r, _c, w in results),
        "records": sum(r for r, _cpu, _w in results),
        "python_cpu": sum(cpu[0] for _r, cpu, _w in results),
        "postgres_cpu": sum(cpu[1] for _r, cpu, _w in results),
        "load": (load, os.getloadavg()[0]),
    }


def build(pks: list[int], workers: int, *, in_database: bool) -> dict:
    """Every shop's two journals by one path, shops shared between `workers` processes."""
    shares = [(in_database, pks[i::workers]) for i in range(workers)]
    load = os.getloadavg()[0]
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(workers)
    with context.Pool(workers, initializer=_start_together, initargs=(ready,)) as pool:
        results = pool.map(work, shares, chunksize=1)
    # From the first worker's start to the last one's end: Python's and Django's start-up in
    # the fresh processes is not the build's.
    return _figures(results, load)


# A worker running another checkout's code (--compare-ref), in its own directory: Django set
# up, "ready", then its share of the shops built on "go" (the same `work` as above, that
# checkout's), its figures printed as JSON.
_REF_WORKER = """
import json, os, sys
sys.path.insert(0, os.getcwd())
from bench._common import django_setup
from bench.journals import work
django_setup(os.environ["DATABASE_URL"])
pks = json.loads(sys.stdin.readline())
print("ready", flush=True)
sys.stdin.readline()
print(json.dumps(work((True, pks))), flush=True)
"""


def build_ref(pks: list[int], workers: int, *, ref: Path, url: str) -> dict:
    """Every shop's two journals by the code of the checkout `ref` (its default path on
    PostgreSQL), shops shared between `workers` processes started together, as build() does."""
    import json
    import subprocess

    from bench._common import production_env

    load = os.getloadavg()[0]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _REF_WORKER],
            cwd=ref,
            env=production_env(url),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    for i, proc in enumerate(procs):
        proc.stdin.write(json.dumps(pks[i::workers]) + "\n")
        proc.stdin.flush()
    for proc in procs:
        if proc.stdout.readline().strip() != "ready":
            sys.exit(f"--compare-ref: a worker of {ref} did not start")
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = []
    for proc in procs:
        out, _err = proc.communicate()
        if proc.returncode:
            sys.exit(f"--compare-ref: a worker of {ref} failed")
        results.append(json.loads(out))
    return _figures(results, load)


def forget_journals() -> None:
    """Empty the journals, their lines and cursors: the next path starts from the same day."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE journals_journaltransaction, journals_journaloperation, journals_journal, "
            "journals_journalcursor"
        )
        cur.execute("VACUUM ANALYZE")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--operations", type=int, default=200_000)
    parser.add_argument("--shops", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--paths",
        default="portable,database",
        help="which builds to time, in order: portable (Python formats), database (COPY)",
    )
    parser.add_argument("--smoke", action="store_true", help="tiny scale, for CI")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database when it holds this scale's day already (journals emptied)",
    )
    parser.add_argument(
        "--compare-ref",
        type=Path,
        metavar="CHECKOUT",
        help="then build the same day again with another checkout's code (e.g. /work/main)",
    )
    args = parser.parse_args()
    if args.smoke:
        args.transactions, args.operations, args.shops = 2000, 400, 20
    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    if args.compare_ref and not (args.compare_ref / "bench" / "journals.py").is_file():
        sys.exit(f"--compare-ref: no bench/journals.py in {args.compare_ref}")
    if not paths or set(paths) - {"portable", "database"}:
        sys.exit("--paths: portable, database or both (comma-separated)")
    url = os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gestion_bench_journals"
    )
    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgres"):
        sys.exit("bench/journals.py needs PostgreSQL (DATABASE_URL=postgres://…)")
    database(url, fresh=not args.reuse)
    migrate(url)
    django_setup(url)  # production settings (DEBUG off), as a worker runs
    from django.db import connection

    from journals.models import JournalOperation, JournalTransaction
    from merchants.models import Merchant
    from operations.models import Operation
    from transactions.models import Transaction

    held = (Merchant.objects.count(), Transaction.objects.count(), Operation.objects.count())
    if held == (args.shops, args.transactions, args.operations):
        print("reusing the seeded day (journals emptied)", flush=True)
        forget_journals()
        seeded = 0.0
    elif any(held):
        sys.exit(f"--reuse: the database holds {held} (shops, transactions, operations)")
    else:
        print(
            f"seeding {args.transactions:,} transactions + {args.operations:,} operations…",
            flush=True,
        )
        started = time.perf_counter()
        seed(transactions=args.transactions, operations=args.operations, shops=args.shops)
        seeded = time.perf_counter() - started
    copy_seconds, copy_bytes = copy_time()
    pks = list(Merchant.objects.order_by("pk").values_list("pk", flat=True))
    print(
        f"scale: {args.transactions:,} transactions + {args.operations:,} operations, "
        f"{args.shops:,} shops (seeded in {seeded:.1f} s); load average at start "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"COPY … TO of the same rows: {copy_seconds:.1f} s ({copy_bytes / 1e6:,.0f} MB)")
    mismatch = False
    runs = [(path, path) for path in paths]
    if args.compare_ref:
        runs.append((f"{args.compare_ref} (reference)", None))
    for index, (name, path) in enumerate(runs):
        if index:
            forget_journals()
        connection.close()
        print(f"building ({name})…", flush=True)
        if path is None:
            run = build_ref(pks, args.workers, ref=args.compare_ref.resolve(), url=url)
        else:
            run = build(pks, args.workers, in_database=path == "database")
        seconds = run["seconds"]
        print(
            f"{name}: {2 * len(pks):,} journals, {run['records']:,} lines, {args.workers} "
            f"workers: {seconds:.1f} s = {run['records'] / seconds:,.0f} lines/s; "
            f"ratio to COPY {seconds / copy_seconds:.1f}; load average "
            f"{run['load'][0]:.2f} → {run['load'][1]:.2f}"
        )
        print(
            f"  CPU: {run['python_cpu']:.1f} s in the workers + {run['postgres_cpu']:.1f} s in "
            f"their PostgreSQL backends = "
            f"{(run['python_cpu'] + run['postgres_cpu']) / args.workers:.1f} s per core"
        )
        in_journals = (JournalTransaction.objects.count(), JournalOperation.objects.count())
        print(
            f"  exactly once: {in_journals[0]:,} transactions and {in_journals[1]:,} operations "
            "in journals"
        )
        mismatch = mismatch or in_journals != (args.transactions, args.operations)
    if mismatch:
        sys.exit("MISMATCH: some record is not in exactly one journal")


if __name__ == "__main__":
    main()
