"""The one table of what may happen to a transaction in each status (docs/domain.md,
Sips Annexe N).

Services (operations), templates (which buttons to show) and the API all read it from here.
"""

from .models import Status, Transaction

VALIDATE, CANCEL, REFUND, DUPLICATE = "VALIDATE", "CANCEL", "REFUND", "DUPLICATE"
MERCHANT_OPERATIONS = (VALIDATE, CANCEL, REFUND, DUPLICATE)

# Operation → the statuses it is allowed from (DUPLICATE: see can_duplicate).
ALLOWED_FROM: dict[str, frozenset[str]] = {
    VALIDATE: frozenset({Status.TO_VALIDATE}),
    CANCEL: frozenset({Status.TO_VALIDATE, Status.TO_CAPTURE}),
    REFUND: frozenset({Status.CAPTURED}),
    DUPLICATE: frozenset(Status.values),
}

# Statuses where an operation has used up its amount rather than being out of place: a refund of
# a transaction refunded in full, or a cancel of one cancelled in full, is "amount too high" (51,
# at most 0) — what twenty concurrent refunds past the total get, whichever commits first.
EXHAUSTED_IN: dict[str, frozenset[str]] = {
    REFUND: frozenset({Status.TO_CREDIT, Status.CREDITED}),
    CANCEL: frozenset({Status.CANCELLED}),
}

# Refusals that mean no card reached the server: nothing to duplicate from (ours).
NO_CARD_ON_FILE_CODES = frozenset({"30", "12"})

# What the nightly batch does: (from status) → (to status), for CAPTURE, CREDIT and EXPIRE.
BATCH_TRANSITIONS: dict[str, tuple[str, str]] = {
    "CAPTURE": (Status.TO_CAPTURE, Status.CAPTURED),
    "CREDIT": (Status.TO_CREDIT, Status.CREDITED),
    "EXPIRE": (Status.TO_VALIDATE, Status.EXPIRED),
}


def can_duplicate(transaction: Transaction) -> bool:
    return not (
        transaction.status == Status.REFUSED and transaction.response_code in NO_CARD_ON_FILE_CODES
    ) and bool(transaction.card_number)


def is_validated(transaction: Transaction) -> bool:
    """TO_CAPTURE in VALIDATION mode: the merchant validated it (docs/domain.md: a validation cannot
    be undone, so it is no longer cancellable; refund it once captured). This is also what makes
    a cancel racing a validation of the same transaction lose or win alone."""
    from .models import CaptureMode

    return (
        transaction.status == Status.TO_CAPTURE
        and transaction.capture_mode == CaptureMode.VALIDATION
    )


def is_allowed(transaction: Transaction, operation: str) -> bool:
    if operation == DUPLICATE:
        return can_duplicate(transaction)
    if operation == CANCEL and is_validated(transaction):
        return False
    return transaction.status in ALLOWED_FROM[operation]


def max_amount(transaction: Transaction, operation: str) -> int | None:
    """The most this operation may move now, in minor units (None: no ceiling, DUPLICATE)."""
    if operation in (VALIDATE, CANCEL):
        return transaction.amount
    if operation == REFUND:
        return transaction.captured_amount - transaction.refunded_amount
    return None


def operations_possible(transaction: Transaction) -> dict[str, int | None]:
    """Operation → its maximum amount, for each operation allowed in the current status."""
    return {
        op: max_amount(transaction, op)
        for op in MERCHANT_OPERATIONS
        if is_allowed(transaction, op) and (max_amount(transaction, op) or op == DUPLICATE)
    }


def outcome(transaction: Transaction, operation: str, amount: int, *, on_date) -> dict:
    """The fields an accepted VALIDATE / CANCEL / REFUND changes, status included
    (docs/domain.md "Operations").

    VALIDATE: TO_CAPTURE on `on_date`, the unvalidated remainder released (amount = validated).
    CANCEL: amount reduced; nothing left → CANCELLED. REFUND: refunded amount grows; all of the
    captured amount refunded → TO_CREDIT, else it stays CAPTURED. The caller checked the rules.
    """
    if operation == VALIDATE:
        return {"status": Status.TO_CAPTURE, "amount": amount, "capture_date": on_date}
    if operation == CANCEL:
        left = transaction.amount - amount
        return {"amount": left, "status": Status.CANCELLED if left == 0 else transaction.status}
    if operation == REFUND:
        refunded = transaction.refunded_amount + amount
        total = refunded == transaction.captured_amount
        return {
            "refunded_amount": refunded,
            "status": Status.TO_CREDIT if total else Status.CAPTURED,
        }
    return {}


def batch_outcome(transaction: Transaction, kind: str) -> tuple[dict, int]:
    """What the nightly batch's `kind` changes on `transaction`, and the amount it records."""
    _before, after = BATCH_TRANSITIONS[kind]
    if kind == "CAPTURE":
        return {"status": after, "captured_amount": transaction.amount}, transaction.amount
    if kind == "CREDIT":
        return {"status": after}, transaction.refunded_amount
    return {"status": after}, transaction.amount
