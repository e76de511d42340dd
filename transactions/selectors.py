import datetime as dt
import threading
import time
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.http import QueryDict

from core.keyset import InvalidCursor, Keyset, ListSearch, count_capped, keyset_page
from merchants.models import Merchant
from merchants.selectors import merchant_ids_visible_to, merchants_visible_to, user_has_right

from .feed import normalise_transaction_id
from .models import Transaction


@dataclass
class Figures:
    """count, accepted and accepted amount by currency (minor units) of a set of transactions."""

    count: int = 0
    accepted: int = 0
    amounts: dict[str, int] = field(default_factory=dict)

    @property
    def acceptance_rate(self) -> float | None:
        return self.accepted / self.count if self.count else None

    def add(self, count: int, accepted: int, currency: str, amount: int) -> None:
        self.count += count
        self.accepted += accepted
        if amount:
            self.amounts[currency] = self.amounts.get(currency, 0) + amount

    def merged(self, other: "Figures | None") -> "Figures":
        """A new Figures: these plus `other` (neither changed: they may come from a cache)."""
        total = Figures(self.count, self.accepted, dict(self.amounts))
        if other is not None:
            total.count += other.count
            total.accepted += other.accepted
            for code, minor in other.amounts.items():
                total.amounts[code] = total.amounts.get(code, 0) + minor
        return total


def transactions_visible_to(*, user, right: str = "view") -> QuerySet[Transaction]:
    """The transactions of the shops on which `user` holds `right`: every list starts here."""
    return Transaction.objects.filter(merchant__in=merchants_visible_to(user=user, right=right))


def transaction_get(
    *,
    user,
    merchant_id: str,
    payment_date: dt.date | str,
    transaction_id: str,
    right: str = "view",
    fields: tuple[str, ...] | None = None,
) -> Transaction:
    """One transaction by its Sips key, as `user` may reach it (payment_date a date or the URL's
    YYYY-MM-DD; transaction_id with or without its leading zeros). With `fields`, only those
    columns are read (an operation finds the row, then locks and reads it whole).

    Outside the user's scope, or under a key that cannot exist, it does not exist
    (Transaction.DoesNotExist → 404 / code 25, so ids cannot be probed); inside the scope but
    without `right`, PermissionDenied (403 / code 40).
    """
    try:
        if isinstance(payment_date, str):
            payment_date = dt.date.fromisoformat(payment_date)
        transaction_id = normalise_transaction_id(transaction_id)
    except ValueError:
        raise Transaction.DoesNotExist from None
    # The scope as a precompiled subquery (merchant_ids_visible_to): same shops as
    # transactions_visible_to, without compiling its joins on every request.
    scope = merchant_ids_visible_to(user=user)
    rows = (
        Transaction.objects if scope is None else Transaction.objects.filter(merchant_id__in=scope)
    )
    rows = rows.only(*fields) if fields else rows.select_related("merchant", "source__merchant")
    transaction = rows.get(
        merchant__merchant_id=merchant_id,
        payment_date=payment_date,
        transaction_id=transaction_id,
    )
    if right != "view" and not user_has_right(
        user=user, merchant=transaction.merchant, right=right
    ):
        raise PermissionDenied
    return transaction


# The transaction lists' paging: only indexed columns (see Transaction.Meta.indexes).
TRANSACTIONS = Keyset(
    name="transactions",
    sorts={
        "-payment_at": ("payment_at", True),
        "payment_at": ("payment_at", False),
        "-amount": ("amount", True),
        "amount": ("amount", False),
    },
    default_sort="-payment_at",
    page_size=50,
    max_page_size=500,
)
# Count exactly up to this many matches; beyond, "more than COUNT_CAP" (no unbounded COUNT(*)).
COUNT_CAP = 10_000
# Up to this many shops in scope, a page is read shop by shop (core.keyset's partition).
SMALL_SCOPE = 50


def small_scope_shop_ids(*, user, limit: int = SMALL_SCOPE) -> list[int] | None:
    """The primary keys of the shops `user` may see, if there are at most `limit` (else None).

    Scope itself stays merchants_visible_to's; this only names it to the planner, which cannot
    guess that a merchant's scope holds a handful of shops out of thousands.
    """
    ids = list(
        merchants_visible_to(user=user).order_by("pk").values_list("pk", flat=True)[: limit + 1]
    )
    return ids if len(ids) <= limit else None


@dataclass
class Search(ListSearch):
    """A transaction search (core.keyset.ListSearch) with its small scope's shops and, once
    paged, the number of matches counted up to `count_cap`."""

    shop_ids: list[int] | None = None
    count: int | None = None
    count_cap: int = COUNT_CAP

    @property
    def count_capped(self) -> bool:
        return self.count is not None and self.count > self.count_cap


def transactions_matches(
    *, user, query: QueryDict | dict, filterset_class=None, related=("merchant",)
) -> Search:
    """Scope (the shops `user` may see) then filters (the FilterSet of the edge: web or API):
    the matches, with the shops named to the planner when they are few."""
    from .filters import TransactionFilter

    if not isinstance(query, QueryDict):
        data = QueryDict(mutable=True)
        for name, value in query.items():
            data[name] = value
        query = data
    scope = transactions_visible_to(user=user).select_related(*related)
    filterset = (filterset_class or TransactionFilter)(query, queryset=scope)
    search = Search(filterset=filterset)
    if not filterset.is_valid():
        return search
    search.shop_ids = small_scope_shop_ids(user=user)
    matches = filterset.qs
    if search.shop_ids is not None:
        matches = matches.filter(merchant_id__in=search.shop_ids)
    search.matches = matches
    return search


def _by_order_reference(filterset) -> bool:
    """Whether the search names an order reference (or its start), as a criterion or through the
    search box's first reading."""
    data = filterset.form.cleaned_data
    readings = data.get("q") or []
    return bool(data.get("order_id")) or bool(readings and readings[0].kind == "order")


def transactions_search(
    *,
    user,
    query: QueryDict | dict,
    sort: str | None = None,
    cursor: str = "",
    size: int | None = None,
    count: bool = True,
    count_cap: int | None = None,
    filterset_class=None,
    related=("merchant",),
) -> Search:
    """The one transaction search: scope, filters, sort, one keyset page from `cursor`
    (TRANSACTIONS), and the number of matches counted up to `count_cap` (when `count`).

    Invalid criteria leave `valid` False (the FilterSet holds the errors); a cursor that is not
    one of this list's sets `cursor_error`."""
    search = transactions_matches(
        user=user, query=query, filterset_class=filterset_class, related=related
    )
    search.count_cap = count_cap or COUNT_CAP
    if not search.valid:
        return search
    partition = None if search.shop_ids is None else ("merchant_id", search.shop_ids)
    # An order reference's start, across many shops, in time order: its matches are read from
    # the prefix index (which holds their time) and sorted, not found by walking the time index.
    fenced = (
        partition is None
        and _by_order_reference(search.filterset)
        and TRANSACTIONS.sorts[TRANSACTIONS.sort_or_default(sort)][0] == "payment_at"
    )
    try:
        search.page = keyset_page(
            search.matches,
            TRANSACTIONS,
            sort=sort,
            cursor=cursor,
            size=size,
            partition=partition,
            fenced=fenced,
        )
    except InvalidCursor:
        search.cursor_error = True
        return search
    if count:
        search.count = count_capped(search.matches, cap=search.count_cap)
    return search


# --- The home page: what waits for the user, and today against yesterday ---------------------

# States a person still has to act on, and those whose last day may pass (docs/lifecycle.md:
# unvalidated at capture_date they expire in the nightly run).
TO_VALIDATE_STATES = ("TO_VALIDATE", "TO_REPLAY")
EXPIRING_STATES = ("TO_VALIDATE", "TO_REPLAY", "REFERRAL")
EXPIRING_WITHIN_DAYS = 2


@dataclass
class HomeTodo:
    to_validate: int
    expiring: int
    credits_tonight: int
    expiring_until: dt.date


def _of_shops(queryset: QuerySet[Transaction], shop_ids) -> QuerySet[Transaction]:
    """`queryset` limited to `shop_ids` as merchant_ids_visible_to gives them: None is every
    shop (bank staff), no filter: it would keep nothing out and cost a read of each row's shop,
    where the counts below are otherwise read from their partial indexes alone."""
    return queryset if shop_ids is None else queryset.filter(merchant_id__in=shop_ids)


def home_todo(*, shop_ids, today: dt.date) -> HomeTodo:
    """Two counts read from the partial indexes of the states still open (transaction_remittance_due
    for the ones to validate or expiring, transaction_credit_due for the refunds): they hold the
    few rows not yet final whatever the table's size, and for bank staff (no shop filter) the
    counts are read from the indexes alone (COUNT(status), not COUNT(id): the id is not in them)."""
    until = today + dt.timedelta(days=EXPIRING_WITHIN_DAYS)
    open_rows = _of_shops(Transaction.objects.filter(status__in=EXPIRING_STATES), shop_ids)
    counts = open_rows.aggregate(
        to_validate=Count("status", filter=Q(status__in=TO_VALIDATE_STATES)),
        expiring=Count("status", filter=Q(capture_date__lte=until)),
    )
    credits = _of_shops(Transaction.objects.filter(status="TO_CREDIT"), shop_ids).count()
    return HomeTodo(expiring_until=until, credits_tonight=credits, **counts)


def autoresponses_failed(*, shop_ids, since: dt.date) -> int:
    """Failed automatic responses of the shops' transactions paid since the Paris day `since`:
    read live (a retry that succeeds takes one off), over the partial index of the failed ones
    (transaction_autoresp_failed), which stays small whatever the table's size."""
    return _of_shops(
        Transaction.objects.filter(automatic_response_status="FAILED", payment_date__gte=since),
        shop_ids,
    ).count()


# --- The home page's 30-day trend (docs/home.md) --------------------------------------------

TREND_DAYS = 30
# A past Paris day's counts, acceptance and amounts by payment_date do not change (operations
# move other columns): the closed days are kept this long, today only a minute.
TREND_CLOSED_TTL = 3600
TREND_TODAY_TTL = 60


@dataclass
class Trend:
    days: dict[dt.date, Figures]  # every day of the window, oldest first
    shops: dict[int, Figures]  # merchant pk → figures over the window
    means: dict[str, Figures]  # payment means → figures over the window
    yesterday_shops: dict[int, Figures]  # merchant pk → figures of the day before today


@dataclass
class _Span:
    """The figures of a span of Paris days, summed once and cached as they are."""

    days: dict[dt.date, Figures]
    shops: dict[int, Figures]
    means: dict[str, Figures]
    last_day_shops: dict[int, Figures]  # per shop, the span's last day


def _span(shop_ids: list[int], first: dt.date, last: dt.date) -> _Span:
    """One grouped query on the shop + day key for the Paris days first..last, summed per day,
    per shop, per payment means and per shop on the last day."""
    rows = (
        Transaction.objects.filter(
            merchant__in=shop_ids, payment_date__gte=first, payment_date__lte=last
        )
        .values_list("payment_date", "merchant_id", "payment_means", "currency_code")
        .annotate(
            count=Count("id"),
            accepted=Count("id", filter=Q(response_code="00")),
            amount=Sum("origin_amount", filter=Q(response_code="00")),
        )
        .order_by()
    )
    span = _Span(days={}, shops={}, means={}, last_day_shops={})
    for day, shop, means, currency, count, accepted, amount in rows.iterator(chunk_size=10_000):
        targets = [
            span.days.setdefault(day, Figures()),
            span.shops.setdefault(shop, Figures()),
            span.means.setdefault(means, Figures()),
        ]
        if day == last:
            targets.append(span.last_day_shops.setdefault(shop, Figures()))
        for figures in targets:
            figures.add(count, accepted, currency, amount or 0)
    return span


def _cached_span(scope: str, shop_ids: list[int], first: dt.date, last: dt.date, ttl: int):
    from django.core.cache import cache

    key = f"home-trend-span:{scope}:{first.isoformat()}:{last.isoformat()}"
    span = cache.get(key)
    if span is None:
        span = _span(shop_ids, first, last)
        cache.set(key, span, ttl)
    return span


def _merged(a: dict, b: dict) -> dict:
    return {key: figures.merged(b.get(key)) for key, figures in a.items()} | {
        key: figures.merged(None) for key, figures in b.items() if key not in a
    }


# The assembled figures of the last few scopes, in this process's memory for at most
# TREND_TODAY_TTL: a page reads them without unpickling or re-adding thousands of shops' sums
# (a bank user's 2,000 shops). Read-only once built; bounded to TREND_MEMO_SIZE scopes.
TREND_MEMO_SIZE = 64
_trend_memo: dict[tuple, tuple[float, Trend]] = {}
_trend_memo_lock = threading.Lock()


def trend(*, merchants: QuerySet[Merchant], today: dt.date, days: int = TREND_DAYS) -> Trend:
    """The last `days` Paris days up to today, over the shops of `merchants`: per day, per shop
    and per payment means, and yesterday per shop. The closed days are summed once an hour
    (Django's cache, keyed by the set of shops and the window), today once a minute: a bank
    user's 2,000 shops are read from the table once an hour per cache, not on every page, and a
    page sums two small cached spans (docs/home.md). The result is read-only."""
    import hashlib

    shop_ids = sorted(merchants.values_list("pk", flat=True))
    first = today - dt.timedelta(days=days - 1)
    yesterday = today - dt.timedelta(days=1)
    window = [first + dt.timedelta(days=i) for i in range(days)]
    if not shop_ids:
        return Trend(days={d: Figures() for d in window}, shops={}, means={}, yesterday_shops={})
    scope = hashlib.sha256(",".join(map(str, shop_ids)).encode()).hexdigest()[:32]
    memo_key = (scope, today, days)
    now = time.time()  # as the cache counts (and as tests travel)
    with _trend_memo_lock:
        found = _trend_memo.get(memo_key)
    if found is not None and found[0] > now:
        return found[1]
    closed = _cached_span(scope, shop_ids, first, yesterday, TREND_CLOSED_TTL)
    today_span = _cached_span(scope, shop_ids, today, today, TREND_TODAY_TTL)
    result = Trend(
        days={d: closed.days.get(d) or today_span.days.get(d) or Figures() for d in window},
        shops=_merged(closed.shops, today_span.shops),
        means=_merged(closed.means, today_span.means),
        yesterday_shops=closed.last_day_shops,
    )
    with _trend_memo_lock:
        if len(_trend_memo) >= TREND_MEMO_SIZE:
            for key in [k for k, (until, _t) in _trend_memo.items() if until <= now] or [
                next(iter(_trend_memo))
            ]:
                _trend_memo.pop(key, None)
        _trend_memo[memo_key] = (now + TREND_TODAY_TTL, result)
    return result


def trend_memo_clear() -> None:
    """Forget the assembled figures of this process (with cache.clear(): tests, benches)."""
    with _trend_memo_lock:
        _trend_memo.clear()
