"""The one table of what may happen to a transaction in each state (docs/lifecycle.md).

Sips 1.0 data dictionary, Annexes G (dates), N (operation codes), Q (states), T (answers). The
operation services check it, the detail page's buttons and the API's `possible_operations` are
derived from it, the feed takes the state at creation from it, and the nightly remittance selects
its rows and computes its moves from it. docs/lifecycle.md is generated from this module and a
test keeps them equal.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext as _

from core.dates import PARIS
from core.money import format_amount

from .models import CaptureMode, Status, Transaction

# Operation codes (Annexe N). The merchant's operations:
VALIDATE, CANCEL, CREDIT, ADVICE, DUPLICATE = "VALIDATE", "CANCEL", "CREDIT", "ADVICE", "DUPLICATE"
MERCHANT_OPERATIONS = (VALIDATE, CANCEL, CREDIT, ADVICE, DUPLICATE)
# … and the nightly batch's:
AUTHOR_BATCH, AUTHOR, EXPIRED = "AUTHOR_BATCH", "AUTHOR", "EXPIRED"
DEBIT_CAPTURE, CREDIT_CAPTURE = "DEBIT_CAPTURE", "CREDIT_CAPTURE"
BATCH_OPERATIONS = (AUTHOR_BATCH, AUTHOR, EXPIRED, DEBIT_CAPTURE, CREDIT_CAPTURE)

# An authorisation holds about 6 days (Annexe G): a longer delay needs a fresh one.
AUTHORISATION_DAYS = 6
# A referral may be forced until creation + 30 days + the delay (Annexe G).
REFERRAL_DAYS = 30

# Amount rules: what an operation may move at most, in minor units.
CURRENT = "current amount"
REFUNDABLE = "captured − refunded"
PENDING_CREDIT = "refunded − credited (the pending credit)"
WHOLE = "the whole current amount"
ANY = "any amount > 0"


@dataclass(frozen=True)
class Move:
    """One allowed cell of the table: `operation` from `status`, its amount rule, its result."""

    operation: str
    status: str
    amount: str
    result: str


# Every allowed (operation, state) of a merchant's operation; any other cell is refused (24),
# except the EXHAUSTED ones (51: the amount is used up, "at most 0").
MOVES: tuple[Move, ...] = (
    Move(VALIDATE, Status.TO_VALIDATE, CURRENT, "TO_CAPTURE; the rest released"),
    Move(VALIDATE, Status.TO_REPLAY, CURRENT, "fresh authorisation: TO_CAPTURE, or REFUSED"),
    Move(CANCEL, Status.TO_VALIDATE, CURRENT, "amount lowered; nothing left: CANCELLED"),
    Move(CANCEL, Status.TO_REPLAY, CURRENT, "amount lowered; nothing left: CANCELLED"),
    Move(CANCEL, Status.TO_AUTHORIZE, CURRENT, "amount lowered; nothing left: CANCELLED"),
    Move(CANCEL, Status.REFERRAL, CURRENT, "amount lowered; nothing left: CANCELLED"),
    Move(CANCEL, Status.TO_CAPTURE, CURRENT, "amount lowered; nothing left: CANCELLED"),
    Move(CANCEL, Status.TO_CREDIT, PENDING_CREDIT, "pending credit lowered; none left: CAPTURED"),
    Move(CREDIT, Status.CAPTURED, REFUNDABLE, "TO_CREDIT: a credit sent at the next remittance"),
    Move(CREDIT, Status.TO_CREDIT, REFUNDABLE, "TO_CREDIT: the pending credit grows"),
    Move(ADVICE, Status.REFERRAL, WHOLE, "TO_CAPTURE with the authorisation given by phone"),
    *(
        Move(DUPLICATE, status, ANY, "a new transaction, authorised by the acquirer")
        for status in Status.values
    ),
)

# Cells refused as "amount too high" (51, at most 0) rather than "wrong state" (24): the
# operation's amount has been used up — what concurrent refunds past the total get.
EXHAUSTED: frozenset[tuple[str, str]] = frozenset(
    {(CREDIT, Status.CREDITED), (CANCEL, Status.CANCELLED)}
)

ALLOWED: dict[str, dict[str, Move]] = {op: {} for op in MERCHANT_OPERATIONS}
for _move in MOVES:
    ALLOWED[_move.operation][_move.status] = _move

# Refusals that mean no card reached the server: nothing to duplicate from (ours).
NO_CARD_ON_FILE_CODES = frozenset({"30", "12"})


@dataclass(frozen=True)
class BatchMove:
    """What the nightly remittance does to a row in `status` once `due` (≤ the run's date)."""

    operation: str
    status: str
    due: str | None  # the date field compared with the run's date; None: every such row
    result: str


# In the order the run applies them: a re-authorised row is captured the same evening.
BATCH_MOVES: tuple[BatchMove, ...] = (
    BatchMove(AUTHOR_BATCH, Status.TO_AUTHORIZE, "capture_date", "WAITING_AUTHOR"),
    BatchMove(AUTHOR, Status.WAITING_AUTHOR, None, "TO_CAPTURE if accepted, else REFUSED"),
    BatchMove(EXPIRED, Status.TO_VALIDATE, "capture_date", "EXPIRED"),
    BatchMove(EXPIRED, Status.TO_REPLAY, "capture_date", "EXPIRED"),
    BatchMove(EXPIRED, Status.REFERRAL, "capture_date", "EXPIRED"),
    BatchMove(DEBIT_CAPTURE, Status.TO_CAPTURE, "capture_date", "CAPTURED"),
    BatchMove(
        CREDIT_CAPTURE,
        Status.TO_CREDIT,
        "credit_date",
        "CREDITED if refunded in full, else CAPTURED",
    ),
)


# --- The remittance window and its dates (Paris days) -------------------------------------------


def _window() -> tuple[dt.time, dt.time]:
    start, end = (dt.time.fromisoformat(t) for t in settings.REMITTANCE_WINDOW)
    return start, end


def in_remittance_window(now: dt.datetime) -> bool:
    """22:00–23:00 Paris by default (settings.REMITTANCE_WINDOW): the batch owns the rows."""
    start, end = _window()
    return start <= now.astimezone(PARIS).time() < end


def remittance_starts_at(run_date: dt.date) -> dt.datetime:
    """The instant (UTC) the remittance of Paris day `run_date` starts: 22:00 local, whatever
    the UTC offset that day (clocks change on the last Sundays of March and October)."""
    return dt.datetime.combine(run_date, _window()[0], tzinfo=PARIS).astimezone(dt.UTC)


def remittance_due_date(now: dt.datetime) -> dt.date:
    """The Paris day of the latest remittance that has started at `now` (a run after midnight
    still belongs to the evening before)."""
    local = now.astimezone(PARIS)
    if local.time() >= _window()[0]:
        return local.date()
    return local.date() - dt.timedelta(days=1)


def next_remittance_date(now: dt.datetime) -> dt.date:
    """The Paris day of the first remittance still to start after `now`: today before 22:00,
    tomorrow after (what is validated at 23:30 goes with tomorrow's remittance)."""
    local = now.astimezone(PARIS)
    if local.time() < _window()[0]:
        return local.date()
    return local.date() + dt.timedelta(days=1)


# --- At creation (Annexe G) ---------------------------------------------------------------------


def status_at_creation(*, response_code: str, capture_mode: str, capture_day: int) -> str:
    """00: by mode and delay (> 6 days needs a fresh authorisation; IMMEDIATE is captured at
    once); 02: REFERRAL; else REFUSED."""
    if response_code == "02":
        return Status.REFERRAL
    if response_code != "00":
        return Status.REFUSED
    if capture_mode == CaptureMode.IMMEDIATE:
        # Annexe V: captured online with the authorisation ("single message").
        return Status.CAPTURED
    long_delay = capture_day > AUTHORISATION_DAYS
    if capture_mode == CaptureMode.VALIDATION:
        return Status.TO_REPLAY if long_delay else Status.TO_VALIDATE
    return Status.TO_AUTHORIZE if long_delay else Status.TO_CAPTURE


def capture_date_at_creation(*, status: str, payment_date: dt.date, capture_day: int):
    """Annexe G: the capture day (AUTHOR_CAPTURE), the last validation day (VALIDATION), the last
    day to force a REFERRAL (+30 days); none for a refusal."""
    if status == Status.REFUSED:
        return None
    days = capture_day + (REFERRAL_DAYS if status == Status.REFERRAL else 0)
    return payment_date + dt.timedelta(days=days)


# --- The merchant's operations ------------------------------------------------------------------


def can_duplicate(transaction: Transaction) -> bool:
    return not (
        transaction.status == Status.REFUSED and transaction.response_code in NO_CARD_ON_FILE_CODES
    ) and bool(transaction.card_number)


def is_allowed(transaction: Transaction, operation: str) -> bool:
    """The state allows `operation` (the table's cell; amounts and dates aside)."""
    if operation == DUPLICATE:
        return can_duplicate(transaction)
    return transaction.status in ALLOWED.get(operation, {})


def max_amount(transaction: Transaction, operation: str) -> int | None:
    """The most this operation may move now, in minor units (None: no ceiling, DUPLICATE)."""
    move = ALLOWED.get(operation, {}).get(transaction.status)
    rule = move.amount if move else (REFUNDABLE if operation == CREDIT else CURRENT)
    if rule in (CURRENT, WHOLE):
        return transaction.amount
    if rule == REFUNDABLE:
        return transaction.captured_amount - transaction.refunded_amount
    if rule == PENDING_CREDIT:
        return transaction.refunded_amount - transaction.credited_amount
    return None


def past_last_day(transaction: Transaction, operation: str, today: dt.date) -> bool:
    """A validation or a forcing after its last day (capture_date, Annexe G), even if the
    nightly run has not expired it yet."""
    return (
        operation in (VALIDATE, ADVICE)
        and transaction.capture_date is not None
        and transaction.capture_date < today
    )


def too_high(ceiling: int, currency_code: str) -> str:
    return _("The amount is too high: at most %(max)s.") % {
        "max": format_amount(ceiling, currency_code)
    }


def window_refusal(now: dt.datetime) -> tuple[str, str] | None:
    """99 during the remittance window: no operation until the batch has taken its rows."""
    if not in_remittance_window(now):
        return None
    start, end = settings.REMITTANCE_WINDOW
    return "99", _(
        "No operation is possible during the remittance, from %(start)s to %(end)s "
        "(Paris time). Please try again later."
    ) % {"start": start, "end": end}


def refusal(
    transaction: Transaction, operation: str, *, now: dt.datetime
) -> tuple[str, str] | None:
    """Why `operation` cannot run on `transaction` at `now`, as (Sips code, message), amount
    aside; None if it can. The window (99), the state (24, or 51 when used up), the last day."""
    closed = window_refusal(now)
    if closed is not None:
        return closed
    if operation not in MERCHANT_OPERATIONS:
        return "12", _("Unknown operation.")
    if (operation, transaction.status) in EXHAUSTED:
        return "51", too_high(0, transaction.currency_code)
    if operation == DUPLICATE and not can_duplicate(transaction):
        return "24", _("This transaction has no card on file to duplicate.")
    if not is_allowed(transaction, operation):
        return "24", _(
            "This operation is not possible on a transaction with status “%(status)s”."
        ) % {"status": Status(transaction.status).label}
    if past_last_day(transaction, operation, now.astimezone(PARIS).date()):
        if operation == ADVICE:
            return "24", _("The forcing period ended on %(date)s.") % {
                "date": transaction.capture_date.isoformat()
            }
        return "24", _("The validation period ended on %(date)s: duplicate the transaction.") % {
            "date": transaction.capture_date.isoformat()
        }
    return None


def operations_possible(transaction: Transaction, *, now: dt.datetime) -> dict[str, int | None]:
    """Operation → its maximum amount, for each operation the table allows at `now` (the same
    checks the services make, so a button offered is never refused for the state)."""
    possible = {}
    for op in MERCHANT_OPERATIONS:
        if refusal(transaction, op, now=now) is not None:
            continue
        ceiling = max_amount(transaction, op)
        if ceiling is None or ceiling > 0:
            possible[op] = ceiling
    return possible


def operations_refused(transaction: Transaction, *, now: dt.datetime) -> dict[str, str]:
    """Operation → why it is not offered at `now` (the user's words), for each merchant operation
    that operations_possible leaves out: the same table, read the other way."""
    refused = {}
    for op in MERCHANT_OPERATIONS:
        why = refusal(transaction, op, now=now)
        if why is not None:
            refused[op] = why[1]
            continue
        ceiling = max_amount(transaction, op)
        if ceiling is not None and ceiling <= 0:
            refused[op] = _("Nothing is left to move.")
    return refused


def outcome(transaction: Transaction, operation: str, amount: int, *, on_date) -> dict:
    """The fields an accepted VALIDATE / CANCEL / CREDIT / ADVICE changes, status included.

    VALIDATE: TO_CAPTURE on `on_date`, the unvalidated remainder released (amount = validated).
    CANCEL: amount lowered, nothing left → CANCELLED; on TO_CREDIT the pending credit is lowered
    instead, none left → CAPTURED. CREDIT: the refunded amount grows, TO_CREDIT until the
    remittance of `on_date` (or the one already set) sends it. ADVICE: TO_CAPTURE, captured on
    its capture day or at the next remittance if that has passed. The caller checked the rules.
    """
    t = transaction
    if operation == VALIDATE:
        return {"status": Status.TO_CAPTURE, "amount": amount, "capture_date": on_date}
    if operation == CANCEL and t.status == Status.TO_CREDIT:
        refunded = t.refunded_amount - amount
        if refunded == t.credited_amount:
            return {"refunded_amount": refunded, "status": Status.CAPTURED, "credit_date": None}
        return {"refunded_amount": refunded}
    if operation == CANCEL:
        left = t.amount - amount
        return {"amount": left, "status": Status.CANCELLED if left == 0 else t.status}
    if operation == CREDIT:
        return {
            "refunded_amount": t.refunded_amount + amount,
            "status": Status.TO_CREDIT,
            "credit_date": t.credit_date or on_date,
        }
    if operation == ADVICE:
        by_delay = t.payment_date + dt.timedelta(days=t.capture_day)
        return {"status": Status.TO_CAPTURE, "capture_date": max(by_delay, on_date)}
    return {}


# --- The nightly batch --------------------------------------------------------------------------


def batch_due(move: BatchMove, run_date: dt.date) -> Q:
    """The rows `move` takes at the remittance of `run_date` (docs/lifecycle.md)."""
    condition = Q(status=move.status)
    if move.due:
        condition &= Q(**{f"{move.due}__lte": run_date})
    return condition


def batch_outcome(transaction: Transaction, move: BatchMove) -> tuple[dict, int]:
    """What `move` changes on `transaction`, and the amount its operation records (AUTHOR is
    authorisation_outcome's)."""
    t = transaction
    if move.operation == AUTHOR_BATCH:
        return {"status": Status.WAITING_AUTHOR}, t.amount
    if move.operation == EXPIRED:
        return {"status": Status.EXPIRED}, t.amount
    if move.operation == DEBIT_CAPTURE:
        return {"status": Status.CAPTURED, "captured_amount": t.amount}, t.amount
    if move.operation == CREDIT_CAPTURE:
        pending = t.refunded_amount - t.credited_amount
        in_full = t.refunded_amount == t.captured_amount
        return {
            "status": Status.CREDITED if in_full else Status.CAPTURED,
            "credited_amount": t.refunded_amount,
            "credit_date": None,
        }, pending
    raise ValueError(move.operation)


def batch_update(move: BatchMove) -> dict:
    """batch_outcome's change as SQL expressions, to move a whole chunk in one UPDATE (the run
    checks, row by row, that both agree: each operation's state after is batch_outcome's)."""
    if move.operation == AUTHOR_BATCH:
        return {"status": Status.WAITING_AUTHOR}
    if move.operation == EXPIRED:
        return {"status": Status.EXPIRED}
    if move.operation == DEBIT_CAPTURE:
        return {"status": Status.CAPTURED, "captured_amount": F("amount")}
    if move.operation == CREDIT_CAPTURE:
        in_full = When(refunded_amount=F("captured_amount"), then=Value(Status.CREDITED))
        return {
            "status": Case(in_full, default=Value(Status.CAPTURED)),
            "credited_amount": F("refunded_amount"),
            "credit_date": None,
        }
    raise ValueError(move.operation)


def authorisation_outcome(transaction: Transaction, response_code: str, authorisation_id: str):
    """A fresh authorisation's answer (AUTHOR, or VALIDATE of TO_REPLAY): 00 → TO_CAPTURE with
    its number, anything else → REFUSED."""
    if response_code == "00":
        return {"status": Status.TO_CAPTURE, "authorisation_id": authorisation_id}
    return {"status": Status.REFUSED}


# --- The table, for people (docs/lifecycle.md is generated from these) -------------------------


def markdown_table() -> str:
    """Every merchant operation × every state: allowed (amount rule → result) or its refusal."""
    lines = [
        "| state | " + " | ".join(MERCHANT_OPERATIONS) + " |",
        "|---|" + "---|" * len(MERCHANT_OPERATIONS),
    ]
    for status in Status.values:
        cells = []
        for op in MERCHANT_OPERATIONS:
            move = ALLOWED[op].get(status)
            if op == DUPLICATE:
                cells.append("if a card is on file")
            elif move:
                cells.append(f"≤ {move.amount} → {move.result}")
            elif (op, status) in EXHAUSTED:
                cells.append("51")
            else:
                cells.append("24")
        lines.append(f"| {status} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| nightly move | from | due when | result |",
        "|---|---|---|---|",
    ]
    for m in BATCH_MOVES:
        due = f"{m.due} ≤ the run's date" if m.due else "always (retried until answered)"
        lines.append(f"| {m.operation} | {m.status} | {due} | {m.result} |")
    return "\n".join(lines) + "\n"


def mermaid() -> str:
    """The state diagram: creation, the merchant's moves and the batch's."""
    edges: dict[tuple[str, str], list[str]] = {}

    def edge(a, b, label):
        edges.setdefault((a, b), [])
        if label not in edges[(a, b)]:
            edges[(a, b)].append(label)

    for status, label in (
        (Status.TO_CAPTURE, "00 AUTHOR_CAPTURE ≤ 6 d"),
        (Status.TO_AUTHORIZE, "00 AUTHOR_CAPTURE > 6 d"),
        (Status.TO_VALIDATE, "00 VALIDATION ≤ 6 d"),
        (Status.TO_REPLAY, "00 VALIDATION > 6 d"),
        (Status.REFERRAL, "02"),
        (Status.REFUSED, "other codes"),
    ):
        edge("[*]", status, label)
    for move in MOVES:
        if move.operation == DUPLICATE:
            continue
        targets = {
            VALIDATE: [Status.TO_CAPTURE]
            + ([Status.REFUSED] if move.status == Status.TO_REPLAY else []),
            CANCEL: [Status.CAPTURED] if move.status == Status.TO_CREDIT else [Status.CANCELLED],
            CREDIT: [Status.TO_CREDIT],
            ADVICE: [Status.TO_CAPTURE],
        }[move.operation]
        for target in targets:
            if target != move.status:
                edge(move.status, target, move.operation)
    for m in BATCH_MOVES:
        targets = {
            AUTHOR: [Status.TO_CAPTURE, Status.REFUSED],
            CREDIT_CAPTURE: [Status.CREDITED, Status.CAPTURED],
        }.get(m.operation, [m.result])
        for target in targets:
            edge(m.status, target, m.operation)
    lines = ["stateDiagram-v2"]
    for (a, b), labels in edges.items():
        lines.append(f"    {a} --> {b}: {', '.join(labels)}")
    for final in (Status.CANCELLED, Status.CREDITED, Status.EXPIRED, Status.REFUSED, Status.ENDED):
        lines.append(f"    {final} --> [*]")
    return "\n".join(lines) + "\n"
