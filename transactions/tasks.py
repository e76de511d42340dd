from celery import shared_task

from .autoresponse import automatic_response_deliver
from .exports import export_build, export_fail, exports_purge


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=3600,
    time_limit=3700,
    max_retries=2,
    default_retry_delay=30,
)
def transactions_export_build(self, *, export_id: int) -> int:
    """Build one background CSV export (idempotent: a finished one is left alone)."""
    try:
        return export_build(export_id=export_id).rows_done
    except Exception as error:
        if self.request.retries >= self.max_retries:
            export_fail(export_id=export_id)
            raise
        raise self.retry(exc=error) from error


@shared_task(time_limit=600)
def transactions_exports_purge() -> int:
    """Delete the files of exports past their keep time."""
    return exports_purge()


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def automatic_response_send(*, transaction_pk: int, round: int = 0, number: int = 0) -> str:
    """One attempt at a transaction's automatic response; schedules the next one if it failed
    and retries are left (autoresponse.automatic_response_deliver)."""
    outcome = automatic_response_deliver(transaction_pk=transaction_pk, round=round, number=number)
    if outcome.retry_in is not None:
        automatic_response_send.apply_async(
            kwargs={"transaction_pk": transaction_pk, "round": round, "number": number + 1},
            countdown=outcome.retry_in,
        )
    return outcome.status
