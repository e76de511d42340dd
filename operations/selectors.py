from django.db.models import QuerySet

from core.keyset import InvalidCursor, Keyset, ListSearch, keyset_page
from merchants.selectors import merchants_visible_to

from .models import Operation, Remittance


def operations_visible_to(*, user) -> QuerySet[Operation]:
    """The operations of the shops `user` may see, with what a list shows of each row."""
    return Operation.objects.filter(
        merchant__in=merchants_visible_to(user=user, right="view")
    ).select_related("merchant", "user", "transaction__merchant", "new_transaction__merchant")


def remittances_visible_to(*, user) -> QuerySet[Remittance]:
    """The remittance records of the shops `user` may see, newest evening first."""
    return (
        Remittance.objects.filter(merchant__in=merchants_visible_to(user=user, right="view"))
        .select_related("merchant")
        .order_by("-remittance_date", "merchant__merchant_id", "currency_code", "-id")
    )


def remittance_get(*, user, pk: int) -> Remittance:
    """One remittance of a shop `user` may see (Remittance.DoesNotExist otherwise)."""
    return remittances_visible_to(user=user).get(pk=pk)


def remittance_lines(remittance: Remittance) -> QuerySet[Operation]:
    """The operations it sent (its lines), with their transactions, in the order sent."""
    return remittance.lines.select_related("transaction__merchant").order_by("kind", "id")


# The operations lists' paging (index operation_shop_by_time: shop, created_at, id).
OPERATIONS = Keyset(
    name="operations",
    sorts={"-created_at": ("created_at", True), "created_at": ("created_at", False)},
    default_sort="-created_at",
    page_size=50,
    max_page_size=500,
)


class OperationSearch(ListSearch):
    """An operations search (core.keyset.ListSearch)."""


def operations_matches(*, user, query, filterset_class=None) -> OperationSearch:
    """Scope (the shops `user` may see) then the criteria of the operations FilterSet of the
    edge (the API's by default; the web page checks typed criteria more strictly), newest
    first. No criteria at all (an empty query) is every operation in scope."""
    from .filters import OperationFilter

    scope = operations_visible_to(user=user)
    filterset = (filterset_class or OperationFilter)(query or None, queryset=scope)
    search = OperationSearch(filterset=filterset)
    if not filterset.is_bound:
        search.matches = scope.order_by("-created_at", "-id")
    elif filterset.is_valid():
        search.matches = filterset.qs.order_by("-created_at", "-id")
    return search


def operations_search(
    *,
    user,
    query,
    sort: str | None = None,
    cursor: str = "",
    size: int | None = None,
    filterset_class=None,
) -> OperationSearch:
    """The one operations search: scope, criteria, one keyset page from `cursor` (OPERATIONS).
    Invalid criteria leave `valid` False; a cursor not of this list sets `cursor_error`."""
    search = operations_matches(user=user, query=query, filterset_class=filterset_class)
    if not search.valid:
        return search
    try:
        search.page = keyset_page(search.matches, OPERATIONS, sort=sort, cursor=cursor, size=size)
    except InvalidCursor:
        search.cursor_error = True
    return search
