"""The one table of what may happen to a transaction in each status (DOMAIN.md).

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


def is_allowed(transaction: Transaction, operation: str) -> bool:
    if operation == DUPLICATE:
        return can_duplicate(transaction)
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
