"""Keyset (cursor) pagination for transaction lists: page 1,000 costs what page 1 does.

A cursor is the sort key of the last row shown, (value, id), opaque to the client. The next page
is "rows strictly after that key in the sort order", read from an index in that order; no OFFSET,
so rows arriving meanwhile never shift a page (each existing row is listed exactly once).
"""

import base64
import datetime as dt
import json
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet

from merchants.selectors import merchants_visible_to

from .models import Transaction

# Sort name → (column, descending). Only indexed columns (see Transaction.Meta.indexes).
SORTS: dict[str, tuple[str, bool]] = {
    "-payment_at": ("payment_at", True),
    "payment_at": ("payment_at", False),
    "-amount": ("amount", True),
    "amount": ("amount", False),
}
DEFAULT_SORT = "-payment_at"
# Count exactly up to this many matches; beyond, "more than COUNT_CAP" (no unbounded COUNT(*)).
COUNT_CAP = 10_000
# Up to this many shops in scope, a page is read shop by shop (see transactions_page).
SMALL_SCOPE = 50


class InvalidCursor(ValueError):
    """A cursor that this server did not make (edited, truncated, or for another sort)."""


@dataclass
class Page:
    rows: list[Transaction]
    next_cursor: str | None


def encode_cursor(sort: str, value, pk: int) -> str:
    raw = value.isoformat() if isinstance(value, dt.datetime) else value
    payload = json.dumps([sort, raw, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(sort: str, cursor: str) -> tuple:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        cursor_sort, raw, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if cursor_sort != sort or not isinstance(pk, int):
            raise InvalidCursor(cursor)
        column = SORTS[sort][0]
        if column == "payment_at":
            value = dt.datetime.fromisoformat(raw)
            if value.tzinfo is None:
                raise InvalidCursor(cursor)
            # Any instant a row can hold is a valid cursor (rows stored at the calendar's edge
            # page on); only one that cannot be turned into UTC (0001-01-01+05:00) is refused.
            value = value.astimezone(dt.UTC)
        elif isinstance(raw, int):
            value = raw
        else:
            raise InvalidCursor(cursor)
    except (ValueError, TypeError, KeyError, OverflowError, json.JSONDecodeError) as error:
        raise InvalidCursor(cursor) from error
    return value, pk


def small_scope_shop_ids(*, user, limit: int = SMALL_SCOPE) -> list[int] | None:
    """The primary keys of the shops `user` may see, if there are at most `limit` (else None).

    Scope itself stays merchants_visible_to's; this only names it to the planner, which cannot
    guess that a merchant's scope holds a handful of shops out of thousands.
    """
    ids = list(
        merchants_visible_to(user=user).order_by("pk").values_list("pk", flat=True)[: limit + 1]
    )
    return ids if len(ids) <= limit else None


def narrow_to_small_scope(
    queryset: QuerySet[Transaction], *, user
) -> tuple[QuerySet[Transaction], list[int] | None]:
    """`queryset` (already scoped) with its shops named as literals when they are few, and
    those shop ids (None for a large scope): the same rows, a plan that reads only those shops."""
    shop_ids = small_scope_shop_ids(user=user)
    if shop_ids is not None:
        queryset = queryset.filter(merchant_id__in=shop_ids)
    return queryset, shop_ids


def transactions_page(
    queryset: QuerySet[Transaction],
    *,
    sort: str = DEFAULT_SORT,
    cursor: str = "",
    size: int = 25,
    shop_ids: list[int] | None = None,
) -> Page:
    """One page of `queryset` in `sort` order, after `cursor`, reading `size` + 1 rows.

    With `shop_ids` (a small scope), each shop's first `size` + 1 rows are read from its own
    index range and merged (UNION ALL), then those rows fetched: two queries whose cost does
    not depend on how many rows the other shops hold. Otherwise one query on the global indexes.
    """
    column, descending = SORTS[sort]
    if cursor:
        value, pk = decode_cursor(sort, cursor)
        if descending:
            # The redundant bound lets the planner start its index range scan at the cursor.
            after = Q(**{f"{column}__lt": value}) | Q(**{column: value, "id__lt": pk})
            queryset = queryset.filter(after, **{f"{column}__lte": value})
        else:
            after = Q(**{f"{column}__gt": value}) | Q(**{column: value, "id__gt": pk})
            queryset = queryset.filter(after, **{f"{column}__gte": value})
    order = (f"-{column}", "-id") if descending else (column, "id")
    if (
        shop_ids is not None
        and len(shop_ids) > 1
        and connection.features.supports_slicing_ordering_in_compound  # not SQLite
    ):
        parts = [
            queryset.filter(merchant_id=shop).order_by(*order).values_list("id", column)[: size + 1]
            for shop in shop_ids
        ]
        merged = parts[0].union(*parts[1:], all=True).order_by(*order)[: size + 1]
        ids = [pk for pk, _value in merged]
        rows = list(queryset.filter(pk__in=ids).order_by(*order)) if ids else []
    else:
        rows = list(queryset.order_by(*order)[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = encode_cursor(sort, getattr(last, column), last.pk)
    return Page(rows=rows, next_cursor=next_cursor)


def transactions_count_capped(queryset: QuerySet[Transaction], *, cap: int = COUNT_CAP) -> int:
    """The number of matches, counted up to cap + 1 at most: cap + 1 means "more than cap"."""
    return queryset.order_by().values("id")[: cap + 1].count()
