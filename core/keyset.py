"""Keyset (cursor) paging for every list, web and API: page 1,000 costs what page 1 does.

A list declares its `Keyset`: the sort keys it allows, each one column read from an index in
that order (ties broken by id), and its page sizes. A cursor names a row's sort key (value, id),
a direction (the rows after it: next; before it: previous) and the page number it leads to. It
is opaque to the client and signed, so a cursor this server did not make (edited, truncated, for
another list or another sort) is one error everywhere: `InvalidCursor`, a 400 whose message is
`CURSOR_ERROR` (the web shows it as the form's error, the API in its error envelope).

No OFFSET: the next page is "rows strictly after the last one shown in the sort order", so rows
arriving meanwhile never shift a page (each existing row is listed exactly once).
"""

import base64
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core import signing
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

# The API's words (in its error envelope, under "cursor") and the web's (the form's error).
CURSOR_ERROR = "not a cursor of this list."
CURSOR_MESSAGE = _("This page link is no longer valid: start again.")
NEXT, PREVIOUS = "n", "p"
# "." keeps a cursor URL-safe (base64url, ".", base64url): it needs no escaping in a link.
_SIGNER = signing.Signer(salt="core.keyset", sep=".")


class InvalidCursor(ValueError):
    """A cursor that this server did not make for this list and sort."""


@dataclass(frozen=True)
class Keyset:
    """A list's paging: its name (cursors of one list are refused by another), its sort keys
    (name → (column, descending)), the default sort, the page size and its bounds."""

    name: str
    sorts: dict[str, tuple[str, bool]]
    default_sort: str
    page_size: int = 50
    max_page_size: int = 500

    def sort_or_default(self, sort: str | None) -> str:
        return sort if sort in self.sorts else self.default_sort

    def page_size_from(self, raw: str | None) -> int:
        """A page size as a query string gives it: default when absent; ValueError when it is
        not a whole number from 1 to max_page_size."""
        if raw is None or raw == "":
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= self.max_page_size:
            raise ValueError(f"page_size: 1 to {self.max_page_size}.")
        return int(raw)


@dataclass
class Page:
    """One page and what a pager needs: previous/next cursors and the page's number."""

    rows: list
    next_cursor: str | None = None
    previous_cursor: str | None = None
    number: int = 1
    sort: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None


@dataclass
class ListSearch:
    """A list's search as every edge runs it (web page, API, export): the FilterSet (its form,
    its errors), the matches in scope (None: invalid criteria), and once paged the page, or
    `cursor_error` for a cursor that is not one of the list's."""

    filterset: object
    matches: QuerySet | None = None
    page: Page | None = None
    cursor_error: bool = False

    @property
    def valid(self) -> bool:
        return self.matches is not None

    @property
    def errors(self):
        return self.filterset.errors


def _encode(keyset: Keyset, sort: str, direction: str, value, pk: int, number: int) -> str:
    raw = value.isoformat() if isinstance(value, dt.date) else value
    payload = json.dumps([keyset.name, sort, direction, raw, pk, number], separators=(",", ":"))
    text = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    return _SIGNER.sign(text)


def decode_cursor(keyset: Keyset, sort: str, cursor: str) -> tuple[str, object, int, int]:
    """(direction, value, id, page number) of a cursor made for `keyset` and `sort`."""
    try:
        text = _SIGNER.unsign(cursor)
        padded = text + "=" * (-len(text) % 4)
        name, cursor_sort, direction, raw, pk, number = json.loads(
            base64.urlsafe_b64decode(padded.encode())
        )
        if (name, cursor_sort) != (keyset.name, sort) or direction not in (NEXT, PREVIOUS):
            raise InvalidCursor(cursor)
        if not (isinstance(pk, int) and isinstance(number, int) and number >= 1):
            raise InvalidCursor(cursor)
        value = _value(raw)
    except (signing.BadSignature, ValueError, TypeError, OverflowError) as error:
        raise InvalidCursor(cursor) from error
    return direction, value, pk, number


def _value(raw):
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        if "T" in raw:
            value = dt.datetime.fromisoformat(raw)
            if value.tzinfo is None:
                raise ValueError(raw)
            return value.astimezone(dt.UTC)
        return dt.date.fromisoformat(raw)
    raise ValueError(raw)


def encode_cursor(keyset: Keyset, sort: str, value, pk: int, *, number: int = 2) -> str:
    """A next-page cursor after (value, pk): what a page ending on that row would hand out."""
    return _encode(keyset, sort, NEXT, value, pk, number)


def keyset_page(
    queryset: QuerySet,
    keyset: Keyset,
    *,
    sort: str | None = None,
    cursor: str = "",
    size: int | None = None,
    partition: tuple[str, Sequence] | None = None,
    fenced: bool = False,
) -> Page:
    """One page of `queryset` in `sort` order from `cursor` (InvalidCursor if it is not one of
    this list's), reading `size` + 1 rows.

    With `partition` (a field and a few values of it, e.g. a small scope's shops), each value's
    first `size` + 1 rows are read from its own index range and merged (UNION ALL), then those
    rows fetched: two queries whose cost does not depend on how many rows the other values
    hold. Otherwise one query on the list's index.

    `fenced` (PostgreSQL): the matches' keys are read first by the filters' own index, behind an
    `OFFSET 0` fence, and only they are sorted; then the page's rows are fetched. For a filter
    that matches many rows clustered in time (an order reference's start across every shop),
    where the planner would walk the list's index back from today reading every newer row.
    """
    sort = keyset.sort_or_default(sort)
    size = size or keyset.page_size
    column, descending = keyset.sorts[sort]
    direction, number = NEXT, 1
    if cursor:
        direction, value, pk, number = decode_cursor(keyset, sort, cursor)
        # Reading backwards is reading forwards in the opposite order.
        before = descending if direction == NEXT else not descending
        if before:
            # The redundant bound lets the planner start its index range scan at the cursor.
            after = Q(**{f"{column}__lt": value}) | Q(**{column: value, "id__lt": pk})
            queryset = queryset.filter(after, **{f"{column}__lte": value})
        else:
            after = Q(**{f"{column}__gt": value}) | Q(**{column: value, "id__gt": pk})
            queryset = queryset.filter(after, **{f"{column}__gte": value})
    reverse = direction == PREVIOUS
    read_descending = descending != reverse
    order = (f"-{column}", "-id") if read_descending else (column, "id")
    rows = _read(queryset, order, column, size + 1, partition, fenced)
    more = len(rows) > size
    rows = rows[:size]
    if reverse:
        rows.reverse()
    page = Page(rows=rows, number=number, sort=sort)
    if not rows:
        return page
    first, last = rows[0], rows[-1]
    if reverse:
        has_next, has_previous = True, more
    else:
        has_next, has_previous = more, bool(cursor)
    if has_next:
        page.next_cursor = _encode(keyset, sort, NEXT, getattr(last, column), last.pk, number + 1)
    if has_previous:
        page.previous_cursor = _encode(
            keyset, sort, PREVIOUS, getattr(first, column), first.pk, max(1, number - 1)
        )
    elif reverse:
        page.number = 1
    return page


def _read(queryset, order, column, limit, partition, fenced=False) -> list:
    if fenced and connection.vendor == "postgresql":
        keys = queryset.order_by().values_list("id", column)
        sql, params = keys.query.sql_with_params()
        ordering = ", ".join(
            f"s.{connection.ops.quote_name(name.lstrip('-'))} {'DESC' if name[0] == '-' else 'ASC'}"
            for name in order
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT s.id FROM ({sql} OFFSET 0) s ORDER BY {ordering} LIMIT %s",  # noqa: S608
                [*params, limit],
            )
            ids = [row[0] for row in cursor.fetchall()]
        return list(queryset.filter(pk__in=ids).order_by(*order)) if ids else []
    if partition is not None:
        name, values = partition
        values = list(values)
        if len(values) > 1 and connection.features.supports_slicing_ordering_in_compound:
            parts = [
                queryset.filter(**{name: v}).order_by(*order).values_list("id", column)[:limit]
                for v in values
            ]
            merged = parts[0].union(*parts[1:], all=True).order_by(*order)[:limit]
            ids = [pk for pk, _value in merged]
            return list(queryset.filter(pk__in=ids).order_by(*order)) if ids else []
    return list(queryset.order_by(*order)[:limit])


def count_capped(queryset: QuerySet, *, cap: int) -> int:
    """The number of rows, counted up to cap + 1 at most: cap + 1 means "more than cap"."""
    return queryset.order_by().values("id")[: cap + 1].count()


class KeysetPagination(BasePagination):
    """The API lists' paging on `keyset`: ?cursor=, ?page_size= (1 to its maximum) and ?sort=
    (one of its sort keys); answers {"results", "next", "previous"} (links or null). A bad
    cursor, size or sort is a ValidationError, so the API's one error envelope says it."""

    keyset: Keyset

    def paginate_queryset(self, queryset, request, view=None):
        sort, cursor, size = page_params(self.keyset, request.query_params)
        try:
            self.page = keyset_page(queryset, self.keyset, sort=sort, cursor=cursor, size=size)
        except InvalidCursor:
            raise ValidationError({"cursor": [CURSOR_ERROR]}) from None
        self.request = request
        return self.page.rows

    def get_paginated_response(self, data):
        return page_response(self.request, self.page, data)

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["results", "next", "previous"],
            "properties": {"results": schema, "next": link, "previous": link},
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "description": "The cursor of a `next` or `previous` link",
                "schema": {"type": "string"},
            },
            {
                "name": "page_size",
                "in": "query",
                "required": False,
                "description": f"1 to {self.keyset.max_page_size}",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.keyset.max_page_size,
                },
            },
            {
                "name": "sort",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "enum": list(self.keyset.sorts)},
            },
        ]


def page_params(keyset: Keyset, params) -> tuple[str, str, int]:
    """(sort, cursor, page size) from an API request's query parameters; ValidationError (the
    error envelope) for a sort the list does not allow or a size out of bounds."""
    sort = params.get("sort") or keyset.default_sort
    if sort not in keyset.sorts:
        raise ValidationError({"sort": [f"one of {', '.join(keyset.sorts)}."]})
    try:
        size = keyset.page_size_from(params.get("page_size"))
    except ValueError:
        raise ValidationError({"page_size": [f"1 to {keyset.max_page_size}."]}) from None
    return sort, params.get("cursor", ""), size


def page_response(request, page: Page, data) -> Response:
    """An API list's answer: {"results", "next", "previous"} (absolute links or null)."""
    return Response(
        {
            "results": data,
            "next": page_link(request, page.next_cursor),
            "previous": page_link(request, page.previous_cursor),
        }
    )


def page_link(request, cursor: str | None) -> str | None:
    """The absolute URL of `request` with `cursor` in place of its own (None: no such page)."""
    if cursor is None:
        return None
    query = request.query_params.copy() if hasattr(request, "query_params") else request.GET.copy()
    query["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
