"""The payment feed's grammar: Sips field names, formats and lengths, and Sips error wording.

`parse_feed_item` turns one JSON object from the payment server into clean values, or raises
FeedError with the message merchants know from the Sips API (docs/domain.md). It reads no
database: the service decides what the shop and the day's numbers allow.
"""

import datetime as dt
import re

from django.utils import timezone

from core.csv import FORMULA_STARTS
from core.dates import EARLIEST, LATEST, PARIS
from core.pan import contains_pan
from core.sips import FORBIDDEN_CHARS

from . import sips_codes
from .feed_fields import FIELDS, KIND_PATTERNS, Field
from .models import CaptureMode


class FeedError(Exception):
    """A feed item the payment server got wrong; `message` is in Sips wording."""

    def __init__(
        self,
        message: str,
        *,
        response_code: str = "30",
        http_status: int = 400,
        field: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.response_code = response_code
        self.http_status = http_status
        self.field = field  # the field at fault, when one is (Sips 2.0 renames it)


def structure_error(name: str, detail: str = "") -> FeedError:
    return FeedError(f"ERROR IN CALL PARAMETERS STRUCTURE ({name}{detail})", field=name)


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


def _check(name: str, value, field: Field, *, sips2: bool = False) -> str:
    text = _as_text(name, value, field)
    if field.kind in ("ans", "ns") and contains_pan(text):
        # A full card number never enters the back office (docs/security.md), nor its answer.
        raise FeedError(
            f"ERROR IN CALL PARAMETERS STRUCTURE ({name} holds a card number)", field=name
        )
    if len(text) > field.max_length:
        if field.secret:
            raise structure_error(name)
        shown = shown_value(text)
        if shown is None:
            raise FeedError(f"ERROR PARAMETER ({name}) TOO LONG", field=name)
        raise FeedError(f"ERROR PARAMETER ({name}={shown}) TOO LONG", field=name)
    if field.exact_length and len(text) != field.exact_length:
        raise structure_error(name)
    if len(text) < field.min_length:
        raise structure_error(name)
    pattern = KIND_PATTERNS.get(field.kind)
    if pattern and not (text.isascii() and pattern.fullmatch(text)):
        raise structure_error(name)
    if field.kind == "ans" and not text.isprintable():
        raise structure_error(name)
    separators_forbidden = field.no_separators and not (sips2 and field.sips2_separators)
    if separators_forbidden and FORBIDDEN_CHARS & set(text):
        raise structure_error(name)
    if field.choices is not None and text not in field.choices:
        raise structure_error(name)
    if field.journal and text.startswith(FORMULA_STARTS):
        # Journals carry it byte for byte to the merchant's tools: refused rather than altered.
        raise FeedError(
            f"ERROR IN CALL PARAMETERS STRUCTURE ({name} starts with {text[0]})", field=name
        )
    return text


def _check_codes(clean: dict[str, str]) -> None:
    """Codes that must agree with each other (data dictionary annexes F, K and T)."""
    means = clean.get("payment_means", "")
    net = sips_codes.network(means)
    bank = clean.get("bank_response_code", "")
    cvv = clean.get("cvv_response_code", "")
    flag = clean.get("cvv_flag", "")
    response = clean["response_code"]
    if bank and bank not in sips_codes.bank_table(means):
        raise structure_error("bank_response_code", f"={bank}")
    if flag and net not in sips_codes.CVV_FLAG_NETWORKS.get(flag, {net}):
        raise structure_error("cvv_flag", f"={flag} with payment_means={means}")
    if cvv and net in sips_codes.NO_CVV_ANSWER_NETWORKS:
        raise structure_error("cvv_response_code", f"={cvv} with payment_means={means}")
    # Annexe T: response_code combines the bank's answer and the CVV check; an accepted payment
    # needs the bank's approval and a CVV that is not wrong, a referral needs the bank's 02.
    if response == "00" and bank and not sips_codes.bank_approves(bank, means):
        raise structure_error("response_code", f"=00 with bank_response_code={bank}")
    if response == "00" and cvv == "4E":
        raise structure_error("response_code", "=00 with cvv_response_code=4E")
    if response == "02" and bank not in ("", "02"):
        raise structure_error("response_code", f"=02 with bank_response_code={bank}")


def _parse_date(clean: dict, name: str, fmt: str):
    try:
        return dt.datetime.strptime(clean[name], fmt)
    except ValueError:
        raise structure_error(name) from None


def parse_feed_item(item, *, sips2: bool = False, today: dt.date | None = None) -> dict:
    """One feed object → the values of a Transaction (plus `merchant_id`), or FeedError.

    `sips2`: the item comes from a Sips 2.0 response (transactions.sips2), which has a few
    fields of its own. `today`: the Paris date the payment date is checked against (now's)."""
    if not isinstance(item, dict):
        raise FeedError("ERROR IN CALL PARAMETERS STRUCTURE (body)")
    for key, value in item.items():
        field = FIELDS.get(key)
        if field is None or (field.sips2_only and not sips2):
            keyword, shown = shown_keyword(key), shown_value(value, limit=8)
            if shown is None:
                raise FeedError(f"INVALID KEYWORD IN PARAMETER ({keyword})")
            raise FeedError(f"INVALID KEYWORD IN PARAMETER ({keyword}={shown})")
    for name, field in FIELDS.items():
        if field.required and item.get(name) in (None, ""):
            raise FeedError(f"ERROR IN CALL PARAMETERS STRUCTURE ({name} not filled)", field=name)
    clean: dict[str, str] = {}
    for name, field in FIELDS.items():
        if name in item and item[name] not in (None, ""):
            clean[name] = _check(name, item[name], field, sips2=sips2)

    payment_date = _parse_date(clean, "payment_date", "%Y%m%d").date()
    if not EARLIEST <= payment_date < LATEST:
        # Searches name days in this range only; a date outside it could never be found.
        raise structure_error("payment_date")
    if payment_date > (today or timezone.localdate()) + dt.timedelta(days=1):
        # A payment is made now: one day ahead of Paris covers every time zone, more is an error
        # (docs/sips.md, the feed's field table).
        raise structure_error("payment_date")
    payment_time = _parse_date(clean, "payment_time", "%H%M%S").time()
    transmission_at = None
    if "transmission_date" in clean:
        # GMT, when the customer's browser called the API (data dictionary).
        parsed = _parse_date(clean, "transmission_date", "%Y%m%d%H%M%S")
        transmission_at = parsed.replace(tzinfo=dt.UTC)
    capture_day = int(clean.get("capture_day", "0"))
    if capture_day > 99:
        raise structure_error("capture_day")
    amount = int(clean["amount"])
    if amount == 0:
        raise structure_error("amount")
    accepted = clean["response_code"] == "00"
    if accepted and "card_number" not in clean:
        raise FeedError(
            "ERROR IN CALL PARAMETERS STRUCTURE (card_number not filled)", field="card_number"
        )
    if accepted and "payment_means" not in clean:
        raise FeedError(
            "ERROR IN CALL PARAMETERS STRUCTURE (payment_means not filled)", field="payment_means"
        )
    _check_codes(clean)

    payment_at = dt.datetime.combine(payment_date, payment_time, tzinfo=PARIS).astimezone(dt.UTC)
    values = {
        name: clean.get(name, "")
        for name in FIELDS
        if name not in _TYPED and (sips2 or not FIELDS[name].sips2_only)
    }
    values.update(
        {
            "transaction_id": clean["transaction_id"].zfill(6),
            "payment_date": payment_date,
            "payment_at": payment_at,
            "transmission_at": transmission_at,
            "origin_amount": amount,
            "amount": amount,
            "capture_mode": clean.get("capture_mode", CaptureMode.AUTHOR_CAPTURE),
            "capture_day": capture_day,
        }
    )
    return values


# Fields stored under another name or type than the text received.
_TYPED = frozenset({"payment_date", "payment_time", "transmission_date", "amount", "capture_day"})


def feed_request_schema(bulk_max: int) -> dict:
    """The JSON schema of a feed request, from FIELDS: one item, or a list of up to `bulk_max`."""
    properties = {}
    for name, field in FIELDS.items():
        if field.sips2_only:
            continue
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
