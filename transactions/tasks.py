from celery import shared_task

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
