"""The nightly remittance on Celery: beat fires `remittance_dispatch` at 22:00 Paris, which fans
out one `merchant_remittance_task` per shop with work to do, so several workers share it."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from .services.idempotency import idempotency_keys_purge
from .services.remittance import merchant_remittance, merchants_due, remittance_due_date


@shared_task(
    acks_late=True,
    soft_time_limit=600,
    time_limit=660,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def merchant_remittance_task(*, merchant_pk: int, run_date: str) -> dict[str, int]:
    return merchant_remittance(merchant_pk=merchant_pk, run_date=dt.date.fromisoformat(run_date))


@shared_task(soft_time_limit=120, time_limit=150, autoretry_for=(Exception,), max_retries=3)
def remittance_dispatch(*, run_date: str | None = None) -> int:
    """Enqueue the remittance of `run_date` (default: the latest one due) for every shop."""
    day = dt.date.fromisoformat(run_date) if run_date else remittance_due_date(timezone.now())
    shops = merchants_due(run_date=day)
    for merchant_pk in shops:
        merchant_remittance_task.delay(merchant_pk=merchant_pk, run_date=day.isoformat())
    return len(shops)


@shared_task(soft_time_limit=300, time_limit=330)
def idempotency_keys_purge_task() -> int:
    return idempotency_keys_purge(now=timezone.now())
