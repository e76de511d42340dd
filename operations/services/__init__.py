"""Operations' writes: the cash-management operations and the nightly remittance batch."""

from .cash import (
    OperationRefused,
    in_remittance_window,
    preview,
    transaction_advice,
    transaction_cancel,
    transaction_duplicate,
    transaction_refund,
    transaction_validate,
)
from .remittance import merchant_remittance, remittance_run

__all__ = [
    "OperationRefused",
    "in_remittance_window",
    "merchant_remittance",
    "preview",
    "remittance_run",
    "transaction_advice",
    "transaction_cancel",
    "transaction_duplicate",
    "transaction_refund",
    "transaction_validate",
]
