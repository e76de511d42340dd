"""How fast the transaction search answers through a real HTTP server (docs/search.md).

Full scale (10,000,000 transactions across 2,000 shops, seeded once, then reused):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gestion_bench10m \
        /work/main/.venv/bin/python bench/search.py --transactions 10000000 --shops 2000

CI smoke (drops, creates, migrates and seeds the scratch database named in DATABASE_URL):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gestion_bench_ci \
        /work/main/.venv/bin/python bench/search.py --smoke

It makes the database if it is missing, migrates it (the search indexes are built then on an
existing table), seeds it with seed_demo if it holds fewer transactions than asked, starts the
production server (bin/serve: gunicorn, production settings, DEBUG off), and times, for a
merchant user (10 shops) and a bank user (every shop), the searches the issue names; the same
searches in Django's admin changelist for Transaction are the baseline, run in the same process
against the same server, and the ratios are printed. It prints figures and asserts nothing about
time.
"""

import argparse
import datetime as dt
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import BENCH_ENV, database, django_setup, migrate, step  # noqa: E402


def run(cmd, env, **kwargs):
    return subprocess.run(cmd, check=True, env=env, cwd=ROOT, **kwargs)


def prepare_database(args, url, env):
    # Made when missing (fresh in smoke mode), then migrated: the search indexes are built then.
    database(url, fresh=args.smoke)
    started = time.perf_counter()
    migrate(url)
    step(f"migrate (indexes included): {time.perf_counter() - started:.1f} s")
    return [sys.executable, str(ROOT / "manage.py")], env


def seed_if_needed(args, manage, dev_env):
    from transactions.models import Transaction

    have = Transaction.objects.count()
    if have < args.transactions * 0.99:
        started = time.perf_counter()
        step(f"seeding: {have:,} transactions, {args.transactions:,} wanted")
        # Production settings: the demo accounts get no password (the bench makes its own).
        run(
            [
                *manage,
                "seed_demo",
                f"--transactions={args.transactions}",
                f"--shops={args.shops}",
                "--outside-development",
            ],  # fmt: skip
            dev_env,
        )
        step(f"seed_demo: {time.perf_counter() - started:.1f} s")
        have = Transaction.objects.count()
    if args.analyze:
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE transactions_transaction, operations_operation")
    return have


def bench_users(shops_per_merchant):
    """A bank user (superuser, for the admin too) and a merchant user with a group of shops."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from merchants.models import Access, Merchant, MerchantGroup, User
    from transactions.models import Transaction

    bank, _ = User.objects.get_or_create(
        username="bench_bank",
        defaults={"is_bank_staff": True, "is_staff": True, "is_superuser": True, "language": "en"},
    )
    merchant_user, _ = User.objects.get_or_create(
        username="bench_merchant", defaults={"language": "en"}
    )
    group, _ = MerchantGroup.objects.get_or_create(name="Bench")
    with_rows = Transaction.objects.order_by().values("merchant_id").distinct()
    shops = list(
        Merchant.objects.filter(pk__in=with_rows).order_by("merchant_id")[:shops_per_merchant]
    )
    group.merchants.set(shops)
    Access.objects.get_or_create(user=merchant_user, role="CONSULTER", group=group)

    def session(user):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        # A backend the settings list, or the session is anonymous (and every page a redirect).
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        # Bank staff must pass a second factor: the session a code would have verified.
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="bench", defaults={"confirmed": True}
        )
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        store.create()
        return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"

    return {"bank": session(bank), "merchant": session(merchant_user)}, bank, merchant_user, shops


class Server:
    def __init__(self, workers, port, env, threads=1):
        """bin/serve with `workers` processes of `threads` threads (0: deploy's defaults)."""
        self.port = port
        sizes = {"GESTION_WEB_WORKERS": workers, "GESTION_WEB_THREADS": threads}
        # The production server command (bin/serve), sync workers by default, no access log.
        self.proc = subprocess.Popen(
            [str(ROOT / "bin/serve"), f"--bind=127.0.0.1:{port}", "--timeout=600"],
            env={
                **env,
                "PYTHON": sys.executable,
                **{name: str(n) for name, n in sizes.items() if n},
                "GESTION_ACCESS_LOG": "",
                "GESTION_WEB_LOG_LEVEL": "warning",
                # Each answer says its SQL time, and the floor page exists (core/timing.py).
                "GESTION_SERVER_TIMING": "true",
            },
            cwd=ROOT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not start")

    def workers(self):
        pids = set()
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            children = (task / "children").read_text().split()
            pids.update(int(p) for p in children)
        return sorted(pids)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Fetched(NamedTuple):
    status: int
    ms: float  # to the last byte, as the client sees it
    size: int
    db_ms: float | None  # the SQL time the server reports (Server-Timing, core/timing.py)


def fetch(port, path, cookie) -> Fetched:
    """GET path. A redirect to the login page is reported as 401: it means the bench's session
    is not logged in, never a fast answer."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
    response = conn.getresponse()
    size = 0
    while chunk := response.read(1 << 16):
        size += len(chunk)
    conn.close()
    status = response.status
    if status in (301, 302) and "/accounts/login/" in (response.getheader("Location") or ""):
        status = 401
    timing = re.search(r"\bdb;dur=([\d.]+)", response.getheader("Server-Timing") or "")
    return Fetched(
        status, (time.perf_counter() - started) * 1000, size, float(timing[1]) if timing else None
    )


def timed_db(port, cookie, paths, ok=(200, 302)):
    """(times, SQL times reported by the server, unexpected answers) of GET each path."""
    fetch(port, paths[0], cookie)  # warm this code path once, not counted
    times, db, bad = [], [], []
    for path in paths:
        got = fetch(port, path, cookie)
        times.append(got.ms)
        if got.db_ms is not None:
            db.append(got.db_ms)
        if got.status not in ok:
            bad.append((got.status, path))
    return times, db, bad


def timed(port, cookie, paths, ok=(200, 302)):
    times, _db, bad = timed_db(port, cookie, paths, ok)
    return times, bad


FLOOR_PATH = "/server-timing/floor/"


def floor_ms(port, cookie, repeat) -> float:
    """p50 of the floor page (core/timing.py): the layout behind the login, no SQL of its own
    beyond the session's; what every page of this user costs before its own work."""
    times, bad = timed(port, cookie, [FLOOR_PATH] * repeat, ok=(200,))
    if bad:
        raise SystemExit(f"the floor page answered {bad[0]}")
    return statistics.median(times)


def over_floor(times, db, floor) -> tuple[float, float]:
    """(the page's floor: the floor page + the page's own SQL, p50 ÷ that floor)."""
    own = floor + (statistics.median(db) if db else 0.0)
    return own, statistics.median(times) / own


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def fmt(times):
    if not times:
        return "n/a"
    return f"{statistics.median(times):8.1f} / {pct(times, 0.95):8.1f}"


def samples(queryset, count, rng):
    """`count` transactions spread over `queryset`, read by primary-key probes (no ORDER BY
    random() on a big table)."""
    from django.db.models import Max, Min

    bounds = queryset.aggregate(low=Min("id"), high=Max("id"))
    found = []
    tries = 0
    while len(found) < count and tries < count * 50:
        tries += 1
        probe = rng.randint(bounds["low"], bounds["high"])
        row = queryset.filter(id__gte=probe).select_related("merchant").order_by("id").first()
        if row is not None:
            found.append(row)
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=10_000_000)
    parser.add_argument("--shops", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=40, help="requests per search, gestion")
    parser.add_argument("--admin-repeat", type=int, default=5, help="requests per search, admin")
    parser.add_argument("--merchant-shops", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8794)
    parser.add_argument("--no-analyze", dest="analyze", action="store_false")
    parser.add_argument("--smoke", action="store_true", help="tiny scale, for CI")
    args = parser.parse_args()
    if args.smoke:
        args.transactions, args.shops, args.repeat, args.admin_repeat = 5000, 20, 5, 2
        args.merchant_shops = 3
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gestion_bench10m")
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": url}
    manage, dev_env = prepare_database(args, url, env)
    step("collecting static files")
    run([*manage, "collectstatic", "--noinput", "-v0"], env)
    django_setup(url)
    from django.db import connection

    from core.keyset import encode_cursor
    from core.money import format_amount
    from transactions.models import Status, Transaction
    from transactions.selectors import TRANSACTIONS

    total = seed_if_needed(args, manage, dev_env)
    cookies, _bank, _merchant, shops = bench_users(args.merchant_shops)
    rng = random.Random(4)
    bank_rows = samples(Transaction.objects.all(), args.repeat, rng)
    merchant_scope = Transaction.objects.filter(merchant__in=shops)
    merchant_rows = samples(merchant_scope, args.repeat, rng)
    last_day = Transaction.objects.order_by("-payment_at").values_list("payment_date", flat=True)[0]
    connection.close()
    print(
        f"scale: {total:,} transactions, {args.shops:,} shops "
        f"({connection.vendor}); merchant user: {len(shops)} shops = {merchant_scope.count():,} "
        f"transactions; gunicorn {args.workers} workers; {args.repeat} requests per search "
        f"(admin {args.admin_repeat})"
    )

    def date_range(days=31):
        start = last_day - dt.timedelta(days=days - 1)
        return start.isoformat(), last_day.isoformat()

    start, end = date_range()
    end_excl = (last_day + dt.timedelta(days=1)).isoformat()

    def ours(params):
        return f"/transactions/?{urlencode(params, doseq=True)}"

    def admin(params):
        return f"/admin/transactions/transaction/?{urlencode(params)}"

    def box_amount(row):
        # As people paste it: "€113.19" in English (the bench users' language).
        return format_amount(row.amount, row.currency_code, language="en")

    def by_number(rows):
        return [
            f"/transactions/find/?transaction_id={int(r.transaction_id)}&payment_date={r.payment_date}"
            for r in rows
        ]

    # The 1,000th page (or the last full one at small scale): its cursor is the key of the
    # row just before it, found once here.
    def page_n_cursor(queryset, size=25):
        count = min(queryset.count(), 1000 * size)
        page = max(1, count // size)
        if page == 1:
            return 1, ""
        at, pk = queryset.order_by("-payment_at", "-id").values_list("payment_at", "id")[
            (page - 1) * size - 1
        ]
        return page, encode_cursor(TRANSACTIONS, "-payment_at", at, pk, number=page)

    bank_page, bank_cursor = page_n_cursor(Transaction.objects.all())
    merchant_page, merchant_cursor = page_n_cursor(merchant_scope)
    connection.close()

    n, na = args.repeat, args.admin_repeat
    statuses = [Status.CAPTURED, Status.TO_CAPTURE, Status.REFUSED]
    searches = [
        (
            "by number (+ payment date)",
            by_number(merchant_rows),
            by_number(bank_rows),
            [
                admin(
                    {
                        "q": r.transaction_id,
                        "payment_date__gte": str(r.payment_date),
                        "payment_date__lt": str(r.payment_date + dt.timedelta(days=1)),
                    }
                )
                for r in bank_rows[:na]
            ],
        ),
        (
            "detail page",
            [
                f"/transactions/{r.merchant.merchant_id}/{r.payment_date}/{r.transaction_id}/"
                for r in merchant_rows
            ],
            [
                f"/transactions/{r.merchant.merchant_id}/{r.payment_date}/{r.transaction_id}/"
                for r in bank_rows
            ],
            [f"/admin/transactions/transaction/{r.pk}/change/" for r in bank_rows[:na]],
        ),
        (
            "31 days + status",
            [
                ours({"payment_date_from": start, "payment_date_to": end, "status": s})
                for s in (statuses * n)[:n]
            ],
            [
                ours({"payment_date_from": start, "payment_date_to": end, "status": s})
                for s in (statuses * n)[:n]
            ],
            [
                admin(
                    {"payment_date__gte": start, "payment_date__lt": end_excl, "status__exact": s}
                )
                for s in (statuses * na)[:na]
            ],
        ),
        (
            "31 days + status + means + amount",
            [
                ours(
                    {
                        "payment_date_from": start,
                        "payment_date_to": end,
                        "status": "CAPTURED",
                        "payment_means": m,
                        "amount_min": "10",
                        "amount_max": "100",
                    }
                )
                for m in (["VISA", "CB", "MASTERCARD"] * n)[:n]
            ],
            [
                ours(
                    {
                        "payment_date_from": start,
                        "payment_date_to": end,
                        "status": "CAPTURED",
                        "payment_means": m,
                        "amount_min": "10",
                        "amount_max": "100",
                    }
                )
                for m in (["VISA", "CB", "MASTERCARD"] * n)[:n]
            ],
            # The admin has no amount filter: its baseline is the rest of the criteria.
            [
                admin(
                    {
                        "payment_date__gte": start,
                        "payment_date__lt": end_excl,
                        "status__exact": "CAPTURED",
                        "payment_means__exact": m,
                    }
                )
                for m in (["VISA", "CB", "MASTERCARD"] * na)[:na]
            ],
        ),
        (
            "customer e-mail",
            [ours({"customer_email": r.customer_email}) for r in merchant_rows],
            [ours({"customer_email": r.customer_email}) for r in bank_rows],
            [admin({"q": r.customer_email}) for r in bank_rows[:na]],
        ),
        (
            "order_id",
            [ours({"order_id": r.order_id}) for r in merchant_rows],
            [ours({"order_id": r.order_id}) for r in bank_rows],
            [admin({"q": r.order_id}) for r in bank_rows[:na]],
        ),
        # The search box (docs/search.md, "The search box"): what people type.
        (
            "box: e-mail in another case",
            [ours({"q": r.customer_email.upper()}) for r in merchant_rows],
            [ours({"q": r.customer_email.upper()}) for r in bank_rows],
            [admin({"q": r.customer_email.upper()}) for r in bank_rows[:na]],
        ),
        (
            "box: order reference prefix",
            [ours({"q": r.order_id[:-3]}) for r in merchant_rows],
            [ours({"q": r.order_id[:-3]}) for r in bank_rows],
            [admin({"q": r.order_id[:-3]}) for r in bank_rows[:na]],
        ),
        (
            "box: card last digits",
            [ours({"q": f"**{r.card_number[-2:]}"}) for r in merchant_rows],
            [ours({"q": f"**{r.card_number[-2:]}"}) for r in bank_rows],
            [admin({"q": r.card_number}) for r in bank_rows[:na]],
        ),
        (
            "box: amount as typed",
            [ours({"q": box_amount(r)}) for r in merchant_rows],
            [ours({"q": box_amount(r)}) for r in bank_rows],
            # The admin has no amount search: its baseline is its plain list.
            [admin({})] * na,
        ),
        (
            "list, page 1",
            [ours({})] * n,
            [ours({})] * n,
            [admin({})] * na,
        ),
        (
            f"list, page {bank_page} (merchant: {merchant_page})",
            [ours({"cursor": merchant_cursor})] * n,
            [ours({"cursor": bank_cursor})] * n,
            [admin({"p": bank_page})] * na,
        ),
    ]

    server = Server(args.workers, args.port, env)
    results = {}
    problems = []
    floors = {}
    try:
        floor = {who: floor_ms(args.port, cookies[who], n) for who in ("merchant", "bank")}
        print(
            f"\nfloor page (layout behind the login, {FLOOR_PATH}) p50: merchant "
            f"{floor['merchant']:.1f} ms, bank {floor['bank']:.1f} ms; load "
            f"{os.getloadavg()[0]:.2f}"
        )
        print(
            f"\n{'search':44} {'merchant p50 / p95 ms':>21} {'bank p50 / p95 ms':>21} "
            f"{'admin p50 / p95 ms':>21} {'admin/bank p50':>14}"
        )
        for name, merchant_paths, bank_paths, admin_paths in searches:
            m_times, m_db, m_bad = timed_db(args.port, cookies["merchant"], merchant_paths)
            b_times, b_db, b_bad = timed_db(args.port, cookies["bank"], bank_paths)
            a_times, a_bad = timed(args.port, cookies["bank"], admin_paths)
            problems += m_bad + b_bad + a_bad
            results[name] = (m_times, b_times, a_times)
            floors[name] = (
                over_floor(m_times, m_db, floor["merchant"]),
                over_floor(b_times, b_db, floor["bank"]),
            )
            ratio = statistics.median(a_times) / statistics.median(b_times)
            print(
                f"{name:44} {fmt(m_times):>21} {fmt(b_times):>21} {fmt(a_times):>21} {ratio:13.1f}x"
            )
        print(
            f"\n{'search: p50 ÷ (floor page + its SQL p50)':44} {'merchant floor ms':>17} "
            f"{'÷ floor':>8} {'bank floor ms':>14} {'÷ floor':>8}   (goal <= 2x)"
        )
        for name, ((m_floor, m_ratio), (b_floor, b_ratio)) in floors.items():
            print(f"{name:44} {m_floor:17.1f} {m_ratio:7.2f}x {b_floor:14.1f} {b_ratio:7.2f}x")
        page1 = results["list, page 1"]
        page_n = results[searches[-1][0]]
        print(
            f"\npage {merchant_page} / page 1 (p50), merchant: "
            f"{statistics.median(page_n[0]) / statistics.median(page1[0]):.2f}x; "
            f"page {bank_page} / page 1, bank: "
            f"{statistics.median(page_n[1]) / statistics.median(page1[1]):.2f}x; "
            f"admin: {statistics.median(page_n[2]) / statistics.median(page1[2]):.2f}x"
        )

        # CSV export of the merchant's whole scope (under the 100,000-row background limit).
        workers = server.workers()
        base = {pid: rss_kib(pid) for pid in workers}
        peak = dict(base)
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                for pid in workers:
                    try:
                        peak[pid] = max(peak[pid], rss_kib(pid))
                    except (FileNotFoundError, ProcessLookupError):
                        pass
                time.sleep(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        rows = merchant_scope.count()
        connection.close()
        export_times = []
        for _ in range(2 if not args.smoke else 1):
            got = fetch(args.port, "/transactions/export.csv", cookies["merchant"])
            if got.status != 200:
                problems.append((got.status, "/transactions/export.csv"))
            export_times.append(got.ms)
            size = got.size
        stop.set()
        sampler.join()
        best = min(export_times) / 1000
        growth = max(peak[p] - base[p] for p in workers) / 1024
        print(
            f"CSV export: {rows:,} rows, {size / 1e6:.1f} MB in {best:.2f} s = "
            f"{rows / best:,.0f} rows/s; worker peak RSS {max(peak.values()) / 1024:.0f} MiB "
            f"(+{growth:.1f} MiB over its resting size)"
        )
    finally:
        server.stop()
    if problems:
        print(f"\n{len(problems)} unexpected answers, e.g. {problems[:3]}")
        sys.exit(1)


if __name__ == "__main__":
    main()
