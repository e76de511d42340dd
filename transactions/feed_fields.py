"""The payment feed's field catalogue: every field of a Sips 1.0 payment response, its format.

Formats and lengths are the data dictionary's (`n` digits, `an` letters and digits, `a`
letters, `ans` any printable text, `ns` digits and signs); choices come from its annexes
(transactions.sips_codes). docs/sips.md lists them for the payment server's developers.
"""

import re
from dataclasses import dataclass

from core.money import CURRENCIES
from core.sips import CARD_MASK_PATTERN
from merchants.models import PaymentMeans

from . import sips_codes
from .models import CaptureMode


@dataclass(frozen=True)
class Field:
    max_length: int
    kind: str
    required: bool = False
    choices: frozenset[str] | None = None
    exact_length: int | None = None
    min_length: int = 1
    no_separators: bool = False  # `| ; : "` forbidden (Sips)
    secret: bool = False  # never echoed back (the card number)
    journal: bool = False  # in the journals: no formula sign first (docs/journals.md)
    sips2_only: bool = False  # a Sips 2.0 field: not a keyword of the Sips 1.0 JSON feed
    # Sips 2.0 allows `; : "` here (merchants put JSON in returnContext); `|` cannot travel.
    sips2_separators: bool = False


def _codes(table) -> frozenset[str]:
    return frozenset(table)


FIELDS: dict[str, Field] = {
    "merchant_id": Field(15, "n", required=True),
    "merchant_country": Field(2, "a", exact_length=2, choices=sips_codes.COUNTRIES),
    "transaction_id": Field(6, "n", required=True),
    # n3..12: 0.10 EUR is "010" (data dictionary, amount).
    "amount": Field(12, "n", required=True, min_length=3),
    "currency_code": Field(3, "n", required=True, exact_length=3, choices=frozenset(CURRENCIES)),
    "capture_mode": Field(20, "a_", choices=frozenset(CaptureMode.values)),
    "capture_day": Field(2, "n"),
    "payment_means": Field(128, "ans", choices=frozenset(PaymentMeans.Means.values)),
    "card_number": Field(7, "card", secret=True),
    "response_code": Field(
        2, "n", required=True, exact_length=2, choices=_codes(sips_codes.RESPONSE_CODES)
    ),
    "bank_response_code": Field(2, "n", exact_length=2),
    "cvv_flag": Field(1, "n", choices=_codes(sips_codes.CVV_FLAGS)),
    "cvv_response_code": Field(2, "an", choices=_codes(sips_codes.CVV_RESPONSE_CODES)),
    "authorisation_id": Field(10, "an"),
    "payment_certificate": Field(12, "an"),
    "complementary_code": Field(2, "n", exact_length=2),
    "complementary_info": Field(255, "ans"),
    "payment_date": Field(8, "n", required=True, exact_length=8),
    "payment_time": Field(6, "n", required=True, exact_length=6),
    "transmission_date": Field(14, "n", exact_length=14),
    "customer_id": Field(19, "ans", no_separators=True, journal=True),
    "customer_email": Field(128, "ans"),
    "customer_ip_address": Field(19, "ns"),
    "order_id": Field(32, "ans", no_separators=True, journal=True),
    "order_validity": Field(2, "n"),
    "caddie": Field(2048, "ans"),
    "data": Field(2048, "ans"),
    "return_context": Field(256, "ans", no_separators=True, journal=True, sips2_separators=True),
    "receipt_complement": Field(3072, "ans"),
    "language": Field(2, "a", exact_length=2, choices=sips_codes.LANGUAGES),
    "merchant_language": Field(2, "a", exact_length=2),
    "transaction_condition": Field(64, "ans", choices=_codes(sips_codes.TRANSACTION_CONDITIONS)),
    # 3-D Secure (annexe P).
    "security_indicator": Field(2, "n", exact_length=2, choices=sips_codes.SECURITY_INDICATORS),
    "mpi_cavv": Field(28, "ans"),
    "mpi_cavv_algorithm": Field(1, "n"),
    "mpi_eci": Field(2, "n"),
    "mpi_tx_status": Field(1, "a", choices=sips_codes.MPI_TX_STATUSES),
    "mpi_xid": Field(28, "ans"),
    # Sips 2.0 only (the sealed automatic response, transactions.sips2).
    "transaction_reference": Field(35, "an", sips2_only=True),
    "holder_authent_status": Field(20, "a_", sips2_only=True),
    "guarantee_indicator": Field(1, "a", sips2_only=True),
    "pan_expiry_date": Field(6, "n", exact_length=6, sips2_only=True),
    "payment_mean_type": Field(20, "a_", sips2_only=True),
}

KIND_PATTERNS = {
    "n": re.compile(r"[0-9]+"),
    "a": re.compile(r"[A-Za-z]+"),
    "a_": re.compile(r"[A-Za-z0-9_]+"),  # the dictionary's `a` keywords (AUTHOR_CAPTURE, 3D_…)
    "an": re.compile(r"[A-Za-z0-9_]+"),
    "ns": re.compile(r"[0-9.:a-fA-F]+"),
    "card": re.compile(CARD_MASK_PATTERN),
}
