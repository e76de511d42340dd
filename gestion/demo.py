"""Demo data: the three demo shops, their users, and realistic transactions and operations.

`seed_demo` (the command) calls `demo_seed`. Transactions are generated in bulk, with statuses
and the operations that led to them consistent with docs/domain.md's rules as of `now`: a captured
transaction has its CAPTURE, a refunded one its REFUND and so on. On PostgreSQL rows go in with
COPY, elsewhere with bulk_create; either way in large batches, so that millions of rows load in
minutes.
"""

import datetime as dt
import io
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from core.dates import PARIS
from merchants.models import Access, Merchant, MerchantGroup, PaymentMeans, User
from merchants.services import merchant_create
from operations.models import Operation, OperationChannel, OperationKind
from transactions.feed import FeedError
from transactions.models import CaptureMode, Origin, Status, Transaction
from transactions.services import transaction_create

DAYS = 60
DEMO_PASSWORD = "gestion-demo"
# The demo accounts that must use a second factor (bank staff, user administrator) get a TOTP
# device with this public key (base32 GERPTQWWW2FCX2H32W32B5MLFQ5I63SB, README "Demo logins"); the
# current code: `manage.py demo_code <user>`. Public, like the password: demo data only.
DEMO_TOTP_KEY = "3122f9c2d6b68a2be8fbd5b7a0f58b2c3a8f6e41"

DEMO_SHOPS = [
    ("014213245611111", "Boutique Démo Paris", "journaux-paris@demo.gestion.invalid"),
    ("014213245611112", "Boutique Démo Lyon", "journaux-lyon@demo.gestion.invalid"),
    ("029800266211111", "Autre Commerce SARL", "compta@autre.gestion.invalid"),
]
DEMO_GROUP = "Démo"
# One shop of each environment (docs/go-live.md): Paris is live (journals, remittances sent to
# the bank), Lyon in pre-production (it may ask for production), the other in demo.
DEMO_ENVIRONMENTS = {
    "014213245611111": Merchant.Environment.PRODUCTION,
    "014213245611112": Merchant.Environment.PRE_PRODUCTION,
}

# (username, role, access point) — access point is a merchant_id or "group".
DEMO_USERS = [
    ("consulter", Access.Role.CONSULTER, "014213245611111"),
    ("operator", Access.Role.OPERATOR, "014213245611111"),
    ("useradmin", Access.Role.USER_ADMIN, "014213245611111"),
    ("groupop", Access.Role.OPERATOR, "group"),
    ("other", Access.Role.OPERATOR, "029800266211111"),
]

# Brand → card prefixes (first four digits) seen on that brand.
BRANDS = {
    "CB": ["4974", "4970", "5132", "4561"],
    "VISA": ["4970", "4539", "4917"],
    "MASTERCARD": ["5132", "5412", "5555"],
    "AMEX": ["3714", "3782"],
    "JCB": ["3528", "3589"],
}
BRAND_WEIGHTS = [("CB", 55), ("VISA", 20), ("MASTERCARD", 17), ("AMEX", 5), ("JCB", 3)]
CURRENCY_WEIGHTS = [("978", 85), ("840", 6), ("826", 5), ("392", 4)]
REFUSALS = [
    ("05", "05"),
    ("05", "51"),
    ("02", "01"),
    ("34", "59"),
    ("75", "75"),
    ("17", ""),
    ("90", "91"),
    ("12", "12"),
]
FIRST_NAMES = [
    "camille",
    "lea",
    "hugo",
    "louis",
    "chloe",
    "lucas",
    "manon",
    "jules",
    "emma",
    "noah",
]
LAST_NAMES = [
    "martin",
    "bernard",
    "dubois",
    "thomas",
    "robert",
    "petit",
    "durand",
    "leroy",
    "moreau",
]


@dataclass
class SeedReport:
    shops_created: int = 0
    users_created: int = 0
    transactions_created: int = 0
    operations_created: int = 0
    skipped_shops: list[str] = field(default_factory=list)


def demo_seed(
    *,
    transactions: int = 3000,
    shops: int = 3,
    password: str | None = DEMO_PASSWORD,
    now: dt.datetime | None = None,
    seed: int = 20261127,
) -> SeedReport:
    """Create what is missing of the demo world; what exists already is left as it is.

    `password=None` (a server with DEBUG off): the demo accounts get no usable password and no
    demo second factor, so no publicly known secret opens them."""
    now = now or timezone.now()
    report = SeedReport()
    merchants = _ensure_shops(shops, report)
    _ensure_users(password, report)
    empty = [m for m in merchants if not Transaction.objects.filter(merchant=m).exists()]
    report.skipped_shops = [m.merchant_id for m in merchants if m not in empty]
    if empty and transactions > 0:
        per_shop = max(1, transactions * len(empty) // len(merchants) // len(empty))
        share = transactions if len(empty) == len(merchants) else per_shop * len(empty)
        _load_transactions(empty, share, now, random.Random(seed), report)
        _remittance_records(empty)
    return report


# Shops whose automatic responses the demo's receiver gets (manage.py autoresponse_receiver):
# one that answers 200 (SENT), one that answers 500 (FAILED after the retries).
DEMO_AUTORESPONSE_SHOPS = {"014213245611112": "/ok", "029800266211111": "/fail"}


def demo_autoresponses(*, receiver_url: str, now: dt.datetime | None = None) -> int:
    """Give the two demo shops their automatic-response URL on the demo receiver and feed each
    three new transactions (the failing page's default window), whose responses the worker then
    delivers; → transactions fed."""
    now = now or timezone.now()
    local = now.astimezone(PARIS)
    fed = 0
    for n, (merchant_id, path) in enumerate(DEMO_AUTORESPONSE_SHOPS.items()):
        merchant = Merchant.objects.filter(merchant_id=merchant_id).first()
        if merchant is None:
            continue
        url = receiver_url.rstrip("/") + path
        if merchant.automatic_response_url != url:
            merchant.automatic_response_url = url
            merchant.save(update_fields=["automatic_response_url"])
        for k in range(3):
            item = {
                "merchant_id": merchant_id,
                "transaction_id": f"99{n}{k:03d}",
                "amount": f"{1990 + 100 * k}",
                "currency_code": "978",
                "payment_means": "CB",
                "card_number": "4974.01",
                "response_code": "00",
                "bank_response_code": "00",
                "authorisation_id": f"DEMO{k}",
                "payment_date": f"{local:%Y%m%d}",
                "payment_time": f"{local:%H%M%S}",
                "order_id": f"AUTO-{n}{k}",
            }
            try:
                with transaction.atomic():
                    transaction_create(item=item)
            except FeedError:
                continue  # already fed today
            fed += 1
    return fed


def _remittance_records(merchants) -> None:
    """The history's evening remittances: one record per shop, Paris evening and currency over
    the batch's DEBIT_CAPTURE and CREDIT_CAPTURE lines, as the nightly run would have made."""
    from django.db.models import Count, Sum
    from django.db.models.functions import TruncDate

    from operations.models import Remittance

    lines = Operation.objects.filter(
        merchant__in=merchants,
        kind__in=[OperationKind.DEBIT_CAPTURE, OperationKind.CREDIT_CAPTURE],
        remittance__isnull=True,
    ).annotate(evening=TruncDate("created_at", tzinfo=PARIS))
    groups = lines.values("merchant_id", "evening", "currency_code", "kind").annotate(
        n=Count("id"), total=Sum("amount")
    )
    environments = {m.pk: m.environment for m in merchants}
    records: dict[tuple, Remittance] = {}
    for g in groups:
        key = (g["merchant_id"], g["evening"], g["currency_code"])
        record = records.setdefault(
            key,
            Remittance(
                merchant_id=key[0],
                remittance_date=key[1],
                currency_code=key[2],
                sent_to_bank=environments[key[0]] == Merchant.Environment.PRODUCTION,
            ),
        )
        if g["kind"] == OperationKind.DEBIT_CAPTURE:
            record.debit_count, record.debit_amount = g["n"], g["total"]
        else:
            record.credit_count, record.credit_amount = g["n"], g["total"]
    Remittance.objects.bulk_create(records.values(), batch_size=1000)
    for (merchant_pk, evening, currency), record in records.items():
        lines.filter(merchant_id=merchant_pk, evening=evening, currency_code=currency).update(
            remittance=record
        )


def _extra_shop_id(n: int) -> str:
    return f"09{n:013d}"


def _ensure_shops(count: int, report: SeedReport) -> list[Merchant]:
    wanted = [(mid, name, email) for mid, name, email in DEMO_SHOPS]
    wanted += [
        (_extra_shop_id(n), f"Boutique {n}", f"journaux-{n}@demo.gestion.invalid")
        for n in range(1, max(0, count - len(DEMO_SHOPS)) + 1)
    ]
    existing = Merchant.objects.in_bulk([w[0] for w in wanted], field_name="merchant_id")
    for merchant_id, name, email in wanted:
        if merchant_id in existing:
            continue
        with transaction.atomic():
            merchant, _secret = merchant_create(
                merchant_id=merchant_id,
                name=name,
                journal_email=email,
                environment=DEMO_ENVIRONMENTS.get(merchant_id, Merchant.Environment.DEMO),
            )
            PaymentMeans.objects.bulk_create(
                PaymentMeans(
                    merchant=merchant,
                    means=means,
                    contract_number=f"{i + 1:07d}",
                    currencies=" ".join(code for code, _ in CURRENCY_WEIGHTS),
                )
                for i, means in enumerate(["CB", "VISA", "MASTERCARD", "AMEX", "JCB"])
            )
        existing[merchant_id] = merchant
        report.shops_created += 1
    group, _ = MerchantGroup.objects.get_or_create(name=DEMO_GROUP)
    in_group = [existing[mid] for mid, _, _ in DEMO_SHOPS[:2]]
    if set(group.merchants.all()) != set(in_group):
        group.merchants.set(in_group)
    return [existing[w[0]] for w in wanted]


def _ensure_users(password: str | None, report: SeedReport) -> None:
    def user(username, **flags):
        obj, created = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@demo.gestion.invalid", **flags},
        )
        if created:
            if flags.get("is_payment_server") or password is None:
                obj.set_unusable_password()
            else:
                obj.set_password(password)
            obj.save(update_fields=["password"])
            report.users_created += 1
        return obj

    bank = user("bank", is_bank_staff=True, first_name="Banque", last_name="Conseiller")
    if password is not None:
        _demo_second_factor(bank)
    user("paymentserver", is_payment_server=True)
    group = MerchantGroup.objects.get(name=DEMO_GROUP)
    for username, role, point in DEMO_USERS:
        person = user(username)
        target = (
            {"group": group}
            if point == "group"
            else {"merchant": Merchant.objects.get(merchant_id=point)}
        )
        Access.objects.get_or_create(user=person, role=role, **target)
        if role == Access.Role.USER_ADMIN and password is not None:
            _demo_second_factor(person)


def _demo_second_factor(user: User) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.get_or_create(
        user=user, name="authenticator", defaults={"key": DEMO_TOTP_KEY, "confirmed": True}
    )


def _weighted(rng: random.Random, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _paris(day: dt.date, seconds: int) -> dt.datetime:
    naive = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)
    return naive.replace(tzinfo=PARIS).astimezone(dt.UTC)


def _remittance_at(day: dt.date) -> dt.datetime:
    """The nightly remittance of a Paris day: 22:00 local."""
    return dt.datetime.combine(day, dt.time(22, 0), tzinfo=PARIS).astimezone(dt.UTC)


def _amount(rng: random.Random, currency: str) -> int:
    if currency == "392":
        return int(math.exp(rng.uniform(math.log(300), math.log(200_000))))
    return int(math.exp(rng.uniform(math.log(100), math.log(200_000))))


def _generate(
    merchants: list[Merchant], total: int, now: dt.datetime, rng: random.Random, actors: dict
) -> Iterator[tuple[dict, list[dict]]]:
    """Yield (transaction values, its operations), shop by shop and day by day."""
    today = now.astimezone(PARIS).date()
    first_day = today - dt.timedelta(days=DAYS - 1)
    per_shop, extra = divmod(total, len(merchants))
    for index, merchant in enumerate(merchants):
        count = per_shop + (1 if index < extra else 0)
        # Spread this shop's transactions over the days, today's only up to now.
        days = sorted(first_day + dt.timedelta(days=rng.randrange(DAYS)) for _ in range(count))
        counters: dict[dt.date, int] = {}
        actor = actors.get(merchant.merchant_id, actors["*"])
        for day in days:
            counters[day] = counters.get(day, rng.randrange(1, 500)) + rng.randrange(1, 4)
            number = counters[day]
            if number > 999_999:
                raise ValueError("too many demo transactions for one shop and day")
            yield _one(merchant, day, number, now, today, rng, actor)


def _one(merchant, day, number, now, today, rng, actor):
    latest = (now - dt.datetime.combine(day, dt.time(), tzinfo=PARIS)).total_seconds()
    seconds = rng.randrange(max(1, min(86_399, int(latest) - 1)))
    payment_at = _paris(day, seconds)
    brand = _weighted(rng, BRAND_WEIGHTS)
    currency = _weighted(rng, CURRENCY_WEIGHTS)
    amount = _amount(rng, currency)
    refused = rng.random() < 0.08
    mode = CaptureMode.VALIDATION if rng.random() < 0.15 else CaptureMode.AUTHOR_CAPTURE
    capture_day = (
        rng.choice([5, 6, 7])
        if mode == CaptureMode.VALIDATION
        else rng.choice([0, 0, 0, 0, 0, 1, 2, 3])
    )
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    response_code, bank_code = rng.choice(REFUSALS) if refused else ("00", "00")
    row = {
        "merchant_id": merchant.pk,
        "transaction_id": f"{number:06d}",
        "payment_date": day,
        "payment_at": payment_at,
        "origin_amount": amount,
        "amount": amount,
        "captured_amount": 0,
        "refunded_amount": 0,
        "credited_amount": 0,
        "currency_code": currency,
        "status": Status.REFUSED if refused else Status.TO_CAPTURE,
        "capture_mode": mode,
        "capture_day": capture_day,
        "capture_date": None if refused else day + dt.timedelta(days=capture_day),
        "credit_date": None,
        "payment_means": brand,
        "card_number": f"{rng.choice(BRANDS[brand])}.{rng.randrange(100):02d}",
        "response_code": response_code,
        "bank_response_code": bank_code,
        "cvv_flag": "1",
        "cvv_response_code": "4E" if response_code == "05" and rng.random() < 0.3 else "4D",
        "authorisation_id": "" if refused else f"{rng.randrange(1_000_000):06d}",
        "complementary_code": "00",
        "complementary_info": "",
        "customer_id": f"C{rng.randrange(10**7):07d}",
        "customer_email": f"{first}.{last}{rng.randrange(100)}@example.fr",
        "customer_ip_address": f"192.0.2.{rng.randrange(1, 255)}",
        "order_id": f"CMD-{day:%Y%m%d}-{number:06d}",
        "caddie": "" if rng.random() < 0.7 else f"panier={rng.randrange(1, 9)} articles",
        "return_context": "" if rng.random() < 0.8 else f"session={rng.randrange(10**9)}",
        "automatic_response_status": "SENT" if rng.random() < 0.97 else "FAILED",
        "origin": Origin.FEED,
        "created_at": payment_at,
    }
    ops: list[dict] = []
    if refused:
        return row, ops

    def op(kind, amount, before, after, at, user=None, channel=OperationChannel.BATCH):
        ops.append(
            {
                "kind": kind,
                "amount": amount,
                "currency_code": currency,
                "response_code": "00",
                "status_before": before,
                "status_after": after,
                "channel": channel,
                "origin": "",
                "user_id": user.pk if user and channel != OperationChannel.BATCH else None,
                "created_at": min(at, now),
            }
        )

    by_hand = {"user": actor, "channel": OperationChannel.WEB}
    deadline = row["capture_date"]
    if mode == CaptureMode.VALIDATION:
        # Beyond 6 days the validation asks a fresh authorisation (docs/lifecycle.md).
        waiting = Status.TO_REPLAY if capture_day > 6 else Status.TO_VALIDATE
        row["status"] = waiting
        validate_on = day + dt.timedelta(days=rng.randrange(capture_day + 1))
        validated = rng.random() < 0.75 and validate_on <= today
        if validated:
            at = _paris(validate_on, 9 * 3600 + rng.randrange(12 * 3600))
            at = max(min(at, now), payment_at)
            value = amount if rng.random() < 0.8 else amount * rng.randrange(50, 100) // 100
            op(OperationKind.VALIDATE, value, waiting, Status.TO_CAPTURE, at, **by_hand)
            row.update(
                status=Status.TO_CAPTURE, amount=value, capture_date=at.astimezone(PARIS).date()
            )
        elif deadline < today:
            op(
                OperationKind.EXPIRED,
                amount,
                waiting,
                Status.EXPIRED,
                _remittance_at(deadline),
            )
            row.update(status=Status.EXPIRED)
            return row, ops
        else:
            return row, ops

    # TO_CAPTURE from here: cancelled before the remittance, or captured by it.
    capture_on = row["capture_date"]
    if rng.random() < 0.03:
        last_moment = _remittance_at(capture_on) - dt.timedelta(minutes=1)
        at = min(payment_at + dt.timedelta(minutes=rng.randrange(5, 600)), last_moment, now)
        at = max(at, payment_at)
        op(OperationKind.CANCEL, row["amount"], Status.TO_CAPTURE, Status.CANCELLED, at, **by_hand)
        row.update(status=Status.CANCELLED, amount=0)
        return row, ops
    remittance = _remittance_at(capture_on)
    if remittance > now:
        return row, ops
    op(OperationKind.DEBIT_CAPTURE, row["amount"], Status.TO_CAPTURE, Status.CAPTURED, remittance)
    row.update(status=Status.CAPTURED, captured_amount=row["amount"])

    roll = rng.random()
    if roll < 0.08:
        refund_day = capture_on + dt.timedelta(days=rng.randrange(1, 10))
        if today - capture_on <= dt.timedelta(days=10) and rng.random() < 0.3:
            refund_day = today  # some refunds of the day: still TO_CREDIT until tonight
        at = _paris(refund_day, 9 * 3600 + rng.randrange(12 * 3600))
        if at >= now:
            return row, ops
        total = roll < 0.03
        refund = (
            row["captured_amount"]
            if total
            else max(1, row["captured_amount"] // rng.randrange(2, 5))
        )
        # Every refund is a credit sent at that evening's remittance (docs/lifecycle.md).
        op(OperationKind.CREDIT, refund, Status.CAPTURED, Status.TO_CREDIT, at, **by_hand)
        row.update(status=Status.TO_CREDIT, refunded_amount=refund, credit_date=refund_day)
        credit_at = _remittance_at(refund_day)
        if credit_at <= now:
            after = Status.CREDITED if total else Status.CAPTURED
            op(OperationKind.CREDIT_CAPTURE, refund, Status.TO_CREDIT, after, credit_at)
            row.update(status=after, credited_amount=refund, credit_date=None)
    return row, ops


TRANSACTION_COLUMNS = [
    "id", "merchant_id", "transaction_id", "payment_date", "payment_at", "origin_amount", "amount",
    "captured_amount", "refunded_amount", "credited_amount", "currency_code", "status",
    "capture_mode", "capture_day", "capture_date", "credit_date", "payment_means", "card_number",
    "response_code", "bank_response_code",
    "cvv_flag", "cvv_response_code", "authorisation_id", "complementary_code",
    "complementary_info", "customer_id", "customer_email", "customer_ip_address", "order_id",
    "caddie", "return_context", "automatic_response_status", "origin", "created_at",
]  # fmt: skip
OPERATION_COLUMNS = [
    "transaction_id", "merchant_id", "kind", "amount", "currency_code", "response_code",
    "status_before", "status_after", "channel", "origin", "user_id", "message", "reason",
    "created_at",
]  # fmt: skip


def _load_transactions(merchants, total, now, rng, report: SeedReport, batch: int = 50_000):
    actors = _actors()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {Transaction._meta.db_table}")
        next_id = cursor.fetchone()[0] + 1
    rows: list[dict] = []
    ops: list[dict] = []
    for row, row_ops in _generate(merchants, total, now, rng, actors):
        row["id"] = next_id
        for o in row_ops:
            o["transaction_id"] = next_id
            o["merchant_id"] = row["merchant_id"]
            o["message"] = o["reason"] = ""
        next_id += 1
        rows.append(row)
        ops.extend(row_ops)
        if len(rows) >= batch:
            _write(rows, ops, report)
            rows, ops = [], []
    if rows:
        _write(rows, ops, report)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                [Transaction._meta.db_table, next_id - 1],
            )
            # Fresh statistics after a bulk load: without them the planner guesses (one
            # transaction's operations estimated at tens of thousands of rows: a parallel scan).
            cursor.execute(f"ANALYZE {Transaction._meta.db_table}, {Operation._meta.db_table}")


def _actors() -> dict[str, User]:
    """Who did the by-hand operations of each demo shop (the bank's adviser elsewhere)."""
    bank = User.objects.get(username="bank")
    actors = {}
    for username, role, point in DEMO_USERS:
        if role == Access.Role.OPERATOR and point != "group":
            actors[point] = User.objects.get(username=username)
    actors.setdefault(DEMO_SHOPS[1][0], User.objects.get(username="groupop"))
    return {"*": bank, **actors}


def _write(rows: list[dict], ops: list[dict], report: SeedReport) -> None:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _copy(Transaction._meta.db_table, TRANSACTION_COLUMNS, rows)
            _copy(Operation._meta.db_table, OPERATION_COLUMNS, ops)
        else:
            Transaction.objects.bulk_create([Transaction(**r) for r in rows], batch_size=500)
            Operation.objects.bulk_create([Operation(**o) for o in ops], batch_size=500)
    report.transactions_created += len(rows)
    report.operations_created += len(ops)


def _copy(table: str, columns: list[str], rows: list[dict]) -> None:
    """COPY rows into a table through psycopg 3 (text format)."""
    if not rows:
        return
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_value(row[c]) for c in columns))
        buffer.write("\n")
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor:
        with cursor.cursor.copy(sql) as copy:
            copy.write(buffer.getvalue())


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
