"""The demo world's history: 60 days of transactions and the operations that led to their state.

Transactions are generated in bulk and written set-wise (COPY on PostgreSQL, bulk_create
elsewhere, in large batches) so that millions of rows load in minutes. Their states and amounts
are not a second state machine: each row starts in the state the feed gives it
(lifecycle.status_at_creation) and moves only as transactions.lifecycle's table allows, through
its outcome functions — a by-hand operation only where the operation services would accept it at
that instant (lifecycle.refusal, max_amount; a fresh authorisation asked of the shop's acquirer),
a nightly move at the remittance that would take the row (BATCH_MOVES, due dates). So every row
is one the services could have produced; tests/demo/test_history.py replays rows through them.
"""

import datetime as dt
import io
import math
import random
from collections.abc import Iterator
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import Count, DateTimeField, ExpressionWrapper, OuterRef, Subquery, Sum
from django.db.models.functions import TruncDate

from core.dates import PARIS
from merchants.models import Merchant, User
from operations.acquirer import AcquirerUnavailable, authorise
from operations.models import Operation, OperationChannel, OperationKind, Remittance
from transactions import lifecycle, sips_codes
from transactions.models import CaptureMode, Origin, Status, Transaction

DAYS = 60

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
    ("02", "02"),
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


def remittance_records(merchants) -> None:
    """The history's evening remittances: one record per shop, Paris evening and currency over
    the batch's DEBIT_CAPTURE and CREDIT_CAPTURE lines, as the nightly run would have made."""
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
    # Each line to its record in one statement (not one UPDATE per record: 100,000 of them, each
    # reading a shop's lines, at 10 M transactions).
    record = Remittance.objects.filter(
        merchant_id=OuterRef("merchant_id"),
        currency_code=OuterRef("currency_code"),
        remittance_date=TruncDate(
            ExpressionWrapper(OuterRef("created_at"), output_field=DateTimeField()), tzinfo=PARIS
        ),
    )
    Operation.objects.filter(
        merchant__in=merchants,
        kind__in=[OperationKind.DEBIT_CAPTURE, OperationKind.CREDIT_CAPTURE],
        remittance__isnull=True,
    ).update(remittance=Subquery(record.values("pk")[:1]))


def _weighted(rng: random.Random, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _paris(day: dt.date, seconds: int) -> dt.datetime:
    naive = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)
    return naive.replace(tzinfo=PARIS).astimezone(dt.UTC)


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


# The nightly move that takes a row in each state (lifecycle.BATCH_MOVES has one per state).
_NIGHT_MOVES = {m.status: m for m in lifecycle.BATCH_MOVES}
assert len(_NIGHT_MOVES) == len(lifecycle.BATCH_MOVES)


class _Story:
    """One transaction's life after the feed: `t` (its fields) moved by the lifecycle's rules,
    `ops` the operations recorded, each at an instant no earlier than the one before."""

    def __init__(self, t: SimpleNamespace, merchant: Merchant, now: dt.datetime):
        self.t, self.merchant, self.now = t, merchant, now
        self.last = t.payment_at
        self.ops: list[dict] = []

    def _apply(self, changes: dict) -> None:
        for name, value in changes.items():
            setattr(self.t, name, value)

    def _record(self, kind, amount, before, at, *, code="00", user=None):
        self.ops.append(
            {
                "kind": kind,
                "amount": amount,
                "currency_code": self.t.currency_code,
                "response_code": code,
                "status_before": before,
                "status_after": self.t.status,
                "channel": OperationChannel.WEB if user else OperationChannel.BATCH,
                "origin": "",
                "user_id": user.pk if user else None,
                "created_at": at,
            }
        )
        self.last = at

    def _night_move(self) -> lifecycle.BatchMove | None:
        return _NIGHT_MOVES.get(self.t.status)

    def night_at(self) -> dt.datetime | None:
        """When the nightly remittance next takes this row (its due date reached, and not a run
        that started before the row's last event), or None if no run would."""
        move = self._night_move()
        if move is None or move.operation in (lifecycle.AUTHOR_BATCH, lifecycle.AUTHOR):
            return None
        due = getattr(self.t, move.due)
        run_date = max(due, lifecycle.next_remittance_date(self.last))
        return lifecycle.remittance_starts_at(run_date)

    def night(self) -> bool:
        """The remittance's move on this row, if it has happened by `now`."""
        at = self.night_at()
        if at is None or at > self.now:
            return False
        move, before = self._night_move(), self.t.status
        changes, amount = lifecycle.batch_outcome(self.t, move)
        self._apply(changes)
        self._record(move.operation, amount, before, at)
        return True

    def by_hand(self, kind: str, amount: int, at: dt.datetime, user: User) -> bool:
        """`kind` by `user` at `at`, if the operation services would accept it then (the same
        checks: lifecycle.refusal and max_amount); False, and nothing done, if not."""
        at = max(at, self.last)
        night = self.night_at()
        if at > self.now or (night is not None and night <= at):
            return False  # not yet, or the remittance has taken the row first
        ceiling = lifecycle.max_amount(self.t, kind)
        if lifecycle.refusal(self.t, kind, now=at) is not None or (
            ceiling is not None and not 0 < amount <= ceiling
        ):
            return False
        before, code = self.t.status, "00"
        if kind == lifecycle.ADVICE:
            amount = self.t.amount
        changes = lifecycle.outcome(
            self.t, kind, amount, on_date=lifecycle.next_remittance_date(at)
        )
        if kind == lifecycle.VALIDATE and before == Status.TO_REPLAY:
            # A fresh authorisation, from the shop's acquirer (the simulator in the demo).
            try:
                answer = authorise(
                    merchant=self.merchant,
                    amount=amount,
                    currency_code=self.t.currency_code,
                    payment_means=self.t.payment_means,
                    card_reference=self.t.card_number,
                    reference=f"demo-{self.t.transaction_id}",
                )
            except AcquirerUnavailable:
                return False  # refused with 90: nothing changes, the row waits
            code = answer.response_code
            fresh = lifecycle.authorisation_outcome(self.t, code, answer.authorisation_id)
            changes = {**changes, **fresh} if answer.accepted else fresh
            changes["bank_response_code"] = answer.bank_response_code
        self._apply(changes)
        self._record(kind, amount, before, at, code=code, user=user)
        return True


def _during_the_day(day: dt.date, rng: random.Random) -> dt.datetime:
    """An instant of a Paris working day, 09:00–21:00 (before the remittance)."""
    return _paris(day, 9 * 3600 + rng.randrange(12 * 3600))


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
    # The codes the feed accepts together (Annexes F, K): the network's own bank codes, and no
    # CVV answer from a network that gives none.
    if bank_code not in sips_codes.bank_table(brand):
        bank_code = ""
    no_cvv = sips_codes.network(brand) in sips_codes.NO_CVV_ANSWER_NETWORKS
    cvv = "4E" if response_code == "05" and rng.random() < 0.3 else "4D"
    # The state and last day the feed gives (Annexe G): 02 is a REFERRAL, other codes REFUSED.
    status = lifecycle.status_at_creation(
        response_code=response_code, capture_mode=mode, capture_day=capture_day
    )
    t = SimpleNamespace(
        merchant_id=merchant.pk,
        transaction_id=f"{number:06d}",
        payment_date=day,
        payment_at=payment_at,
        origin_amount=amount,
        amount=amount,
        captured_amount=amount if status == Status.CAPTURED else 0,
        refunded_amount=0,
        credited_amount=0,
        currency_code=currency,
        status=status,
        capture_mode=mode,
        capture_day=capture_day,
        capture_date=lifecycle.capture_date_at_creation(
            status=status, payment_date=day, capture_day=capture_day
        ),
        credit_date=None,
        payment_means=brand,
        card_number=f"{rng.choice(BRANDS[brand])}.{rng.randrange(100):02d}",
        response_code=response_code,
        bank_response_code=bank_code,
        cvv_flag="1",
        cvv_response_code="" if no_cvv else cvv,
        authorisation_id="" if status == Status.REFUSED else f"{rng.randrange(1_000_000):06d}",
        complementary_code="00",
        complementary_info="",
        customer_id=f"C{rng.randrange(10**7):07d}",
        customer_email=f"{first}.{last}{rng.randrange(100)}@example.fr",
        customer_ip_address=f"192.0.2.{rng.randrange(1, 255)}",
        # Date and number apart: run together, their 14 digits could read as a card number,
        # which the feed refuses in any field (docs/security.md).
        order_id=f"CMD-{day:%Y%m%d}/{number:06d}",
        caddie="" if rng.random() < 0.7 else f"panier={rng.randrange(1, 9)} articles",
        return_context="" if rng.random() < 0.8 else f"session={rng.randrange(10**9)}",
        automatic_response_status="SENT" if rng.random() < 0.97 else "FAILED",
        origin=Origin.FEED,
        created_at=payment_at,
    )
    story = _Story(t, merchant, now)
    if t.status == Status.REFERRAL and rng.random() < 0.5:
        # Forced with the number the bank gave by phone, within a few days.
        at = _during_the_day(day + dt.timedelta(days=rng.randrange(4)), rng)
        story.by_hand(OperationKind.ADVICE, t.amount, at, actor)
    if t.status in (Status.TO_VALIDATE, Status.TO_REPLAY) and rng.random() < 0.75:
        at = _during_the_day(day + dt.timedelta(days=rng.randrange(capture_day + 1)), rng)
        value = amount if rng.random() < 0.8 else amount * rng.randrange(50, 100) // 100
        story.by_hand(OperationKind.VALIDATE, value, at, actor)
    if t.status == Status.TO_CAPTURE and rng.random() < 0.03:
        at = story.last + dt.timedelta(minutes=rng.randrange(5, 600))
        story.by_hand(OperationKind.CANCEL, t.amount, at, actor)
    # What was not validated or forced in time expires; what waits for capture is captured.
    story.night()
    roll = rng.random()
    if t.status == Status.CAPTURED and roll < 0.08:
        captured_on = story.last.astimezone(PARIS).date()
        refund_day = captured_on + dt.timedelta(days=rng.randrange(1, 10))
        if today - captured_on <= dt.timedelta(days=10) and rng.random() < 0.3:
            refund_day = today  # some refunds of the day: still TO_CREDIT until tonight
        total = roll < 0.03
        refund = t.captured_amount if total else max(1, t.captured_amount // rng.randrange(2, 5))
        # Every refund is a credit sent at that evening's remittance (docs/lifecycle.md).
        if story.by_hand(OperationKind.CREDIT, refund, _during_the_day(refund_day, rng), actor):
            story.night()
    return vars(t), story.ops


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


def load_transactions(
    merchants, total: int, now, rng, actors: dict, batch: int = 50_000, progress=None
):
    """Generate and write `total` transactions over `merchants`' last DAYS days, with their
    operations; `actors`: merchant_id → who did the by-hand operations ("*": elsewhere);
    `progress`, if given, is called with the number of transactions each batch wrote.
    → (transactions, operations) written."""
    written = [0, 0]
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
            _write(rows, ops, written)
            if progress:
                progress(len(rows))
            rows, ops = [], []
    if rows:
        _write(rows, ops, written)
        if progress:
            progress(len(rows))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                [Transaction._meta.db_table, next_id - 1],
            )
            # Fresh statistics after a bulk load: without them the planner guesses (one
            # transaction's operations estimated at tens of thousands of rows: a parallel scan).
            cursor.execute(f"ANALYZE {Transaction._meta.db_table}, {Operation._meta.db_table}")
    return written[0], written[1]


def _write(rows: list[dict], ops: list[dict], written: list[int]) -> None:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _copy(Transaction._meta.db_table, TRANSACTION_COLUMNS, rows)
            _copy(Operation._meta.db_table, OPERATION_COLUMNS, ops)
        else:
            Transaction.objects.bulk_create([Transaction(**r) for r in rows], batch_size=500)
            Operation.objects.bulk_create([Operation(**o) for o in ops], batch_size=500)
    written[0] += len(rows)
    written[1] += len(ops)


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
