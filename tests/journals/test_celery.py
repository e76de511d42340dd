"""The daily run for real: beat's task on a Redis broker, a Celery worker process, PostgreSQL, and
an SMTP server on localhost that must receive both journals of each shop with their files."""

import os
import subprocess
from pathlib import Path

import pytest
from amqp.exceptions import ChannelError
from django.conf import settings
from django.db import connection

from gestion.celery import app
from journals.models import Journal
from journals.tasks import journals_daily_run
from tests.clock import python_command
from tests.factories import make_merchant, make_transaction
from tests.journals.conftest import make_op
from tests.journals.smtp import free_port, start_smtp
from tests.waiting import DEADLINE, wait_until

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def smtp():
    port = free_port()
    controller, inbox = start_smtp(port)
    yield port, inbox
    controller.stop()


@pytest.fixture
def worker(smtp):
    port, _inbox = smtp
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gestion.settings",
        "DJANGO_DEBUG": "true",
        "GESTION_ENCRYPTION_KEYS": ",".join(settings.ENCRYPTION_KEYS),
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
    }
    app.control.purge()
    process = subprocess.Popen(
        python_command(
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
        ),
        cwd=ROOT,
        env=env,
    )
    yield process
    process.terminate()
    process.wait(DEADLINE)


def queued() -> int:
    with app.connection_for_read() as conn:
        try:
            return conn.default_channel.queue_declare(
                app.conf.task_default_queue, passive=True
            ).message_count
        except ChannelError:  # Redis drops an empty list: no queue is an empty queue
            return 0


def tasks_done(name: str) -> int:
    """How many `name` tasks the worker has taken, once nothing is queued, running or waiting
    (0 while it is busy, or not answering yet)."""
    if queued():
        return 0
    inspect = app.control.inspect(timeout=2)
    stats, active, reserved = inspect.stats(), inspect.active(), inspect.reserved()
    if not stats or active is None or reserved is None:
        return 0
    if any(active.values()) or any(reserved.values()):
        return 0
    return sum(worker["total"].get(name, 0) for worker in stats.values())


def test_the_daily_run_on_a_real_worker_delivers_both_journals_of_every_shop(smtp, worker):
    _port, inbox = smtp
    shops = [
        make_merchant(journal_email=f"j{i}@shop.test", environment="PRODUCTION") for i in range(2)
    ]
    t = make_transaction(shops[0], amount=4200)
    make_op(t, "CANCEL", 200, "TO_CAPTURE", "TO_CAPTURE")

    journals_daily_run.delay(journal_date="2026-11-27")

    journals = Journal.objects.filter(merchant__in=shops)
    # Done when the four journals are recorded SENT (the server has their mails before the worker
    # records it), or the worker died.
    wait_until(
        lambda: journals.filter(state="SENT").count() == 4 or worker.poll() is not None,
        what="four journals recorded SENT",
    )
    assert worker.poll() is None, "the worker died"
    received = {filename: data for _subject, filename, data in inbox.attachments()}
    assert len(inbox.messages) == 4
    assert received == {j.filename: j.content.encode() for j in journals}
    assert sorted(journals.values_list("state", flat=True)) == ["SENT"] * 4
    first = journals.get(merchant=shops[0], kind="TRANSACTIONS")
    assert first.record_count == 1 and "4200" in first.content
    # Beat firing twice is harmless: nothing new is built or sent. Wait until the worker has
    # done the second run and the build of both shops (2 + 2 builds in all), with nothing left.
    journals_daily_run.delay(journal_date="2026-11-27")
    wait_until(lambda: tasks_done("journals.build_shop") >= 4, what="the second run's builds")
    assert tasks_done("journals.daily_run") == 2
    assert len(inbox.messages) == 4 and journals.count() == 4
