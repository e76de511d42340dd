"""What a keyset-paged list page shows around its table (core.keyset): sortable column headers
for the list's indexed sorts only, previous / next links, the page indicator ("Page 3",
"1–50 of 1 234") and the page sizes. One place for every list of the web (transactions,
operations): the view builds a `ListPage`, the table renders its headers through
`includes/keyset_table.html` and the page includes `includes/pager.html`.

Every link carries the search as it is (its query string) and drops the cursor where the page
it leads to is a first page (another sort, another size).
"""

from dataclasses import dataclass, field

from django.http import QueryDict

from .keyset import Keyset, Page

# The page sizes a person may choose on a web list.
PAGE_SIZES = (25, 50, 100)


@dataclass(frozen=True)
class SortHeader:
    """A sortable column's header link: the same search sorted by this column (toggled when it
    already is), and its current direction for aria-sort ("ascending", "descending" or "")."""

    url: str
    aria_sort: str


@dataclass
class ListPage:
    query: QueryDict
    page: Page
    size: int
    sort: str
    count: int | None = None
    count_capped: bool = False
    count_cap: int | None = None
    sizes: tuple[int, ...] = PAGE_SIZES
    headers: dict[str, SortHeader] = field(default_factory=dict)

    def _link(self, **changes) -> str:
        query = self.query.copy()
        for key, value in changes.items():
            if value is None:
                query.pop(key, None)
            else:
                query[key] = str(value)
        return f"?{query.urlencode()}"

    @property
    def next_url(self) -> str | None:
        return self._link(cursor=self.page.next_cursor) if self.page.next_cursor else None

    @property
    def previous_url(self) -> str | None:
        cursor = self.page.previous_cursor
        return self._link(cursor=cursor) if cursor else None

    @property
    def first_url(self) -> str | None:
        return self._link(cursor=None) if self.query.get("cursor") else None

    @property
    def number(self) -> int:
        return self.page.number

    @property
    def first_row(self) -> int:
        return (self.page.number - 1) * self.size + 1 if self.page.rows else 0

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.page.rows) - 1 if self.page.rows else 0

    @property
    def size_links(self) -> list[tuple[int, str, bool]]:
        """(size, link, chosen): the same search from its first page at each size."""
        return [(n, self._link(page_size=n, cursor=None), n == self.size) for n in self.sizes]


def sort_headers(keyset: Keyset, query: QueryDict, sort: str) -> dict[str, SortHeader]:
    """Per sortable column (a sort key without its "-"): the link sorting by it and its state.
    A column sorted already toggles direction; another one starts with its descending order."""
    current = keyset.sort_or_default(sort)
    headers = {}
    for key in keyset.sorts:
        name = key.removeprefix("-")
        if name in headers:
            continue
        if current.removeprefix("-") == name:
            descending = current.startswith("-")
            aria, target = ("descending", name) if descending else ("ascending", f"-{name}")
        else:
            aria, target = "", f"-{name}" if f"-{name}" in keyset.sorts else name
        following = query.copy()
        following.pop("cursor", None)
        following["sort"] = target
        headers[name] = SortHeader(url=f"?{following.urlencode()}", aria_sort=aria)
    return headers


def list_page(keyset: Keyset, query: QueryDict, page: Page, *, size: int, **counts) -> ListPage:
    """The pager and sortable headers of `page`, a page of `keyset`'s list for `query`."""
    sort = page.sort or keyset.sort_or_default(query.get("sort"))
    return ListPage(
        query=query,
        page=page,
        size=size,
        sort=sort,
        headers=sort_headers(keyset, query, sort),
        **counts,
    )


def page_size_of(raw: str | None, *, default: int) -> int | None:
    """A web list's page size from its query string: `default` when absent, None when it is not
    one of PAGE_SIZES."""
    if raw in (None, ""):
        return default
    return int(raw) if raw.isascii() and raw.isdigit() and int(raw) in PAGE_SIZES else None
