"""A journal built by PostgreSQL itself (docs/journals.md "The file"), byte for byte what the
portable path (files.render over the selector's rows) writes, in set-based statements:

- membership: one INSERT … SELECT of the selector's anti-join (the same rule, its SQL) whose
  RETURNING rows give the records' ids and the sums per currency (and kind);
- the record lines: COPY (SELECT …) TO STDOUT in CSV, formatted by the database (Paris dates and
  times, formula guard, empty fields) and streamed to the caller block by block;
- the TITLE, column, SUM and TOTAL lines: files.head / files.*_tail, as on the portable path.

PostgreSQL's CSV quotes a field holding `;`, `"` or a line feed, as the project's CSV writer
does, and also one holding a carriage return, which the writer (with `\\n` line ends) does not:
a file in which the database wrote a carriage return is therefore written again by the portable
path from the same rows (the feed refuses carriage returns, so only records stored before that
rule can hold one).
"""

import datetime as dt
import functools
from typing import NamedTuple

from django.db import connection
from django.db.models import QuerySet

from core.csv import FORMULA_STARTS
from core.dates import PARIS
from golive.selectors import annotate_environment_since
from merchants.models import Merchant
from operations.models import Operation
from transactions.models import Transaction

from . import files
from .models import Journal, JournalCursor, JournalKind, JournalOperation, JournalTransaction
from .selectors import records_not_in_journal


def _literal(char: str) -> str:
    return f"'{char}'" if char.isprintable() else f"chr({ord(char)})"


_FORMULA_FIRST_SQL = ", ".join(_literal(c) for c in FORMULA_STARTS)


def _cell(sql: str) -> str:
    """A text cell: empty for '' and NULL alike (PostgreSQL's CSV quotes '' but not NULL)."""
    return f"NULLIF({sql}, '')"


def _free(sql: str) -> str:
    """A free-text cell, never read as a formula (core.csv.neutralise, in SQL)."""
    formula = f"left({sql}, 1) IN ({_FORMULA_FIRST_SQL})"
    return f"CASE WHEN {formula} THEN '''' || {sql} ELSE {_cell(sql)} END"


def _date(sql: str) -> str:
    return f"to_char({sql}, 'YYYYMMDD')"


def _paris(sql: str, pattern: str) -> str:
    return f"to_char({sql} AT TIME ZONE '{PARIS.key}', '{pattern}')"


# One expression per column of files.TRANSACTION_COLUMNS, in order (%(merchant_id)s: the shop).
_TRANSACTION_CELLS = [
    "%(merchant_id)s",
    _date("t.payment_date"),
    _cell("t.transaction_id"),
    _paris("t.payment_at", "HH24MISS"),
    "t.origin_amount",
    _cell("t.currency_code"),
    _cell("t.capture_mode"),
    "t.capture_day",
    _date("t.capture_date"),
    _cell("t.payment_means"),
    _cell("t.card_number"),
    _cell("t.response_code"),
    _cell("t.bank_response_code"),
    _cell("t.cvv_flag"),
    _cell("t.cvv_response_code"),
    _cell("t.authorisation_id"),
    _cell("t.complementary_code"),
    _cell("t.status"),
    _free("t.order_id"),
    _free("t.customer_id"),
    _free("t.return_context"),
    _cell("t.origin"),
    _date("s.payment_date"),
    _cell("s.transaction_id"),
]

_OPERATION_CELLS = [
    "%(merchant_id)s",
    _date("t.payment_date"),
    _cell("t.transaction_id"),
    _paris("o.created_at", "YYYYMMDD"),
    _paris("o.created_at", "HH24MISS"),
    _cell("o.kind"),
    "o.amount",
    _cell("o.currency_code"),
    _cell("o.response_code"),
    _cell("o.channel"),
    _free("o.origin"),
    _cell("o.status_before"),
    _cell("o.status_after"),
    _free("u.username"),
    _cell("n.transaction_id"),
    _free("t.order_id"),
]

_TRANSACTION_LINES = f"""
    SELECT {", ".join(_TRANSACTION_CELLS)}
    FROM {Transaction._meta.db_table} t
    LEFT JOIN {Transaction._meta.db_table} s ON s.id = t.source_id
    WHERE t.id = ANY(%(ids)s::bigint[])
    ORDER BY t.id"""  # noqa: S608 - table names and expressions are ours

_OPERATION_LINES = f"""
    SELECT {", ".join(_OPERATION_CELLS)}
    FROM {Operation._meta.db_table} o
    JOIN {Transaction._meta.db_table} t ON t.id = o.transaction_id
    LEFT JOIN {Operation.user.field.related_model._meta.db_table} u ON u.id = o.user_id
    LEFT JOIN {Transaction._meta.db_table} n ON n.id = o.new_transaction_id
    WHERE o.id = ANY(%(ids)s::bigint[])
    ORDER BY o.id"""  # noqa: S608 - table names and expressions are ours

# Per kind: the membership table and its column, the record columns the sums need, and the
# sums of the records to journal (`s`): (currency, what, count, sum, ids, highest id), `what`
# being NULL for transactions, the SUM line's name for operations (files.operation_line); the
# ids as text, handed back to PostgreSQL as they came (no list of integers built and dumped).
_FIGURES = {
    JournalKind.TRANSACTIONS: (
        JournalTransaction,
        "transaction_id",
        ("id", "currency_code", "origin_amount"),
        "SELECT currency_code::text, NULL::text, count(*), sum(origin_amount)::bigint, "
        "string_agg(id::text, ','), max(id) FROM s{i} GROUP BY currency_code",
    ),
    JournalKind.OPERATIONS: (
        JournalOperation,
        "operation_id",
        ("id", "currency_code", "response_code", "kind", "amount"),
        "SELECT currency_code::text, "
        "(CASE WHEN response_code = '00' THEN kind ELSE 'REFUSED' END)::text, "
        "count(*), sum(amount)::bigint, string_agg(id::text, ','), max(id) FROM s{i} "
        "GROUP BY 1, 2",
    ),
}

# Stand-ins for the arguments of a query compiled once (see _compiled), told apart in the
# parameters of its SQL: negative ids and a date no record has.
_MARKS = {
    -101: "merchant_pk",
    -202: "scan_from_id",
    dt.datetime(1901, 1, 1, tzinfo=dt.UTC): "since",
}
_MARK = {name: value for value, name in _MARKS.items()}


def _to_journal(kind: str, with_since: bool) -> tuple[QuerySet, set[str]]:
    """selectors.records_not_in_journal (the rule of what a journal takes), with the columns the
    sums need; and the arguments it takes."""
    records = records_not_in_journal(
        merchant_pk=_MARK["merchant_pk"],
        kind=kind,
        scan_from_id=_MARK["scan_from_id"],
        since=_MARK["since"] if with_since else None,
    )
    arguments = {"merchant_pk", "scan_from_id"} | ({"since"} if with_since else set())
    return records.values_list(*_FIGURES[kind][2]), arguments


def _shop() -> tuple[QuerySet, set[str]]:
    """The shop, with when it entered production (golive's rule, its SQL)."""
    shop = Merchant.objects.filter(pk=_MARK["merchant_pk"])
    return annotate_environment_since(shop, Merchant.Environment.PRODUCTION), {"merchant_pk"}


def _recent(kinds: tuple[str, ...], count: int) -> tuple[QuerySet, set[str]]:
    """The shop's last `count` journals of each kind, newest first (UNION ALL of each kind's)."""
    queries = [
        Journal.objects.filter(merchant_id=_MARK["merchant_pk"], kind=kind)
        .order_by("-sequence")
        .values("pk", "kind", "sequence", "journal_date", "generated_at", "max_record_id")[:count]
        for kind in kinds
    ]
    union = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
    return union, {"merchant_pk"}


@functools.cache
def _compiled(query, *key) -> tuple[str, list[tuple[str | None, object]]]:
    """The SQL of the ORM query `query(*key)` (→ the queryset, built on the stand-ins of the
    arguments it takes, and their names), compiled once per process (compiling it costs more
    than running it, 2,000 shops a night) → (sql, its parameters: (the argument's name, None)
    or, for a constant of the SQL such as EXISTS's `SELECT 1`, (None, its value))."""
    queryset, arguments = query(*key)
    sql, params = queryset.query.sql_with_params()
    named = [(_MARKS.get(param), param) for param in params]
    # Every stand-in must come back as a parameter: one the ORM had rewritten would stay in the
    # SQL as a constant (a go-live instant in 1901) and silently change what a journal takes.
    if {name for name, _value in named if name} != arguments:
        raise RuntimeError(f"{query.__name__}{key}: the SQL lost an argument: {params}")
    return sql, named


def _with(params: list[tuple[str | None, object]], values: dict) -> list:
    return [value if name is None else values[name] for name, value in params]


def lock_shop(*, merchant_pk: int, kinds: list[str]) -> Merchant:
    """The shop's cursor rows for `kinds` (JournalKind order) created on first use and locked
    until the transaction ends, by one upsert (INSERT … ON CONFLICT DO UPDATE locks the row it
    finds, waiting for a build that holds it), and the shop as services reads it, in one
    statement."""
    shop_sql, shop_params = _compiled(_shop)
    values = ", ".join(["(%s, %s)"] * len(kinds))
    sql = (
        f"WITH locked AS (INSERT INTO {JournalCursor._meta.db_table} (merchant_id, kind) "  # noqa: S608
        f"VALUES {values} ON CONFLICT (merchant_id, kind) DO UPDATE SET kind = EXCLUDED.kind "
        f"RETURNING id) SELECT shop.*, (SELECT count(*) FROM locked) AS cursors_locked "
        f"FROM ({shop_sql}) shop"
    )
    params = [value for kind in kinds for value in (merchant_pk, kind)]
    params += _with(shop_params, {"merchant_pk": merchant_pk})
    (shop,) = Merchant.objects.raw(sql, params)
    return shop


def recent_journals(*, merchant_pk: int, kinds: list[str], count: int) -> list[dict]:
    """The shop's last `count` journals of each of `kinds`, in one statement."""
    sql, params = _compiled(_recent, tuple(kinds), count)
    with connection.cursor() as cur:
        cur.execute(sql, _with(params, {"merchant_pk": merchant_pk}))
        names = ["pk" if column.name == "id" else column.name for column in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


class Records(NamedTuple):
    """The records put in a journal: their ids as a PostgreSQL array literal, how many, the
    highest id (0 if none)."""

    array: str
    count: int
    last: int


def record_lines(batch: list[tuple[str, dict]]) -> dict[str, tuple[int, Records, dict]]:
    """Draw a journal id for each (kind, selection) of `batch` (`selection`: the arguments of
    selectors.records_not_in_journal but the kind) and put the records it selects in that
    journal, all in one statement: per kind an INSERT … SELECT, the journal's id drawn inside
    it (nextval), the sums made from the same selected rows.
    → {kind: (journal id, its Records, totals as files.*_tail want them)}."""
    parts, params, selects = [], [], []
    for i, (kind, selection) in enumerate(batch):
        lines, column, _columns, figures = _FIGURES[kind]
        records_sql, names = _compiled(_to_journal, kind, selection.get("since") is not None)
        parts += [
            f"j{i} AS MATERIALIZED (SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS id)",
            # Read once, by the INSERT and by the sums: the same rows.
            f"s{i} AS MATERIALIZED ({records_sql})",
            # Run to its end though nothing reads it (a data-modifying WITH always is).
            f"a{i} AS (INSERT INTO {lines._meta.db_table} (journal_id, {column}) "
            f"SELECT j{i}.id, s{i}.id FROM j{i}, s{i})",
            f"f{i} AS ({figures.format(i=i)})",
        ]
        params += [Journal._meta.db_table]
        params += _with(names, selection)
        # One row per currency (and SUM line), or one of NULLs: the journal's id in any case.
        selects.append(f"SELECT {i}, j{i}.id, f{i}.* FROM j{i} LEFT JOIN f{i} ON true")
    sql = f"WITH {', '.join(parts)} " + " UNION ALL ".join(selects)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    built = {}
    for i, (kind, _selection) in enumerate(batch):
        journal_pk = next(row[1] for row in rows if row[0] == i)
        sums = [row[2:] for row in rows if row[0] == i and row[4] is not None]
        records = Records(
            array="{" + ",".join(row[4] for row in sums) + "}",
            count=sum(row[2] for row in sums),
            last=max((row[5] for row in sums), default=0),
        )
        if kind == JournalKind.TRANSACTIONS:
            totals = {currency: total for currency, _w, _n, total, *_ids in sums}
        else:
            totals = {}
            for currency, what, n, total, *_ids in sums:
                totals.setdefault(currency, {})[what] = [n, total]
        built[kind] = (journal_pk, records, totals)
    return built


def body(*, ids: str, kind: str, merchant_id: str) -> bytes:
    """The record lines of the records `ids` (an array literal), written by PostgreSQL's
    COPY … TO STDOUT (CSV, `;`), as the bytes it streamed. By their ids (primary keys): a plan
    that does not depend on the membership table's statistics."""
    query = _TRANSACTION_LINES if kind == JournalKind.TRANSACTIONS else _OPERATION_LINES
    params = {"merchant_id": merchant_id, "ids": ids}
    chunks = []
    sql = connection.ops.compose_sql(query, params)
    with connection.cursor() as cur:
        with cur.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, DELIMITER ';')") as copy:
            for block in copy:
                chunks.append(bytes(block))
    return b"".join(chunks)


def render(
    *,
    kind: str,
    merchant_id: str,
    journal_date: dt.date,
    generated_at: dt.datetime,
    sequence: int,
    records: Records,
    totals: dict,
    rows,
) -> tuple[bytes, dict]:
    """The whole file of the `records`, whose membership rows are stored (records and totals
    from record_lines) → (bytes, totals as stored). `rows`: a callable giving the selector rows
    of its records, for the portable path when the database's CSV would differ."""
    count = records.count
    data = body(ids=records.array, kind=kind, merchant_id=merchant_id)
    if b"\r" in data:
        text, _count, totals = files.render(
            kind=kind,
            merchant_id=merchant_id,
            journal_date=journal_date,
            generated_at=generated_at,
            sequence=sequence,
            rows=rows(),
        )
        return text.encode(), totals
    head = files.head(
        kind=kind,
        merchant_id=merchant_id,
        journal_date=journal_date,
        generated_at=generated_at,
        sequence=sequence,
    )
    tail, totals = (
        files.transactions_tail(count, totals)
        if kind == JournalKind.TRANSACTIONS
        else files.operations_tail(count, totals)
    )
    return head.encode() + data + tail.encode(), totals
