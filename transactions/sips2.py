"""Sips 2.0 automatic responses: the sealed `Data` form, its seal, and its mapping to our fields.

Sips 2.0 posts `Data` (`key=value|key=value…`, optionally base64 or base64url encoded, see
`Encode`), `Seal`, `InterfaceVersion`, `keyVersion` and sometimes `SealAlgorithm`. The seal is
computed over `Data` exactly as posted, with the shop's secret key: HMAC-SHA-256 of Data keyed by
the secret, or (the historical form) SHA-256 of Data followed by the secret; both hex. The field
names are those of Worldline's public Sips 2.0 data dictionary. docs/sips.md shows an example.

Nothing here reads the database: transactions.services.sips2_response_ingest does.
"""

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import re

from core.dates import PARIS

from .feed import FeedError, structure_error

HMAC_SHA_256 = "HMAC-SHA-256"
SHA_256 = "SHA-256"
SEAL_ALGORITHMS = (HMAC_SHA_256, SHA_256)
INTERFACE_VERSION = "HP_2.20"

# Sips 2.0 name → the Sips 1.0 field it fills (transactions.feed_fields).
FIELD_NAMES: dict[str, str] = {
    "merchantId": "merchant_id",
    "transactionReference": "transaction_reference",
    "amount": "amount",
    "currencyCode": "currency_code",
    "responseCode": "response_code",
    "acquirerResponseCode": "bank_response_code",
    "authorisationId": "authorisation_id",
    "captureDay": "capture_day",
    "captureMode": "capture_mode",
    "cardCSCResultCode": "cvv_response_code",
    "maskedPan": "card_number",
    "paymentMeanBrand": "payment_means",
    "paymentMeanType": "payment_mean_type",
    "orderId": "order_id",
    "customerId": "customer_id",
    "customerEmail": "customer_email",
    "customerIpAddress": "customer_ip_address",
    "returnContext": "return_context",
    "holderAuthentStatus": "holder_authent_status",
    "guaranteeIndicator": "guarantee_indicator",
    "panExpiryDate": "pan_expiry_date",
    "complementaryCode": "complementary_code",
    "complementaryInfo": "complementary_info",
}
# Our field → the Sips 2.0 name, to word errors as the sender knows its fields.
SIPS2_NAMES = {v: k for k, v in FIELD_NAMES.items()} | {
    "transaction_id": "s10TransactionId",
    "payment_date": "transactionDateTime",
    "payment_time": "transactionDateTime",
}
# Sips 2.0 brand names that differ from the Sips 1.0 means (annexe E).
BRANDS = {"BCMC": "BANCONTACTMISTERCASH", "CBCONLINE": "CB", "VISA_ELECTRON": "VISA"}
MASK_CHARS = "#Xx*"
_PAN_DIGITS = re.compile(r"[0-9]{12,19}")
_MASKED = re.compile(r"([0-9]{4})[0-9]*[" + re.escape(MASK_CHARS) + r"]+[0-9]*([0-9]{2})")


class SipsRefused(Exception):
    """A Sips 2.0 response we store nothing of; `reason` is what the counters group by."""

    def __init__(self, message: str, *, reason: str, response_code: str, http_status: int):
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.response_code = response_code
        self.http_status = http_status


def seal(data: str, secret: str, algorithm: str = HMAC_SHA_256) -> str:
    """The seal of `data` (as posted) with the shop's secret: lowercase hex."""
    if algorithm == HMAC_SHA_256:
        return hmac.new(secret.encode(), data.encode(), hashlib.sha256).hexdigest()
    return hashlib.sha256((data + secret).encode()).hexdigest()


def seal_algorithm_matching(data: str, given: str, secret: str, algorithm: str = "") -> str | None:
    """Which algorithm produced `given` with this secret (None: neither). A named algorithm is
    the only one tried; without one, both are (the historical SHA-256 and HMAC-SHA-256)."""
    candidates = (algorithm,) if algorithm else SEAL_ALGORITHMS
    given = given.strip().lower()
    for candidate in candidates:
        if hmac.compare_digest(seal(data, secret, candidate), given):
            return candidate
    return None


def decode(data: str, encode: str) -> str:
    """The Data text, whatever `Encode` said: base64, base64url, or plain (empty)."""
    encode = (encode or "").strip().lower()
    if encode not in ("", "base64", "base64url"):
        raise SipsRefused(
            f"ERROR IN CALL PARAMETERS STRUCTURE (Encode={encode[:20]})",
            reason="FORMAT",
            response_code="30",
            http_status=400,
        )
    if not encode:
        return data
    try:
        padded = data + "=" * (-len(data) % 4)
        raw = (
            base64.urlsafe_b64decode(padded)
            if encode == "base64url"
            else base64.b64decode(padded, validate=True)
        )
        return raw.decode("utf-8")
    except (binascii.Error, ValueError):
        raise SipsRefused(
            "ERROR IN CALL PARAMETERS STRUCTURE (Data)",
            reason="FORMAT",
            response_code="30",
            http_status=400,
        ) from None


def parse_data(text: str) -> dict[str, str]:
    """`key=value|key=value…` → dict; "null" and empty values count as absent."""
    fields: dict[str, str] = {}
    for part in text.split("|"):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not key or key in fields:
            raise SipsRefused(
                "ERROR IN CALL PARAMETERS STRUCTURE (Data)",
                reason="FORMAT",
                response_code="30",
                http_status=400,
            )
        fields[key] = value
    return {k: v for k, v in fields.items() if v not in ("", "null")}


def masked_pan(value: str) -> str:
    """A Sips 2.0 masked PAN (`4100##########00`) → the `xxxx.yy` mask we store. A number with
    no masking is a full card number: refused, and never repeated in the answer."""
    if _PAN_DIGITS.fullmatch(value) or not value.isascii():
        raise FeedError("ERROR IN CALL PARAMETERS STRUCTURE (maskedPan)", field="card_number")
    if re.fullmatch(r"[0-9]{4}\.[0-9]{2}", value):
        return value
    masked = re.fullmatch(
        r"([0-9]{4})[0-9]*[" + re.escape(MASK_CHARS) + r"]+[0-9]*([0-9]{2})", value
    )
    if not masked or not 12 <= len(value) <= 19:
        raise FeedError("ERROR IN CALL PARAMETERS STRUCTURE (maskedPan)", field="card_number")
    return f"{masked.group(1)}.{masked.group(2)}"


def feed_item(fields: dict[str, str]) -> dict:
    """The Sips 2.0 fields → a feed item in Sips 1.0 names (checked by the feed's own rules)."""
    item: dict[str, str] = {}
    for name, target in FIELD_NAMES.items():
        if name in fields:
            item[target] = fields[name]
    if "card_number" in item:
        item["card_number"] = masked_pan(item["card_number"])
    if "payment_means" in item:
        item["payment_means"] = BRANDS.get(item["payment_means"], item["payment_means"])
    when = fields.get("transactionDateTime", "")
    try:
        moment = dt.datetime.fromisoformat(when)
        if moment.tzinfo is None:
            raise ValueError(when)
    except ValueError:
        raise structure_error("payment_date") from None
    local = moment.astimezone(PARIS)
    item["payment_date"] = f"{local:%Y%m%d}"
    item["payment_time"] = f"{local:%H%M%S}"
    if fields.get("s10TransactionIdDate", item["payment_date"]) != item["payment_date"]:
        raise structure_error("payment_date")
    number = fields.get("s10TransactionId") or fields.get("transactionReference", "")
    if not (number.isascii() and number.isdigit() and len(number) <= 6):
        raise FeedError(
            "ERROR IN CALL PARAMETERS STRUCTURE (s10TransactionId not filled)",
            field="transaction_id",
        )
    item["transaction_id"] = number
    return item


def reworded(error: FeedError) -> FeedError:
    """A feed error about one of our fields, named as Sips 2.0 names it."""
    name = SIPS2_NAMES.get(error.field or "")
    if not name or error.field == "card_number":
        return error
    message = error.message.replace(f"({error.field}", f"({name}")
    return FeedError(
        message, response_code=error.response_code, http_status=error.http_status, field=name
    )


def data_for(transaction) -> str:
    """The Sips 2.0 Data of one of our transactions, for its automatic response out."""
    merchant = transaction.merchant
    local = transaction.payment_at.astimezone(PARIS)
    values = {
        "merchantId": merchant.merchant_id,
        "s10TransactionId": transaction.transaction_id,
        "s10TransactionIdDate": f"{transaction.payment_date:%Y%m%d}",
        "transactionReference": transaction.transaction_reference or transaction.transaction_id,
        "transactionDateTime": local.isoformat(timespec="seconds"),
        "amount": str(transaction.origin_amount),
        "currencyCode": transaction.currency_code,
        "responseCode": transaction.response_code,
        "acquirerResponseCode": transaction.bank_response_code,
        "authorisationId": transaction.authorisation_id,
        "captureDay": str(transaction.capture_day),
        "captureMode": transaction.capture_mode,
        "cardCSCResultCode": transaction.cvv_response_code,
        "maskedPan": (
            f"{transaction.card_number[:4]}########{transaction.card_number[-2:]}"
            if transaction.card_number
            else ""
        ),
        "paymentMeanBrand": transaction.payment_means,
        "paymentMeanType": transaction.payment_mean_type
        or ("CARD" if transaction.card_number else ""),
        "orderId": transaction.order_id,
        "customerId": transaction.customer_id,
        "customerEmail": transaction.customer_email,
        "customerIpAddress": transaction.customer_ip_address,
        "returnContext": transaction.return_context,
        "holderAuthentStatus": transaction.holder_authent_status,
        "guaranteeIndicator": transaction.guarantee_indicator,
        "panExpiryDate": transaction.pan_expiry_date,
        "complementaryCode": transaction.complementary_code,
        "keyVersion": str(merchant.secret_key_version),
    }
    # The separator cannot travel inside a value.
    return "|".join(f"{k}={v.replace('|', ' ')}" for k, v in values.items() if v)
