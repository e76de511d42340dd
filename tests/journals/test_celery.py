"""The daily run for real: beat's task on a Redis broker, a Celery worker process, PostgreSQL, and
an SMTP server on localhost that must receive both journals of each shop with their files."""

import pytest

from journals.models import Journal
from journals.tasks import journals_daily_run
from tests.factories import make_merchant, make_transaction
from tests.journals.conftest import make_op
from tests.journals.smtp import start_smtp
from tests.net import free_port
from tests.waiting import wait_until
from tests.workers import start_worker, stop_worker, tasks_done

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
    process = start_worker(env={"EMAIL_URL": f"smtp://127.0.0.1:{port}"})
    yield process
    stop_worker(process)


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
