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
    if parsed.scheme.startswith("postgres"):
        name = parsed.path.lstrip("/")
        admin = ["psql", "-h", parsed.hostname or "127.0.0.1", "-U", parsed.username or "postgres"]
        subprocess.run([*admin, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=True)
        subprocess.run([*admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "true"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], check=True, env=env, cwd=ROOT)
    started = time.perf_counter()
    subprocess.run(
        [*manage, "seed_demo", f"--transactions={args.transactions}", f"--shops={args.shops}"],
        check=True,
        env=env,
        cwd=ROOT,
    )
    elapsed = time.perf_counter() - started
    print(
        f"seed_demo: {args.transactions:,} transactions across {args.shops:,} shops "
        f"({parsed.scheme}) in {elapsed:.1f} s = {args.transactions / elapsed:,.0f} rows/s"
    )


if __name__ == "__main__":
    main()
