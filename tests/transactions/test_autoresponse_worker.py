"""A real Celery worker process on Redis delivers an automatic response to a real receiver."""

import os
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from gestion.celery import app
from tests.clock import python_command
from tests.factories import make_merchant
from tests.transactions.receiver import Answer, start_receiver
from tests.transactions.test_feed import payload
from transactions.models import Transaction

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver():
    server = start_receiver()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def worker():
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gestion.settings",
        "DJANGO_DEBUG": "true",
        "GESTION_ENCRYPTION_KEYS": ",".join(settings.ENCRYPTION_KEYS),
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "GESTION_AUTORESPONSE_ALLOWED_HOSTS": "127.0.0.1",
        "GESTION_AUTORESPONSE_RETRY_DELAYS": "1,1",
    }
    app.control.purge()
    process = subprocess.Popen(
        python_command("-m", "celery", "-A", "gestion", "worker", "-c", "1", "-l", "warning",
                       "--without-gossip", "--without-mingle", "--without-heartbeat"),
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    yield process
    process.terminate()
    process.wait(20)


def test_a_worker_on_redis_retries_then_delivers_a_fed_transactions_response(
    feed_client, receiver, worker
):
    make_merchant("014213245611111", automatic_response_url=receiver.url)
    receiver.answers = [Answer(status=500)]

    response = feed_client.post("/api/v1/transactions/", payload(), format="json")

    assert response.status_code == 201
    t = Transaction.objects.get()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and t.automatic_response_status != "SENT":
        time.sleep(0.2)
        t.refresh_from_db()
    assert worker.poll() is None, "the worker died"
    assert t.automatic_response_status == "SENT"
    assert [a.http_status for a in t.automatic_response_attempts.order_by("number")] == [500, 200]
    assert len(receiver.received) == 2
