"""Sips 2.0 automatic responses ingested per second through a real HTTP server, seal checked,
against the plain JSON feed in the same run (goal: ≥ 300 responses/s on this machine).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gestion_bench_sips \
        .venv/bin/python bench/sips2.py --responses 3000 --clients 8 --workers 4

Drops and recreates the PostgreSQL database named in DATABASE_URL, migrates it, creates two shops
with a secret key (version 1) and contracts, and the payment-server account; starts gunicorn with
production settings (DEBUG off); then posts, from `--clients` threads:
1. N Sips 2.0 responses to /sips/v2/response/, each a distinct transaction, Data sealed with
   HMAC-SHA-256 (the server decrypts the shop's key and checks the seal for each);
2. the same number of single transactions as JSON to /api/v1/transactions/ (the baseline);
3. the first tenth of the Sips 2.0 responses again (Sips' retries: answered 200, nothing stored).
Checks every answer and the stored counts; prints figures; asserts nothing about time.
"""

import argparse
import base64
import datetime as dt
import hashlib
import hmac
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import BENCH_ENV, database  # noqa: E402

SECRET = "bench-shop-secret-key-for-sips-2-0"
SIPS2_SHOP, FEED_SHOP = "099000000000021", "099000000000022"


def fresh_database(url: str) -> None:
    if not urlparse(url).scheme.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL database (it is dropped).")
    database(url, fresh=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sips2_form(n: int, day: dt.date) -> bytes:
    data = "|".join(
        [
            f"merchantId={SIPS2_SHOP}",
            f"s10TransactionId={n}",
            f"transactionReference=BENCH{n}",
            f"transactionDateTime={day.isoformat()}T10:00:00+01:00",
            f"amount={1000 + n}",
            "currencyCode=978",
            "responseCode=00",
            "acquirerResponseCode=00",
            f"authorisationId=A{n}",
            "captureDay=0",
            "captureMode=AUTHOR_CAPTURE",
            "cardCSCResultCode=4D",
            "maskedPan=4974##########01",
            "paymentMeanBrand=CB",
            "paymentMeanType=CARD",
            f"orderId=ORDER-{n}",
            "keyVersion=1",
        ]
    )
    encoded = base64.b64encode(data.encode()).decode()
    seal = hmac.new(SECRET.encode(), encoded.encode(), hashlib.sha256).hexdigest()
    return urlencode(
        {
            "Data": encoded,
            "Encode": "base64",
            "Seal": seal,
            "SealAlgorithm": "HMAC-SHA-256",
            "InterfaceVersion": "HP_2.20",
            "keyVersion": "1",
        }
    ).encode()


def feed_body(n: int, day: dt.date) -> bytes:
    return json.dumps(
        {
            "merchant_id": FEED_SHOP,
            "transaction_id": str(n),
            "amount": str(1000 + n),
            "currency_code": "978",
            "payment_means": "CB",
            "card_number": "4974.01",
            "response_code": "00",
            "bank_response_code": "00",
            "cvv_response_code": "4D",
            "authorisation_id": f"A{n}",
            "payment_date": f"{day:%Y%m%d}",
            "payment_time": "100000",
            "order_id": f"ORDER-{n}",
        }
    ).encode()


def post_all(port, path, bodies, headers, clients, expect, label):
    """POST every body from `clients` threads; → seconds. Any other answer than `expect` stops."""
    done = [0]
    lock = threading.Lock()
    failures = []

    def work(share):
        for body in share:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            conn.request("POST", path, body=body, headers={**headers, "Host": "127.0.0.1"})
            response = conn.getresponse()
            content = response.read()
            conn.close()
            if response.status != expect:
                failures.append((response.status, content[:300]))
                return
            with lock:
                done[0] += 1

    threads = [
        threading.Thread(target=work, args=(bodies[i::clients],), daemon=True)
        for i in range(clients)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    shown = started
    while any(t.is_alive() for t in threads):
        time.sleep(0.01)
        if time.perf_counter() - shown >= 1:
            shown = time.perf_counter()
            print(f"  {label}: {done[0]:,}/{len(bodies):,}", end="\r", flush=True)
    elapsed = time.perf_counter() - started
    print(" " * 60, end="\r")
    if failures:
        raise SystemExit(f"{label}: unexpected answer {failures[0]}")
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=3000, help="of each kind")
    parser.add_argument("--clients", type=int, default=8, help="client threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--smoke", action="store_true", help="tiny scale, for CI")
    args = parser.parse_args()
    if args.smoke:
        args.responses, args.clients = 60, 4
    if args.responses > 999_999:
        raise SystemExit("--responses: at most 999,999 (transaction ids of one day)")
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gestion_bench_sips")
    fresh_database(url)
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": url}
    os.environ.update({**BENCH_ENV, "DATABASE_URL": url})
    os.environ["DJANGO_SETTINGS_MODULE"] = "gestion.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from merchants.models import PaymentMeans, User
    from merchants.services import api_token_create, merchant_create, merchant_set_secret
    from transactions.models import SipsResponse, Transaction

    print("migrating…", flush=True)
    call_command("migrate", verbosity=0)
    for merchant_id in (SIPS2_SHOP, FEED_SHOP):
        merchant, _ = merchant_create(merchant_id=merchant_id, name=f"Bench {merchant_id}")
        merchant_set_secret(merchant_pk=merchant.pk, secret=SECRET, version=1)
        PaymentMeans.objects.create(merchant=merchant, means="CB", contract_number="0000001")
    server_user = User.objects.create(username="bench-paymentserver", is_payment_server=True)
    _token, token = api_token_create(user=server_user, name="bench")
    connection.close()

    day = dt.date.today() - dt.timedelta(days=1)
    n = args.responses
    print(f"building {n:,} sealed Sips 2.0 forms and {n:,} feed bodies…", flush=True)
    sips_bodies = [sips2_form(i, day) for i in range(1, n + 1)]
    feed_bodies = [feed_body(i, day) for i in range(1, n + 1)]

    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "gestion.wsgi",
            f"--workers={args.workers}",
            f"--bind=127.0.0.1:{port}",
            "--timeout=600",
            "--log-level=warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not start")
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        as_json = {"Content-Type": "application/json", "Authorization": f"Token {token}"}
        # Warm both paths (imports, connections) before timing.
        post_all(port, "/sips/v2/response/", sips_bodies[:4], form, 2, 201, "warm-up")
        post_all(port, "/api/v1/transactions/", feed_bodies[:4], as_json, 2, 201, "warm-up")
        sips_s = post_all(port, "/sips/v2/response/", sips_bodies[4:], form, args.clients, 201,
                          "Sips 2.0")  # fmt: skip
        feed_s = post_all(port, "/api/v1/transactions/", feed_bodies[4:], as_json, args.clients,
                          201, "JSON feed")  # fmt: skip
        replays = sips_bodies[: max(1, n // 10)]
        replay_s = post_all(port, "/sips/v2/response/", replays, form, args.clients, 200, "replays")
    finally:
        server.terminate()
        server.wait(30)

    stored_sips = Transaction.objects.filter(merchant__merchant_id=SIPS2_SHOP).count()
    stored_feed = Transaction.objects.filter(merchant__merchant_id=FEED_SHOP).count()
    if (stored_sips, stored_feed, SipsResponse.objects.count()) != (n, n, n):
        raise SystemExit(f"stored {stored_sips} / {stored_feed} / {SipsResponse.objects.count()}")
    timed = n - 4
    load = os.getloadavg()
    print(
        f"database: PostgreSQL ({urlparse(url).path.lstrip('/')}), gunicorn {args.workers} "
        f"worker(s), {args.clients} client threads, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(
        f"Sips 2.0 (sealed, base64, HMAC checked): {timed:,} in {sips_s:.2f} s = "
        f"{timed / sips_s:,.0f} responses/s"
    )
    print(
        f"JSON feed (baseline, one per request):   {timed:,} in {feed_s:.2f} s = "
        f"{timed / feed_s:,.0f} transactions/s"
    )
    print(
        f"Sips 2.0 replays (200, nothing stored):  {len(replays):,} in {replay_s:.2f} s = "
        f"{len(replays) / replay_s:,.0f} responses/s"
    )
    print(f"Sips 2.0 ÷ JSON feed: {(timed / sips_s) / (timed / feed_s):.2f}×")


if __name__ == "__main__":
    main()
