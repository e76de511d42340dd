"""The go-live run for real: beat's task queued on Redis while no worker runs (the worker is down
at 10:00), then a Celery worker process that starts at 14:00 Paris that day, on PostgreSQL: the
shop is switched once, late, whatever number of runs were queued."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection

from gestion.celery import app
from golive.models import EnvironmentChange, GoLiveRequest
from golive.services import golive_approve, golive_request
from golive.tasks import golive_run_task
from tests.clock import OFFSET_ENV
from tests.journals.test_celery import tasks_done
from tests.waiting import DEADLINE, wait_until

from .conftest import NEXT_DAY, paris

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def start_worker_at(instant: dt.datetime) -> subprocess.Popen:
    """A worker whose clock starts at `instant` (tests.clocked) and ticks from there."""
    db = connection.settings_dict
    # The real clock, not the one this test travels on (the worker adds the offset to it).
    real_now = dt.datetime.fromtimestamp(time_machine.escape_hatch.time.time(), dt.UTC)
    offset = instant - real_now
    env = {
        **os.environ,
        OFFSET_ENV: repr(offset.total_seconds()),
        "DJANGO_SETTINGS_MODULE": "gestion.settings",
        "DJANGO_DEBUG": "true",
        "GESTION_ENCRYPTION_KEYS": ",".join(settings.ENCRYPTION_KEYS),
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "EMAIL_URL": "dummymail://",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.clocked",
            "-m",
            "celery",
            "-A",
            "gestion",
            "worker",
            "-c",
            "2",
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
    )


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

    worker = start_worker_at(paris(2027, 6, 9, 14, 0))
    try:
        wait_until(
            lambda: tasks_done("golive.run") >= 2 or worker.poll() is not None,
            what="both queued runs",
        )
        assert worker.poll() is None, "the worker died"
    finally:
        worker.terminate()
        worker.wait(DEADLINE)

    request.refresh_from_db()
    preprod.refresh_from_db()
    assert request.status == "DONE" and preprod.environment == "PRODUCTION"
    assert request.late_by_seconds >= 4 * 3600  # carried out late, and it says so
    assert request.done_at.astimezone(paris(2027, 1, 1).tzinfo).date() == NEXT_DAY
    assert EnvironmentChange.objects.filter(merchant=preprod).count() == 1
    assert GoLiveRequest.objects.filter(merchant=preprod, status="DONE").count() == 1
