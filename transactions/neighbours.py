"""Previous / next transaction on the detail page, within the search the user came from.

The search comes from the list page the user clicked on (the Referer, same origin only; the
list's links stay the plain transaction URLs), then travels in the query string of the
previous / next links (`from=search&<criteria>`), with the list's page (its sort, size and
cursor), so that "back to the search" returns to the very page the user left. The detail
page replays that search in the user's scope and reads the one row before and the one after
this transaction in the list's order, each from the list's own keyset index range
(core.keyset, TRANSACTIONS): two one-row reads, whatever the number of matches.
"""

from urllib.parse import urlsplit

from django.http import QueryDict
from django.urls import reverse

from core.keyset import encode_cursor

from .selectors import TRANSACTIONS, transactions_search

FROM_SEARCH = "search"


def search_query(query: QueryDict) -> str:
    """The query string the detail page's previous/next links (and back links) carry: the
    search and the page it was on."""
    rest = query.copy()
    rest["from"] = FROM_SEARCH
    return rest.urlencode()


def search_of(request) -> QueryDict:
    """The search a detail page was opened from: its query string's, else the list page's
    that sent the user here (an empty QueryDict when neither)."""
    if request.GET.get("from") == FROM_SEARCH:
        return request.GET
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.get_host() and referer.path == reverse("transactions:list"):
        query = QueryDict(referer.query, mutable=True)
        query["from"] = FROM_SEARCH
        return query
    return QueryDict()


def around(*, user, transaction, query: QueryDict) -> dict:
    """{"previous_url", "next_url", "search_url"} for `transaction` in the search of `query`;
    {} when the page was not opened from a search, or the search no longer reads."""
    if query.get("from") != FROM_SEARCH:
        return {}
    sort = query.get("sort") or TRANSACTIONS.default_sort
    if sort not in TRANSACTIONS.sorts:
        return {}
    column, _descending = TRANSACTIONS.sorts[sort]
    reverse = sort[1:] if sort.startswith("-") else f"-{sort}"
    value = getattr(transaction, column)
    links = {}
    carried = search_query(query)
    for name, order in (("next_url", sort), ("previous_url", reverse)):
        search = transactions_search(
            user=user,
            query=query,
            sort=order,
            cursor=encode_cursor(TRANSACTIONS, order, value, transaction.pk),
            size=1,
            count=False,
        )
        if not search.valid:
            return {}
        rows = search.page.rows if search.page else []
        links[name] = f"{rows[0].get_absolute_url()}?{carried}" if rows else None
    back = query.copy()
    back.pop("from", None)
    links["search_url"] = f"?{back.urlencode()}"
    return links
