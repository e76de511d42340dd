"""Reads of going live: who sees which shop's requests, the bank's lists, a shop's timeline."""

import datetime as dt

from django.db.models import OuterRef, Q, QuerySet, Subquery

from core.dates import PARIS
from merchants.models import Merchant
from merchants.selectors import merchants_visible_to
from transactions.models import Transaction

from .models import EnvironmentChange, GoLiveRequest


def golive_shops_visible_to(*, user) -> QuerySet[Merchant]:
    """The shops whose environment and go-live requests `user` may see: those it views
    (CONSULTER, OPERATOR) and those whose users it manages (USER_ADMIN); bank staff: all."""
    viewed = merchants_visible_to(user=user, right="view").values("pk")
    managed = merchants_visible_to(user=user, right="manage_users").values("pk")
    return Merchant.objects.filter(Q(pk__in=viewed) | Q(pk__in=managed))


def golive_may_request(*, user, merchant: Merchant) -> bool:
    """USER_ADMIN of the shop, or bank staff."""
    return merchants_visible_to(user=user, right="manage_users").filter(pk=merchant.pk).exists()


def golive_requests_of(*, merchant: Merchant) -> QuerySet[GoLiveRequest]:
    return (
        GoLiveRequest.objects.filter(merchant=merchant)
        .select_related("merchant")
        .order_by("-requested_at", "-id")
    )


def golive_open_request(*, merchant: Merchant) -> GoLiveRequest | None:
    return golive_requests_of(merchant=merchant).filter(status__in=GoLiveRequest.OPEN).first()


def environment_timeline(*, merchant: Merchant) -> list[dict]:
    """The shop's environments, oldest first: each with since when, until when, who asked and
    who approved the change into it."""
    changes = list(EnvironmentChange.objects.filter(merchant=merchant).order_by("at", "id"))
    first = changes[0].from_environment if changes else merchant.environment
    rows = [{"environment": first, "since": merchant.created_at, "by": "", "approved_by": ""}]
    for change in changes:
        rows.append(
            {
                "environment": change.environment,
                "since": change.at,
                "by": change.requested_by_username,
                "approved_by": change.approved_by_username,
            }
        )
    for row, following in zip(rows, rows[1:], strict=False):
        row["until"] = following["since"]
    rows[-1]["until"] = None
    for row in rows:
        row["label"] = Merchant.Environment(row["environment"]).label
    return rows


def environment_since(*, merchant: Merchant, environment: str) -> dt.datetime | None:
    """When the shop last entered `environment` (its creation if it started there), or None.
    Asks nothing of the database when `merchant` was read through
    annotate_environment_since(…, environment)."""
    entered = _entered_name(environment)
    if hasattr(merchant, entered) and hasattr(merchant, "first_from_environment"):
        return _since(
            merchant, environment, getattr(merchant, entered), merchant.first_from_environment
        )
    change = (
        EnvironmentChange.objects.filter(merchant=merchant, environment=environment)
        .order_by("-at", "-id")
        .values_list("at", flat=True)
        .first()
    )
    if change is not None:
        return change
    first = (
        EnvironmentChange.objects.filter(merchant=merchant)
        .order_by("at", "id")
        .values_list("from_environment", flat=True)
        .first()
    )
    return _since(merchant, environment, None, first)


def _entered_name(environment: str) -> str:
    return f"entered_{environment.lower()}_at"


def _since(merchant: Merchant, environment: str, entered_at, first_from) -> dt.datetime | None:
    """environment_since's rule, from the last change into `environment` and the environment
    the first change left."""
    if entered_at is not None:
        return entered_at
    if (first_from or merchant.environment) == environment:
        return merchant.created_at
    return None


def annotate_environment_since(shops: QuerySet[Merchant], environment: str) -> QuerySet[Merchant]:
    """The `shops` with what environment_since(…, environment) needs, read by the same query:
    it then asks nothing more."""
    changes = EnvironmentChange.objects.filter(merchant=OuterRef("pk"))
    return shops.annotate(
        **{
            _entered_name(environment): Subquery(
                changes.filter(environment=environment).order_by("-at", "-id").values("at")[:1]
            ),
            "first_from_environment": Subquery(
                changes.order_by("at", "id").values("from_environment")[:1]
            ),
        }
    )


def has_authorised_preproduction_payment(*, merchant: Merchant) -> bool:
    """Whether the shop had a payment authorised (response code 00) since it entered
    pre-production: the condition for production (docs/go-live.md)."""
    if merchant.environment != Merchant.Environment.PRE_PRODUCTION:
        return False
    since = environment_since(merchant=merchant, environment=Merchant.Environment.PRE_PRODUCTION)
    if since is None:
        return False
    return Transaction.objects.filter(
        merchant=merchant, response_code="00", created_at__gte=since
    ).exists()


def golive_bank_overview(*, now: dt.datetime, environment: str | None = None) -> dict:
    """Bank staff's view: pending requests, today's and this week's switches, the history."""
    today = now.astimezone(PARIS).date()
    monday = today - dt.timedelta(days=today.weekday())
    base = GoLiveRequest.objects.select_related("merchant")
    if environment:
        base = base.filter(environment=environment)
    scheduled = (GoLiveRequest.Status.APPROVED, GoLiveRequest.Status.DONE)
    return {
        "pending": base.filter(status=GoLiveRequest.Status.PENDING).order_by("switch_date", "id"),
        "today": base.filter(switch_date=today, status__in=scheduled).order_by("id"),
        "week": base.filter(
            switch_date__gte=monday,
            switch_date__lt=monday + dt.timedelta(days=7),
            status__in=scheduled,
        ).order_by("switch_date", "id"),
        "history": base.order_by("-requested_at", "-id")[:200],
    }
