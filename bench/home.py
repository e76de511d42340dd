"""How fast the home page answers, its 30-day charts included (docs/home.md), through the
production server, for a merchant user (10 shops) and a bank user (every shop).

Full scale (the 10,000,000-transaction database bench/search.py seeds, reused):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gestion_bench10m \
        .venv/bin/python bench/home.py --transactions 10000000 --shops 2000

CI smoke (drops, creates, migrates and seeds the scratch database named in DATABASE_URL):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gestion_bench_ci \
        .venv/bin/python bench/home.py --smoke

It reuses bench/search.py's database preparation, seeding, users (the bank user's session has
passed its second factor) and server (bin/serve: gunicorn, production settings, DEBUG off). It
prints the scale; the cold cost of the 30-day figures (computed in this process, cache empty:
what the first home page of the hour pays per server process); then p50 / p95 of the home page
per user over --repeat requests, with the transaction list's first page of the same user as the
baseline measured in the same run. It asserts nothing about time.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import BENCH_ENV, django_setup, step  # noqa: E402
from bench.search import (  # noqa: E402
    FLOOR_PATH,
    Server,
    bench_users,
    floor_ms,
    fmt,
    over_floor,
    prepare_database,
    run,
    seed_if_needed,
    timed,
    timed_db,
)


def cold_trend(user) -> float:
    """Milliseconds of the 30-day figures for `user`'s shops, Django's cache empty."""
    from django.core.cache import cache
    from django.db import connection
    from django.utils import timezone

    from merchants.selectors import merchants_visible_to
    from transactions.selectors import trend, trend_memo_clear

    cache.clear()
    trend_memo_clear()
    started = time.perf_counter()
    trend(merchants=merchants_visible_to(user=user), today=timezone.localdate())
    elapsed = (time.perf_counter() - started) * 1000
    connection.close()
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=10_000_000)
    parser.add_argument("--shops", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=40, help="home pages per user")
    parser.add_argument("--merchant-shops", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8795)
    parser.add_argument("--no-analyze", dest="analyze", action="store_false")
    parser.add_argument("--smoke", action="store_true", help="tiny scale, for CI")
    args = parser.parse_args()
    if args.smoke:
        args.transactions, args.shops, args.repeat, args.merchant_shops = 5000, 20, 5, 3
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gestion_bench10m")
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": url}
    manage, dev_env = prepare_database(args, url, env)
    step("collecting static files")
    run([*manage, "collectstatic", "--noinput", "-v0"], env)
    django_setup(url)
    from django.db import connection

    from transactions.models import Transaction

    total = seed_if_needed(args, manage, dev_env)
    cookies, bank, merchant, shops = bench_users(args.merchant_shops)
    scope = Transaction.objects.filter(merchant__in=shops).count()
    connection.close()
    print(
        f"scale: {total:,} transactions, {args.shops:,} shops ({connection.vendor}); merchant "
        f"user: {len(shops)} shops = {scope:,} transactions; gunicorn {args.workers} workers; "
        f"{args.repeat} requests per page; load {os.getloadavg()[0]:.2f}"
    )
    step("30-day figures, cache empty")
    cold = {"merchant": cold_trend(merchant), "bank": cold_trend(bank)}
    print(
        f"30-day figures, cold (once an hour per server process): merchant "
        f"{cold['merchant']:.0f} ms, bank {cold['bank']:.0f} ms"
    )
    server = Server(args.workers, args.port, env)
    problems = []
    home_floor = {}
    try:
        floor = {who: floor_ms(args.port, cookies[who], args.repeat) for who in cookies}
        print(
            f"\nfloor page ({FLOOR_PATH}) p50: merchant {floor['merchant']:.1f} ms, bank "
            f"{floor['bank']:.1f} ms"
        )
        print(f"\n{'page':36} {'merchant p50 / p95 ms':>21} {'bank p50 / p95 ms':>21}")
        for name, path in (("home (to-do, today, 30-day charts)", "/"),
                           ("baseline: transaction list, page 1", "/transactions/")):  # fmt: skip
            figures = []
            for who in ("merchant", "bank"):
                # Each worker fills its cache on its first home page: warm them all first.
                for _ in range(args.workers * 2):
                    timed(args.port, cookies[who], [path])
                times, db, bad = timed_db(args.port, cookies[who], [path] * args.repeat, ok=(200,))
                problems += bad
                figures.append(times)
                if path == "/":
                    home_floor[who] = over_floor(times, db, floor[who])
            print(f"{name:36} {fmt(figures[0]):>21} {fmt(figures[1]):>21}")
            if path == "/":
                home = [statistics.median(t) for t in figures]
        print(f"\nhome p50: merchant {home[0]:.1f} ms, bank {home[1]:.1f} ms (goal <= 150 ms)")
        print(
            "home p50 ÷ (floor page + its SQL p50): "
            + ", ".join(
                f"{who} {ratio:.2f}x (floor {own:.1f} ms)"
                for who, (own, ratio) in home_floor.items()
            )
            + " (goal <= 3x)"
        )
    finally:
        server.stop()
    if problems:
        print(f"\n{len(problems)} unexpected answers, e.g. {problems[:3]}")
        sys.exit(1)


if __name__ == "__main__":
    main()
