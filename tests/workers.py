"""A real Celery worker process for the tests that need one (Redis broker, the test database), and
how to tell it is done: what every worker test shares, written once."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import time_machine
from amqp.exceptions import ChannelError
from django.conf import settings
from django.db import connection

from gestion.celery import app
from tests.clock import OFFSET_ENV, python_command
from tests.waiting import DEADLINE

ROOT = Path(__file__).resolve().parents[1]


def start_worker(
    *,
    concurrency: int = 2,
    env: dict[str, str] | None = None,
    clock_at: dt.datetime | None = None,
    purge: bool = True,
) -> subprocess.Popen:
    """`celery worker` on this test's database and broker, after purging the queue (unless the
    test queued its tasks before the worker starts). `env` adds settings; `clock_at` starts the
    worker's clock at that instant (ticking), else it runs on the suite's clock."""
    db = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gestion.settings",
        "DJANGO_DEBUG": "true",
        "GESTION_ENCRYPTION_KEYS": ",".join(settings.ENCRYPTION_KEYS),
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        **(env or {}),
    }
    args = ["-m", "celery", "-A", "gestion", "worker", "-c", str(concurrency), "-l", "warning",
            "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
    command = python_command(*args)
    if clock_at is not None:
        # The real clock, not the one the test may travel on: the worker adds the offset to it.
        real_now = dt.datetime.fromtimestamp(time_machine.escape_hatch.time.time(), dt.UTC)
        environment[OFFSET_ENV] = repr((clock_at - real_now).total_seconds())
        command = [sys.executable, "-m", "tests.clocked", *args]
    if purge:
        app.control.purge()
    return subprocess.Popen(command, cwd=ROOT, env=environment)


def stop_worker(process: subprocess.Popen) -> None:
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
