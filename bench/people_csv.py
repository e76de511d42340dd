"""What the formula guard of the one CSV writer for people costs (core.csv), per exported row.

    .venv/bin/python bench/people_csv.py [--rows 500000] [--smoke]

Writes the same synthetic rows (the 27 columns of a transactions export: ids, dates, amounts as
integers, free text, a few formula-looking cells) with the standard library's csv.writer (the
baseline: what the exports did before) and with core.csv.PeopleCsvWriter, in memory; prints
rows/s of each and the ratio. No database: it measures the writer alone. Asserts nothing.
"""

import argparse
import csv
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.csv import PeopleCsvWriter  # noqa: E402


class _Line:
    def write(self, text):
        return text


def rows(count: int):
    day = dt.date(2026, 11, 27)
    for n in range(count):
        yield [
            "014213245611111", f"{n % 1_000_000:06d}", day, "10:15:00", "CAPTURED",
            1050 + n % 97, 1050, 1050, 0, "978", "AUTHOR_CAPTURE", 0, day, "CB", "4974.01",
            "00", "00", "4D", "A12345", "00", f"C{n:08d}", f"client{n}@example.fr",
            "192.0.2.10", "=2+5" if n % 50 == 0 else f"CMD-{n}", "session=abc",
            "SENT", "FEED",
        ]  # fmt: skip


def timed(write, count: int) -> float:
    started = time.perf_counter()
    done = 0
    for row in rows(count):
        write(row)
        done += 1
        if done % 100_000 == 0:
            print(f"  … {done:,} rows", file=sys.stderr)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--smoke", action="store_true", help="tiny scale, for CI")
    args = parser.parse_args()
    count = 2_000 if args.smoke else args.rows
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    plain = csv.writer(_Line(), delimiter=";", lineterminator="\r\n")
    baseline = min(timed(plain.writerow, count) for _ in range(3))
    people = PeopleCsvWriter()
    guarded = min(timed(people.row, count) for _ in range(3))
    print(f"rows: {count:,} × 27 columns, best of 3")
    print(f"baseline csv.writer:     {count / baseline:12,.0f} rows/s")
    print(f"core.csv PeopleCsvWriter:{count / guarded:12,.0f} rows/s")
    print(f"cost of the guard: {guarded / baseline:.2f}× the baseline's time")


if __name__ == "__main__":
    main()
