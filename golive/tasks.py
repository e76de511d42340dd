"""Celery: the go-live run. Beat starts it at 10:00 Paris and again every 5 minutes until the
evening, so a worker that was down at 10:00 switches the shop as soon as it runs again that day
(golive_run is idempotent: once per request, never before 10:00)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .services import golive_run


@shared_task(
    name="golive.run",
    soft_time_limit=120,
    time_limit=150,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=15,
    retry_backoff_max=120,
    max_retries=5,
)
def golive_run_task() -> dict:
    report = golive_run()
    return {
        "switched": [r.pk for r in report.switched],
        "expired": [r.pk for r in report.expired],
    }
