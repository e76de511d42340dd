"""How fast seed_demo loads a large demo world (issue: 1,000,000 rows on PostgreSQL < 3 min).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gestion_bench_seed \
        .venv/bin/python bench/seed_demo.py --transactions 1000000 --shops 2000

Drops and recreates the database named in DATABASE_URL, migrates it, then times seed_demo.
Prints figures; asserts nothing about time.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import database, migrate, production_env, step  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--shops", type=int, default=2000)
    parser.add_argument("--smoke", action="store_true", help="tiny scale, for CI")
    args = parser.parse_args()
    if args.smoke:
        args.transactions, args.shops = 5000, 20
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gestion_bench_seed")
    parsed = urlparse(url)
    database(url, fresh=True)
    migrate(url)
    manage = [sys.executable, str(ROOT / "manage.py")]
    step("seed_demo (its progress line below)")
    started = time.perf_counter()
    # Production settings: seed_demo needs --outside-development and gives no demo password.
    subprocess.run(
        [
            *manage,
            "seed_demo",
            f"--transactions={args.transactions}",
            f"--shops={args.shops}",
            "--outside-development",
        ],  # fmt: skip
        check=True,
        env=production_env(url),
        cwd=ROOT,
    )
    elapsed = time.perf_counter() - started
    print(
        f"seed_demo: {args.transactions:,} transactions across {args.shops:,} shops "
        f"({parsed.scheme}) in {elapsed:.1f} s = {args.transactions / elapsed:,.0f} rows/s"
    )


if __name__ == "__main__":
    main()
