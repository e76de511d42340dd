"""Throughput under load: 20 clients (locust, headless) against the production server.

Full run, against a seeded database (reused; seeded with seed_demo when it holds fewer rows):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gestion_bench10m \
        .venv/bin/python bench/load.py --clients 20 --duration 60

CI smoke (drops, creates, migrates and seeds the scratch database named in DATABASE_URL; 10 s,
4 clients):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gestion_bench_ci \
        .venv/bin/python bench/load.py --smoke

It starts bin/serve (gunicorn with deploy/gunicorn.conf.py, production settings, DEBUG off),
then locust's clients, each one after the other without think time, through one mix of what a
merchant's office does (bench/_locustfile.py): search by number and by criteria, a
transaction's page, the API's list and detail, a partial refund through the API, a CSV export
of one day. The database is written to only through the bench's own users: their sessions,
their API token, and refunds of one cent (a refund of the bench's operator is an operation like
any other). Prints requests/s, p50 / p95 / p99, errors, per request kind, and the CPU per
request of the server's processes and of their PostgreSQL backends (from /proc). Asserts
nothing about time; exits 1 on any error answer.
"""

import argparse
import datetime as dt
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import BENCH_ENV, database, django_setup, migrate, step  # noqa: E402
from bench.journals import cpu_of  # noqa: E402
from bench.search import Server, bench_users, fetch, run, samples, seed_if_needed  # noqa: E402


def cpu(pid: int, *, children: bool = False) -> float:
    """cpu_of, 0 for a process gone meanwhile."""
    seconds = cpu_of(pid, children=children)
    return 0.0 if math.isnan(seconds) else seconds


def backend_pids(dbname: str) -> list[int]:
    """The PostgreSQL backends connected to `dbname` (but this process's own)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [dbname],
        )
        return [row[0] for row in cursor.fetchall()]


def server_cpu(server: Server) -> float:
    """The gunicorn master, its live workers, and the workers it has already replaced."""
    return cpu(server.proc.pid, children=True) + sum(cpu(pid) for pid in server.workers())


def plan(args, shops, merchant_user):
    """What the clients need, from the database: the operator's token, rows to look at and to
    refund, criteria and an export of one day with rows."""
    from django.db.models import F

    from merchants.models import Access, MerchantGroup, User
    from merchants.services import api_token_create
    from transactions.models import Status, Transaction

    rng = random.Random(15)
    operator, _ = User.objects.get_or_create(username="bench_operator", defaults={"language": "en"})
    group = MerchantGroup.objects.get(name="Bench")
    Access.objects.get_or_create(user=operator, role="OPERATOR", group=group)
    _token, key = api_token_create(user=operator, name="load", replace=True)
    scope = Transaction.objects.filter(merchant__in=shops)
    rows = samples(scope, args.rows, rng)
    refundable = samples(
        scope.filter(status=Status.CAPTURED, captured_amount__gte=F("refunded_amount") + 1000),
        args.rows,
        rng,
    )
    if not rows or not refundable:
        raise SystemExit("the bench's shops hold no transaction to look at or to refund")

    def key_of(t):
        return {
            "merchant_id": t.merchant.merchant_id,
            "payment_date": t.payment_date.isoformat(),
            "transaction_id": t.transaction_id,
        }

    days = sorted({t.payment_date for t in rows})
    criteria = []
    for day in days[:20]:
        start = (day - dt.timedelta(days=30)).isoformat()
        criteria += [
            "/transactions/?"
            + urlencode({"payment_date_from": start, "payment_date_to": day, "status": status})
            for status in ("CAPTURED", "REFUSED")
        ]
        criteria.append(
            "/transactions/?"
            + urlencode(
                {
                    "payment_date_from": start,
                    "payment_date_to": day,
                    "status": "CAPTURED",
                    "payment_means": "CB",
                    "amount_min": "10",
                    "amount_max": "100",
                }
            )
        )
    api_lists = ["/api/v1/transactions/", "/api/v1/operations/"] + [
        f"/api/v1/transactions/?{urlencode({'payment_date_from': d, 'payment_date_to': d})}"
        for d in days[:10]
    ]
    day = rows[0].payment_date
    shop = rows[0].merchant.merchant_id
    export = "/transactions/export.csv?" + urlencode(
        {"merchant_id": shop, "payment_date_from": day, "payment_date_to": day}
    )
    return {
        "cookie": None,  # filled in by main
        "token": key,
        "rows": [key_of(t) for t in rows],
        "refundable": [key_of(t) for t in refundable],
        "refund_amount": 1,
        "criteria": criteria,
        "api_lists": api_lists,
        "export": export,
    }, scope.filter(merchant__merchant_id=shop, payment_date=day).count()


def percentile(times: dict[int, int], q: float) -> int:
    """The response time (ms, locust's rounded buckets) that a share `q` of requests beat."""
    count = sum(times.values())
    seen = 0
    for ms in sorted(times):
        seen += times[ms]
        if seen >= q * count:
            return ms
    return 0


def read_stats(path: Path) -> dict[str, dict]:
    """Locust's final stats per request kind, and "all": count, errors, times {ms: n}."""
    kinds = {}
    entries = json.loads(path.read_text(encoding="utf-8"))
    for entry in entries:
        kinds[entry["name"]] = {
            "count": entry["num_requests"],
            "errors": entry["num_failures"],
            "times": {int(ms): n for ms, n in entry["response_times"].items()},
        }
    merged: dict[int, int] = {}
    for kind in kinds.values():
        for ms, n in kind["times"].items():
            merged[ms] = merged.get(ms, 0) + n
    kinds["all"] = {
        "count": sum(k["count"] for k in kinds.values()),
        "errors": sum(k["errors"] for k in kinds.values()),
        "times": merged,
    }
    return kinds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=1_000_000, help="seeded when fewer")
    parser.add_argument("--shops", type=int, default=200, help="shops when seeding")
    parser.add_argument("--merchant-shops", type=int, default=10, help="the bench user's shops")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--rows", type=int, default=500, help="transactions the clients use")
    parser.add_argument(
        "--workers", type=int, default=0, help="gunicorn workers (default: deploy's)"
    )
    parser.add_argument("--threads", type=int, default=0, help="threads (default: deploy's)")
    parser.add_argument("--port", type=int, default=8795)
    parser.add_argument("--no-analyze", dest="analyze", action="store_false")
    parser.add_argument("--smoke", action="store_true", help="tiny scale, for CI")
    args = parser.parse_args()
    if args.smoke:
        args.transactions, args.shops, args.merchant_shops = 5000, 20, 3
        args.clients, args.duration, args.rows = 4, 10, 50
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gestion_bench_load")
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": url}
    database(url, fresh=args.smoke)
    migrate(url)
    manage = [sys.executable, str(ROOT / "manage.py")]
    step("collecting static files")
    run([*manage, "collectstatic", "--noinput", "-v0"], env)
    django_setup(url)
    from django.db import connection

    total = seed_if_needed(args, manage, env)
    cookies, _bank, merchant_user, shops = bench_users(args.merchant_shops)
    step("sampling transactions for the clients")
    load_plan, export_rows = plan(args, shops, merchant_user)
    load_plan["cookie"] = cookies["merchant"]
    dbname = urlparse(url).path.lstrip("/")
    connection.close()

    server_env = {
        **env,
        # The refunds must not depend on the hour of the run (no remittance window), and the
        # workers keep their connections for the whole run (their backends' CPU is measured).
        "GESTION_REMITTANCE_WINDOW": "00:00,00:00",
        "DJANGO_CONN_MAX_AGE": "600",
    }
    with tempfile.TemporaryDirectory(prefix="gestion-load-") as tmp:
        plan_path = Path(tmp) / "plan.json"
        plan_path.write_text(json.dumps(load_plan), encoding="utf-8")
        server = Server(args.workers, args.port, server_env, threads=args.threads)
        try:
            workers = server.workers()
            threads = args.threads or "deploy's default"
            print(
                f"scale: {total:,} transactions ({connection.vendor}, {dbname}); the bench user's "
                f"{len(shops)} shops; export of one day = {export_rows:,} rows; "
                f"{args.clients} clients for {args.duration} s, no think time; load average before "
                f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}"
            )
            prefix = Path(tmp) / "stats"
            step("warming every worker up (not counted)")
            warm = [
                load_plan["criteria"][0],
                "/transactions/{merchant_id}/{payment_date}/{transaction_id}/".format(
                    **load_plan["rows"][0]
                ),
                load_plan["export"],
            ]
            for _ in range(2 * len(workers)):
                for path in warm:
                    fetch(args.port, path, load_plan["cookie"])
            cpu_server = server_cpu(server)
            backends_before = {pid: cpu(pid) for pid in backend_pids(dbname)}
            workers = server.workers()  # all started by now
            print(f"bin/serve: {len(workers)} workers (threads: {threads})")
            step(f"{args.clients} clients for {args.duration} s (locust)")
            started = time.perf_counter()
            clients = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    str(ROOT / "bench/_locustfile.py"),
                    "--headless",
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                    "-u",
                    str(args.clients),
                    "-r",
                    str(args.clients),
                    "-t",
                    f"{args.duration}s",
                    "--stop-timeout",
                    "10",
                    "--host",
                    f"http://127.0.0.1:{args.port}",
                    "--json-file",
                    str(prefix),
                ],  # fmt: skip
                env={**os.environ, "GESTION_LOAD_PLAN": str(plan_path)},
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=(Path(tmp) / "locust.log").open("w"),
            )
            clients.wait()
            elapsed = time.perf_counter() - started
            cpu_server = server_cpu(server) - cpu_server
            cpu_db = sum(cpu(pid) - backends_before.get(pid, 0.0) for pid in backend_pids(dbname))
            load_after = os.getloadavg()
            log = (Path(tmp) / "locust.log").read_text(encoding="utf-8")
            if not prefix.with_suffix(".json").exists():
                raise SystemExit(f"locust left no stats; it said:\n{log[-3000:]}")
            stats = read_stats(prefix.with_suffix(".json"))
        finally:
            connection.close()
            server.stop()
    print(
        f"\n{'request':34} {'count':>7} {'errors':>6} {'req/s':>7} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    )
    span = args.duration  # locust's run time; answers in flight at its end are counted too
    for name, kind in sorted(stats.items(), key=lambda item: item[0] == "all"):
        print(
            f"{name:34} {kind['count']:7,} {kind['errors']:6} {kind['count'] / span:7.1f} "
            + " ".join(f"{percentile(kind['times'], q):7}" for q in (0.5, 0.95, 0.99))
        )
    total = stats["all"]
    rate, p95 = total["count"] / span, percentile(total["times"], 0.95)
    count, errors = total["count"], total["errors"]
    print(
        f"\nCPU per request: {1000 * cpu_server / max(count, 1):.1f} ms in the server's "
        f"processes + {1000 * cpu_db / max(count, 1):.1f} ms in their PostgreSQL backends "
        f"({cpu_server:.0f} s + {cpu_db:.0f} s over {elapsed:.0f} s of load); load average "
        f"after {', '.join(f'{x:.2f}' for x in load_after)}"
    )
    met = rate >= 40 and p95 <= 250 and not errors and args.clients >= 20
    print(
        "goal: >= 40 requests/s with p95 <= 250 ms at 20 clients and no error: "
        + ("met" if met else "not met")
    )
    if errors:
        print(f"{errors} error answers; locust said:\n{log[-3000:]}")
        sys.exit(1)


if __name__ == "__main__":
    main()
