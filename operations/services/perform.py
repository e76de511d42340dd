from django.utils.translation import gettext as _

from .cash import (
    OperationRefused,
    transaction_cancel,
    transaction_duplicate,
    transaction_refund,
    transaction_validate,
)

AMOUNT_SERVICES = {
    "VALIDATE": transaction_validate,
    "CANCEL": transaction_cancel,
    "REFUND": transaction_refund,
}


def operation_perform(
    *,
    kind: str,
    transaction,
    user,
    origin: str,
    amount,
    now,
    new_transaction_id=None,
    capture_mode=None,
    capture_day=None,
):
    """One of the four operations by its name (the web form and the API both come through)."""
    if kind == "DUPLICATE":
        return transaction_duplicate(
            transaction=transaction,
            amount=amount,
            new_transaction_id=new_transaction_id,
            capture_mode=capture_mode,
            capture_day=capture_day,
            user=user,
            origin=origin,
            now=now,
        )
    if kind not in AMOUNT_SERVICES:
        raise OperationRefused(code="12", message=_("Unknown operation."))
    return AMOUNT_SERVICES[kind](
        transaction=transaction, amount=amount, user=user, origin=origin, now=now
    )
