"""The go-live run for real: beat's task queued on Redis while no worker runs (the worker is down
at 10:00), then a Celery worker process that starts at 14:00 Paris that day, on PostgreSQL: the
shop is switched once, late, whatever number of runs were queued."""

import pytest

from gestion.celery import app
from golive.models import EnvironmentChange, GoLiveRequest
from golive.services import golive_approve, golive_request
from golive.tasks import golive_run_task
from tests.waiting import wait_until
from tests.workers import start_worker, stop_worker, tasks_done

from .conftest import NEXT_DAY, paris

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_worker_down_at_10_switches_the_shop_once_when_it_comes_back_that_day(people, preprod):
    request = golive_request(
        actor=people["admin"],
        merchant_pk=preprod.pk,
        environment="PRODUCTION",
        switch_date=NEXT_DAY,
    )
    golive_approve(actor=people["bank"], request_pk=request.pk)
    app.control.purge()
    # Beat fired at 10:00 and 10:05 while no worker ran: two runs wait in Redis.
    golive_run_task.delay()
    golive_run_task.delay()

    worker = start_worker(
        env={"EMAIL_URL": "dummymail://"}, clock_at=paris(2027, 6, 9, 14, 0), purge=False
    )
    try:
        wait_until(
            lambda: tasks_done("golive.run") >= 2 or worker.poll() is not None,
            what="both queued runs",
        )
        assert worker.poll() is None, "the worker died"
    finally:
        stop_worker(worker)

    request.refresh_from_db()
    preprod.refresh_from_db()
    assert request.status == "DONE" and preprod.environment == "PRODUCTION"
    assert request.late_by_seconds >= 4 * 3600  # carried out late, and it says so
    assert request.done_at.astimezone(paris(2027, 1, 1).tzinfo).date() == NEXT_DAY
    assert EnvironmentChange.objects.filter(merchant=preprod).count() == 1
    assert GoLiveRequest.objects.filter(merchant=preprod, status="DONE").count() == 1
