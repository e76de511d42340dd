"""The journal file: `;`-separated UTF-8 text (docs/journals.md).

TITLE line, header line, one line per record, TOTAL line. Pure functions of the rows given, so the
same rows always give the same bytes (the seal is computed on them).
"""

import datetime as dt
import hashlib
import hmac
import io
from collections.abc import Iterable

from core.csv import CsvLines, neutralise
from core.dates import PARIS

# 2.0: operations carry the Annexe N codes, CHANNEL (WEB / API / BATCH) and the merchant's ORIGIN,
# and the operations journal ends with SUM lines that reconcile (docs/journals.md).
FORMAT_VERSION = "2.0"
# A machine file: `\n` line ends, no byte-order mark (docs/journals.md, "The file").
LINE_END = "\n"

TRANSACTION_COLUMNS = [
    "MERCHANT_ID",
    "PAYMENT_DATE",
    "TRANSACTION_ID",
    "PAYMENT_TIME",
    "AMOUNT",
    "CURRENCY_CODE",
    "CAPTURE_MODE",
    "CAPTURE_DAY",
    "CAPTURE_DATE",
    "PAYMENT_MEANS",
    "CARD_NUMBER",
    "RESPONSE_CODE",
    "BANK_RESPONSE_CODE",
    "CVV_FLAG",
    "CVV_RESPONSE_CODE",
    "AUTHORISATION_ID",
    "COMPLEMENTARY_CODE",
    "STATUS",
    "ORDER_ID",
    "CUSTOMER_ID",
    "RETURN_CONTEXT",
    "ORIGIN",
    "SOURCE_PAYMENT_DATE",
    "SOURCE_TRANSACTION_ID",
]

# What the selector must fetch for one transactions-journal line, in column order.
TRANSACTION_FIELDS = [
    "id",
    "payment_date",
    "transaction_id",
    "payment_at",
    "origin_amount",
    "currency_code",
    "capture_mode",
    "capture_day",
    "capture_date",
    "payment_means",
    "card_number",
    "response_code",
    "bank_response_code",
    "cvv_flag",
    "cvv_response_code",
    "authorisation_id",
    "complementary_code",
    "status",
    "order_id",
    "customer_id",
    "return_context",
    "origin",
    "source__payment_date",
    "source__transaction_id",
]

OPERATION_COLUMNS = [
    "MERCHANT_ID",
    "PAYMENT_DATE",
    "TRANSACTION_ID",
    "OPERATION_DATE",
    "OPERATION_TIME",
    "OPERATION",
    "AMOUNT",
    "CURRENCY_CODE",
    "RESPONSE_CODE",
    "CHANNEL",
    "ORIGIN",
    "STATUS_BEFORE",
    "STATUS_AFTER",
    "USER",
    "NEW_TRANSACTION_ID",
    "ORDER_ID",
]

OPERATION_FIELDS = [
    "id",
    "transaction__payment_date",
    "transaction__transaction_id",
    "created_at",
    "kind",
    "amount",
    "currency_code",
    "response_code",
    "channel",
    "origin",
    "status_before",
    "status_after",
    "user__username",
    "new_transaction__transaction_id",
    "transaction__order_id",
]


def _text(value: str) -> str:
    """A free-text cell (order, customer, return context, user name): never read as a formula.

    The feed refuses such values for the fields it takes (docs/journals.md, "Formulas"); a value
    stored before that rule, or a user name, gets a leading apostrophe instead (core.csv)."""
    return neutralise(value)


def _date(value: dt.date | None) -> str:
    # f-strings rather than strftime: called a few million times a night.
    return f"{value.year:04d}{value.month:02d}{value.day:02d}" if value else ""


def _time(value: dt.datetime) -> str:
    return f"{value.hour:02d}{value.minute:02d}{value.second:02d}"


def _paris(value: dt.datetime) -> dt.datetime:
    return value.astimezone(PARIS)


def transaction_line(merchant_id: str, row: tuple) -> tuple[list[str], str, int]:
    """→ (the line's cells, currency, amount) for one TRANSACTION_FIELDS row."""
    (
        _pk,
        payment_date,
        transaction_id,
        payment_at,
        amount,
        currency,
        capture_mode,
        capture_day,
        capture_date,
        *middle,
        status,
        order_id,
        customer_id,
        return_context,
        origin,
        source_date,
        source_id,
    ) = row
    cells = [
        merchant_id,
        _date(payment_date),
        transaction_id,
        _time(_paris(payment_at)),
        str(amount),
        currency,
        capture_mode,
        str(capture_day),
        _date(capture_date),
        *middle,
        status,
        _text(order_id),
        _text(customer_id),
        _text(return_context),
        origin,
        _date(source_date),
        source_id or "",
    ]
    return cells, currency, amount


def operation_line(merchant_id: str, row: tuple) -> tuple[list[str], str, int]:
    """→ (the line's cells, currency, amount) for one OPERATION_FIELDS row."""
    (
        _pk,
        payment_date,
        transaction_id,
        created_at,
        kind,
        amount,
        currency,
        response_code,
        channel,
        origin,
        status_before,
        status_after,
        username,
        new_transaction_id,
        order_id,
    ) = row
    at = _paris(created_at)
    cells = [
        merchant_id,
        _date(payment_date),
        transaction_id,
        _date(at),
        _time(at),
        kind,
        str(amount),
        currency,
        response_code,
        channel,
        _text(origin),
        status_before,
        status_after,
        _text(username or ""),
        new_transaction_id or "",
        _text(order_id),
    ]
    # What the SUM lines add it to: the bank's lines, the other accepted kinds, or the refusals.
    return cells, currency, (kind if response_code == "00" else "REFUSED", amount)


# The operations journal's SUM lines, per currency, in this order, then any other accepted kind.
SUM_FIRST = ("DEBIT_CAPTURE", "CREDIT_CAPTURE")


def _sum_order(what: str) -> tuple[int, str]:
    if what in SUM_FIRST:
        return SUM_FIRST.index(what), what
    return (3, what) if what == "REFUSED" else (2, what)


def head(
    *, kind: str, merchant_id: str, journal_date: dt.date, generated_at: dt.datetime, sequence: int
) -> str:
    """The TITLE line and the column names."""
    lines = CsvLines(line_end=LINE_END)
    title = [
        "TITLE",
        kind,
        merchant_id,
        _date(journal_date),
        _paris(generated_at).strftime("%Y%m%d%H%M%S"),
        f"{sequence:06d}",
        FORMAT_VERSION,
    ]
    columns = TRANSACTION_COLUMNS if kind == "TRANSACTIONS" else OPERATION_COLUMNS
    return lines.line(title) + lines.line(columns)


def transactions_tail(count: int, totals: dict[str, int]) -> tuple[str, dict[str, int]]:
    """The TOTAL line of a transactions journal of `count` records and its sums per currency
    → (text, totals in ascending currency order)."""
    totals = dict(sorted(totals.items()))
    text = CsvLines(line_end=LINE_END).line(
        ["TOTAL", str(count), *(f"{c}={a}" for c, a in totals.items())]
    )
    return text, totals


def operations_tail(count: int, sums: dict[str, dict[str, list[int]]]) -> tuple[str, dict]:
    """The SUM lines and the TOTAL line of an operations journal of `count` records, from
    `sums` ({currency: {what: [count, amount]}}) → (text, totals)."""
    # Never one figure mixing debits, credits and the rest (docs/journals.md).
    lines = CsvLines(line_end=LINE_END)
    out = []
    totals: dict = {}
    for currency in sorted(sums):
        totals[currency] = {}
        for what in sorted(sums[currency], key=_sum_order):
            n, amount = sums[currency][what]
            out.append(lines.line(["SUM", currency, what, str(n), str(amount)]))
            totals[currency][what] = {"count": n, "amount": amount}
    out.append(lines.line(["TOTAL", str(count)]))
    return "".join(out), totals


def render(
    *,
    kind: str,
    merchant_id: str,
    journal_date: dt.date,
    generated_at: dt.datetime,
    sequence: int,
    rows: Iterable[tuple],
) -> tuple[str, int, dict[str, int]]:
    """The whole file for `rows` (selector rows of `kind`) → (text, record count, totals).

    The portable path (any database); on PostgreSQL the database writes the record lines
    (journals.copy), byte for byte the same."""
    out = io.StringIO()
    out.write(
        head(
            kind=kind,
            merchant_id=merchant_id,
            journal_date=journal_date,
            generated_at=generated_at,
            sequence=sequence,
        )
    )
    lines = CsvLines(line_end=LINE_END)
    count = 0
    if kind == "TRANSACTIONS":
        totals: dict = {}
        for row in rows:
            cells, currency, amount = transaction_line(merchant_id, row)
            out.write(lines.line(cells))
            count += 1
            totals[currency] = totals.get(currency, 0) + amount
        tail, totals = transactions_tail(count, totals)
        out.write(tail)
        return out.getvalue(), count, totals
    sums: dict[str, dict[str, list[int]]] = {}
    for row in rows:
        cells, currency, (what, amount) = operation_line(merchant_id, row)
        out.write(lines.line(cells))
        count += 1
        tally = sums.setdefault(currency, {}).setdefault(what, [0, 0])
        tally[0] += 1
        tally[1] += amount
    tail, totals = operations_tail(count, sums)
    out.write(tail)
    return out.getvalue(), count, totals


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def seal_hex(data: bytes, secret: str) -> str:
    """HMAC-SHA256 of the file's bytes with the shop's secret key (its UTF-8 bytes)."""
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def filename(*, kind: str, merchant_id: str, journal_date: dt.date, sequence: int) -> str:
    prefix = "JT" if kind == "TRANSACTIONS" else "JO"
    return f"{prefix}_{merchant_id}_{journal_date:%Y%m%d}_{sequence:06d}.csv"
