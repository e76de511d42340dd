"""The payment feed's grammar: Sips field names, formats and lengths, and Sips error wording.

`parse_feed_item` turns one JSON object from the payment server into clean values, or raises
FeedError with the message merchants know from the Sips API (FAQ 21, 23, 26, 27). It reads no
database: the service decides what the shop and the day's numbers allow.
"""

import datetime as dt
import re
from dataclasses import dataclass

from core.csv import FORMULA_STARTS
from core.pan import contains_pan
from gestion.dates import EARLIEST, LATEST, PARIS
from gestion.money import CURRENCIES
from merchants.models import PaymentMeans

from .models import AutomaticResponseStatus, CaptureMode

FORBIDDEN_CHARS = set('|;:"')


@dataclass(frozen=True)
class Field:
    max_length: int
    # n: digits; an: letters and digits; ans: any printable text; ns: digits and signs (IP).
    kind: str
    required: bool = False
    choices: frozenset[str] | None = None
    exact_length: int | None = None
    no_separators: bool = False  # `| ; : "` forbidden (Sips)
    secret: bool = False  # never echoed back (the card number)
    journal: bool = False  # in the journals: no formula sign first (docs/journals.md)


FIELDS: dict[str, Field] = {
    "merchant_id": Field(15, "n", required=True),
    "transaction_id": Field(6, "n", required=True),
    "amount": Field(12, "n", required=True),
    "currency_code": Field(3, "n", required=True, exact_length=3, choices=frozenset(CURRENCIES)),
    "capture_mode": Field(20, "an", choices=frozenset(CaptureMode.values)),
    "capture_day": Field(2, "n"),
    "payment_means": Field(16, "ans", choices=frozenset(PaymentMeans.Means.values)),
    "card_number": Field(7, "card", secret=True),
    "response_code": Field(2, "n", required=True, exact_length=2),
    "bank_response_code": Field(2, "n", exact_length=2),
    "cvv_flag": Field(1, "n"),
    "cvv_response_code": Field(2, "an", choices=frozenset({"4D", "4E", "50", "53", "55", "NO"})),
    "authorisation_id": Field(10, "an"),
    "complementary_code": Field(2, "n", exact_length=2),
    "complementary_info": Field(255, "ans"),
    "payment_date": Field(8, "n", required=True, exact_length=8),
    "payment_time": Field(6, "n", required=True, exact_length=6),
    "customer_id": Field(19, "ans", no_separators=True, journal=True),
    "customer_email": Field(128, "ans"),
    "customer_ip_address": Field(19, "ns"),
    "order_id": Field(32, "ans", no_separators=True, journal=True),
    "caddie": Field(2048, "ans"),
    "return_context": Field(256, "ans", no_separators=True, journal=True),
    "automatic_response_status": Field(9, "an", choices=frozenset(AutomaticResponseStatus.values)),
}

_KIND_PATTERNS = {
    "n": re.compile(r"[0-9]+"),
    "an": re.compile(r"[A-Za-z0-9_]+"),
    "ns": re.compile(r"[0-9.:a-fA-F]+"),
    "card": re.compile(r"[0-9]{4}\.[0-9]{2}"),
}


class FeedError(Exception):
    """A feed item the payment server got wrong; `message` is in Sips wording."""

    def __init__(self, message: str, *, response_code: str = "30", http_status: int = 400):
        super().__init__(message)
        self.message = message
        self.response_code = response_code
        self.http_status = http_status


def structure_error(name: str) -> FeedError:
    return FeedError(f"ERROR IN CALL PARAMETERS STRUCTURE ({name})")


# An error message repeats a submitted value only when it is this short and holds no card
# number; a key only when it looks like a Sips keyword (docs/security.md).
ECHO_MAX = 32
_KEYWORD = re.compile(r"[A-Za-z0-9_]{1,32}")


def shown_value(value, *, limit: int = ECHO_MAX) -> str | None:
    """The value as an error message may repeat it, or None when it must not be repeated."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value)
    if len(text) > limit or not text.isprintable() or contains_pan(text):
        return None
    return text


def shown_keyword(key) -> str:
    text = str(key)
    return text if _KEYWORD.fullmatch(text) and not contains_pan(text) else "?"


def normalise_transaction_id(value: str | int) -> str:
    """`123` and `000123` are the same transaction id: stored as 6 zero-padded digits."""
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        raise ValueError(f"not a transaction id: {value!r}")
    return text.zfill(6)


def _as_text(name: str, value, field: Field) -> str:
    if isinstance(value, bool) or value is None:
        raise structure_error(name)
    if isinstance(value, int):
        if field.kind != "n" or value < 0:
            raise structure_error(name)
        return str(value)
    if not isinstance(value, str):
        raise structure_error(name)
    return value


def _check(name: str, value, field: Field) -> str:
    text = _as_text(name, value, field)
    if field.kind in ("ans", "ns") and contains_pan(text):
        # A full card number never enters the back office (docs/security.md), nor its answer.
        raise FeedError(f"ERROR IN CALL PARAMETERS STRUCTURE ({name} holds a card number)")
    if len(text) > field.max_length:
        if field.secret:
            raise structure_error(name)
        shown = shown_value(text)
        if shown is None:
            raise FeedError(f"ERROR PARAMETER ({name}) TOO LONG")
        raise FeedError(f"ERROR PARAMETER ({name}={shown}) TOO LONG")
    if field.exact_length and len(text) != field.exact_length:
        raise structure_error(name)
    if not text:
        raise structure_error(name)
    pattern = _KIND_PATTERNS.get(field.kind)
    if pattern and not (text.isascii() and pattern.fullmatch(text)):
        raise structure_error(name)
    if field.kind == "ans" and not text.isprintable():
        raise structure_error(name)
    if field.no_separators and FORBIDDEN_CHARS & set(text):
        raise structure_error(name)
    if field.choices is not None and text not in field.choices:
        raise structure_error(name)
    if field.journal and text.startswith(FORMULA_STARTS):
        # Journals carry it byte for byte to the merchant's tools: refused rather than altered.
        raise FeedError(f"ERROR IN CALL PARAMETERS STRUCTURE ({name} starts with {text[0]})")
    return text


def parse_feed_item(item) -> dict:
    """One feed object → the values of a Transaction (plus `merchant_id`), or FeedError."""
    if not isinstance(item, dict):
        raise FeedError("ERROR IN CALL PARAMETERS STRUCTURE (body)")
    for key, value in item.items():
        if key not in FIELDS:
            keyword, shown = shown_keyword(key), shown_value(value, limit=8)
            if shown is None:
                raise FeedError(f"INVALID KEYWORD IN PARAMETER ({keyword})")
            raise FeedError(f"INVALID KEYWORD IN PARAMETER ({keyword}={shown})")
    for name, field in FIELDS.items():
        if field.required and item.get(name) in (None, ""):
            raise FeedError(f"ERROR IN CALL PARAMETERS STRUCTURE ({name} not filled)")
    clean: dict[str, str] = {}
    for name, field in FIELDS.items():
        if name in item and item[name] not in (None, ""):
            clean[name] = _check(name, item[name], field)

    try:
        payment_date = dt.datetime.strptime(clean["payment_date"], "%Y%m%d").date()
    except ValueError:
        raise structure_error("payment_date") from None
    if not EARLIEST <= payment_date < LATEST:
        # Searches name days in this range only; a date outside it could never be found.
        raise structure_error("payment_date")
    try:
        payment_time = dt.datetime.strptime(clean["payment_time"], "%H%M%S").time()
    except ValueError:
        raise structure_error("payment_time") from None
    capture_day = int(clean.get("capture_day", "0"))
    if capture_day > 99:
        raise structure_error("capture_day")
    accepted = clean["response_code"] == "00"
    if accepted and "card_number" not in clean:
        raise FeedError("ERROR IN CALL PARAMETERS STRUCTURE (card_number not filled)")
    if accepted and "payment_means" not in clean:
        raise FeedError("ERROR IN CALL PARAMETERS STRUCTURE (payment_means not filled)")

    payment_at = dt.datetime.combine(payment_date, payment_time, tzinfo=PARIS).astimezone(dt.UTC)
    amount = int(clean["amount"])
    return {
        "merchant_id": clean["merchant_id"],
        "transaction_id": clean["transaction_id"].zfill(6),
        "payment_date": payment_date,
        "payment_at": payment_at,
        "origin_amount": amount,
        "amount": amount,
        "currency_code": clean["currency_code"],
        "capture_mode": clean.get("capture_mode", CaptureMode.AUTHOR_CAPTURE),
        "capture_day": capture_day,
        "payment_means": clean.get("payment_means", ""),
        "card_number": clean.get("card_number", ""),
        "response_code": clean["response_code"],
        "bank_response_code": clean.get("bank_response_code", ""),
        "cvv_flag": clean.get("cvv_flag", ""),
        "cvv_response_code": clean.get("cvv_response_code", ""),
        "authorisation_id": clean.get("authorisation_id", ""),
        "complementary_code": clean.get("complementary_code", ""),
        "complementary_info": clean.get("complementary_info", ""),
        "customer_id": clean.get("customer_id", ""),
        "customer_email": clean.get("customer_email", ""),
        "customer_ip_address": clean.get("customer_ip_address", ""),
        "order_id": clean.get("order_id", ""),
        "caddie": clean.get("caddie", ""),
        "return_context": clean.get("return_context", ""),
        "automatic_response_status": clean.get(
            "automatic_response_status", AutomaticResponseStatus.UNDEFINED
        ),
    }


def feed_request_schema(bulk_max: int) -> dict:
    """The JSON schema of a feed request, from FIELDS: one item, or a list of up to `bulk_max`."""
    properties = {}
    for name, field in FIELDS.items():
        text: dict = {"type": "string", "maxLength": field.max_length}
        if field.choices is not None:
            text = {"type": "string", "enum": sorted(field.choices)}
        properties[name] = (
            {"anyOf": [text, {"type": "integer", "minimum": 0}]} if field.kind == "n" else text
        )
    item = {
        "type": "object",
        "properties": properties,
        "required": [name for name, field in FIELDS.items() if field.required],
        "additionalProperties": False,
    }
    return {"oneOf": [item, {"type": "array", "items": item, "maxItems": bulk_max}]}
