"""A real Celery worker process on Redis delivers an automatic response to a real receiver."""

import pytest

from tests.factories import make_merchant
from tests.transactions.receiver import Answer, start_receiver
from tests.transactions.test_feed import payload
from tests.waiting import wait_until
from tests.workers import start_worker, stop_worker
from transactions.models import Transaction

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver():
    server = start_receiver()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def worker():
    process = start_worker(
        concurrency=1,
        env={
            "GESTION_AUTORESPONSE_ALLOWED_HOSTS": "127.0.0.1",
            "GESTION_AUTORESPONSE_RETRY_DELAYS": "1,1",
        },
    )
    yield process
    stop_worker(process)


def test_a_worker_on_redis_retries_then_delivers_a_fed_transactions_response(
    feed_client, receiver, worker
):
    make_merchant("014213245611111", automatic_response_url=receiver.url)
    receiver.answers = [Answer(status=500)]

    response = feed_client.post("/api/v1/transactions/", payload(), format="json")

    assert response.status_code == 201
    t = Transaction.objects.get()

    def sent_or_dead():
        t.refresh_from_db()
        return t.automatic_response_status == "SENT" or worker.poll() is not None

    wait_until(sent_or_dead, what="the automatic response SENT")
    assert worker.poll() is None, "the worker died"
    assert t.automatic_response_status == "SENT"
    assert [a.http_status for a in t.automatic_response_attempts.order_by("number")] == [500, 200]
    assert len(receiver.received) == 2
