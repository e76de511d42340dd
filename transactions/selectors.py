import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum

from merchants.models import Merchant

from .models import Transaction


@dataclass
class DaySummary:
    merchant: Merchant
    count: int = 0
    accepted: int = 0
    # currency_code → accepted amount in minor units
    amounts: dict[str, int] = field(default_factory=dict)

    @property
    def acceptance_rate(self) -> float | None:
        return self.accepted / self.count if self.count else None


def merchants_day_summary(
    *, merchants: QuerySet[Merchant], day: dt.date, limit: int = 200
) -> list[DaySummary]:
    """Per shop, one Paris day: transactions received, how many accepted, accepted amount by
    currency. One grouped query whatever the number of shops."""
    shops = list(merchants.order_by("merchant_id")[:limit])
    summaries = {m.pk: DaySummary(merchant=m) for m in shops}
    rows = (
        Transaction.objects.filter(merchant__in=[m.pk for m in shops], payment_date=day)
        .values("merchant_id", "currency_code")
        .annotate(
            count=Count("id"),
            accepted=Count("id", filter=Q(response_code="00")),
            accepted_amount=Sum("origin_amount", filter=Q(response_code="00")),
        )
        .order_by()
    )
    for row in rows:
        summary = summaries[row["merchant_id"]]
        summary.count += row["count"]
        summary.accepted += row["accepted"]
        if row["accepted_amount"]:
            summary.amounts[row["currency_code"]] = row["accepted_amount"]
    return [summaries[m.pk] for m in shops]
