from django.utils.translation import gettext as _

from .cash import (
    OperationRefused,
    transaction_advice,
    transaction_cancel,
    transaction_duplicate,
    transaction_refund,
    transaction_validate,
)

AMOUNT_SERVICES = {
    "VALIDATE": transaction_validate,
    "CANCEL": transaction_cancel,
    "CREDIT": transaction_refund,
}
# What people and older clients call the Annexe N codes.
ALIASES = {"REFUND": "CREDIT"}


def operation_kind(name: str) -> str:
    """The Annexe N code for an operation's name as a URL or a client spells it."""
    name = name.upper()
    return ALIASES.get(name, name)


def operation_perform(
    *,
    kind: str,
    transaction,
    user,
    channel: str,
    origin: str = "",
    amount=None,
    now,
    new_transaction_id=None,
    capture_mode=None,
    capture_day=None,
    authorisation_id=None,
    reason: str = "",
):
    """One of the merchant's operations by its name (the web form and the API both come
    through)."""
    kind = operation_kind(kind)
    common = {"transaction": transaction, "user": user, "channel": channel, "origin": origin,
              "now": now, "reason": reason}  # fmt: skip
    if kind == "DUPLICATE":
        return transaction_duplicate(
            amount=amount,
            new_transaction_id=new_transaction_id,
            capture_mode=capture_mode,
            capture_day=capture_day,
            **common,
        )
    if kind == "ADVICE":
        return transaction_advice(authorisation_id=authorisation_id, **common)
    if kind not in AMOUNT_SERVICES:
        raise OperationRefused(code="12", message=_("Unknown operation."))
    return AMOUNT_SERVICES[kind](amount=amount, **common)
