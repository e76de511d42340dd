"""The remittance on a real Celery worker and Redis broker: one task per shop, all done."""

import datetime as dt

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connection

from gestion.celery import app
from operations.models import Operation
from operations.tasks import remittance_dispatch
from tests.factories import make_merchant
from tests.operations.conftest import in_status, paris
from tests.waiting import wait_until
from transactions.models import Status

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_dispatch_fans_out_one_task_per_shop_and_a_worker_does_them_all():
    day = dt.date(2026, 11, 26)
    shops = [make_merchant() for _ in range(3)]
    idle = make_merchant()
    in_status(
        idle,
        Status.TO_CAPTURE,
        payment_at=paris(2026, 11, 26, 9),
        capture_date=day + dt.timedelta(days=1),
    )
    due = [
        in_status(shop, Status.TO_CAPTURE, payment_at=paris(2026, 11, 26, 9), capture_date=day)
        for shop in shops
        for _ in range(2)
    ]
    app.conf.task_always_eager = False

    def close_connection(**kwargs):
        connection.close()  # the worker thread's, so the test database can be dropped

    task_postrun.connect(close_connection, weak=False)
    with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
        # The dispatch runs here; the per-shop tasks it enqueues go through Redis to the worker.
        fanned_out = remittance_dispatch.apply(kwargs={"run_date": day.isoformat()}).get()
        wait_until(
            lambda: Operation.objects.filter(kind="DEBIT_CAPTURE").count() >= len(due),
            what="every shop's captures",
        )

    task_postrun.disconnect(close_connection)
    assert fanned_out == 3  # the shops with something due, the idle one left out
    for t in due:
        t.refresh_from_db()
        assert t.status == Status.CAPTURED
    assert Operation.objects.filter(kind="DEBIT_CAPTURE", channel="BATCH").count() == 6
