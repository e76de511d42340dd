import csv
import io

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from gestion.celery import app
from tests.factories import UserFactory, grant, make_merchant, make_transaction
from tests.waiting import wait_until
from transactions import tasks  # noqa: F401  (registers the export task with the app)
from transactions.models import ExportStatus, TransactionExport


@pytest.mark.redis
def test_the_async_export_runs_through_a_real_celery_worker_on_redis(
    transactional_db, client, settings, monkeypatch, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    mine, other = make_merchant(), make_merchant()
    user = UserFactory(username="exporter", email="exporter@shop.test", language="en")
    grant(user, "CONSULTER", merchant=mine)
    wanted = {make_transaction(mine).transaction_id for _ in range(12)}
    make_transaction(other)
    monkeypatch.setattr("transactions.views.EXPORT_SYNC_MAX", 5)
    client.force_login(user)

    # The worker runs in a thread of this process, with its own database connection: it sees
    # only what the request committed (transactional_db), as a worker on another machine would.
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        response = client.get("/transactions/export.csv")
        export = TransactionExport.objects.get(owner=user)

        def finished():
            export.refresh_from_db()
            return export.status in (ExportStatus.DONE, ExportStatus.FAILED)

        wait_until(finished, what="the export job")

    assert response["Location"] == f"/transactions/exports/{export.pk}/"
    assert export.status == ExportStatus.DONE
    assert export.rows_done == 12
    status_page = client.get(response["Location"]).content.decode()
    assert 'data-testid="download"' in status_page
    download = client.get(f"/transactions/exports/{export.pk}/download/")
    rows = list(
        csv.reader(
            io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig")), delimiter=";"
        )
    )
    assert {row[1] for row in rows[1:]} == wanted
    assert {row[0] for row in rows[1:]} == {mine.merchant_id}
    assert [m.to for m in mail.outbox] == [["exporter@shop.test"]]
