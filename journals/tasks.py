"""Celery tasks: thin, take plain values, idempotent (journal_build is once per date and
journal_send never resends a SENT or SENDING journal), so a task run twice does no harm."""

import datetime as dt

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from .models import JournalState
from .services import journal_send, journal_shops, journals_build_shop, journals_due_for_delivery

_DB_ERRORS = (OperationalError, InterfaceError)
_RETRY = {
    "autoretry_for": _DB_ERRORS,
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="journals.daily_run", soft_time_limit=300, time_limit=360, **_RETRY)
def journals_daily_run(*, journal_date: str | None = None) -> int:
    """Beat, 04:00 Paris: one build task per active shop in production (so several workers share
    the run); demo and pre-production shops get no journal (docs/journals.md "Environments")."""
    day = journal_date or timezone.localdate().isoformat()
    pks = list(journal_shops().order_by("pk").values_list("pk", flat=True))
    for pk in pks:
        transaction.on_commit(
            lambda pk=pk: build_shop_journals.delay(merchant_pk=pk, journal_date=day)
        )
    return len(pks)


@shared_task(name="journals.build_shop", soft_time_limit=600, time_limit=660, **_RETRY)
def build_shop_journals(*, merchant_pk: int, journal_date: str) -> list[int]:
    """Both journals of one shop for one date, then their delivery."""
    day = dt.date.fromisoformat(journal_date)
    built = []
    for journal, _created in journals_build_shop(merchant_pk=merchant_pk, journal_date=day):
        built.append(journal.pk)
        if journal.state == JournalState.BUILT:
            transaction.on_commit(lambda pk=journal.pk: send_journal.delay(journal_pk=pk))
    return built


@shared_task(name="journals.send", soft_time_limit=120, time_limit=150, **_RETRY)
def send_journal(*, journal_pk: int) -> str:
    return journal_send(journal_pk=journal_pk)


@shared_task(name="journals.retry_deliveries", soft_time_limit=120, time_limit=150, **_RETRY)
def retry_journal_deliveries() -> int:
    """Beat, every 5 minutes: retry the failed deliveries whose backoff is over."""
    pks = journals_due_for_delivery()
    for pk in pks:
        transaction.on_commit(lambda pk=pk: send_journal.delay(journal_pk=pk))
    return len(pks)
