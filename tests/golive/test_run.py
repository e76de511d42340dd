"""The 10:00 switch: exactly once, never early, late the same day if the worker was down (and
logged as late), never on another day; by beat, by `golive_run`, by two runs at once."""

import datetime as dt
import logging

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from gestion.celery import app
from golive.models import EnvironmentChange, GoLiveRequest
from golive.services import golive_approve, golive_request, golive_run
from golive.tasks import golive_run_task
from tests.waiting import Outcome, start_together

from .conftest import NEXT_DAY, paris


@pytest.fixture
def approved(people, preprod):
    request = golive_request(
        actor=people["admin"],
        merchant_pk=preprod.pk,
        environment="PRODUCTION",
        switch_date=NEXT_DAY,
    )
    return golive_approve(actor=people["bank"], request_pk=request.pk)


def environment(shop) -> str:
    shop.refresh_from_db()
    return shop.environment


def test_never_early_not_the_day_before_nor_at_9_59(approved, preprod):
    assert golive_run(now=paris(2027, 6, 8, 23, 59)).switched == []
    assert golive_run(now=paris(2027, 6, 9, 9, 59, 59)).switched == []

    assert environment(preprod) == "PRE_PRODUCTION"
    approved.refresh_from_db()
    assert approved.status == "APPROVED"


def test_run_twice_switches_once(approved, preprod):
    first = golive_run(now=paris(2027, 6, 9, 10, 0))
    second = golive_run(now=paris(2027, 6, 9, 10, 5))

    assert [r.pk for r in first.switched] == [approved.pk] and second.switched == []
    assert environment(preprod) == "PRODUCTION"
    assert EnvironmentChange.objects.filter(merchant=preprod).count() == 1


def test_a_worker_down_at_10_switches_the_shop_when_it_runs_again_that_day_and_says_so(
    approved, preprod, caplog
):
    with caplog.at_level(logging.WARNING, logger="golive.services"):
        report = golive_run(now=paris(2027, 6, 9, 14, 37))

    assert [r.pk for r in report.switched] == [approved.pk]
    assert environment(preprod) == "PRODUCTION"
    approved.refresh_from_db()
    assert approved.late_by_seconds == 4 * 3600 + 37 * 60
    assert "LATE" in caplog.text and str(approved.pk) in caplog.text


def test_a_day_missed_entirely_is_never_made_up_the_next_day(approved, preprod):
    report = golive_run(now=paris(2027, 6, 10, 10, 0))

    assert report.switched == [] and [r.pk for r in report.expired] == [approved.pk]
    assert environment(preprod) == "PRE_PRODUCTION"
    approved.refresh_from_db()
    assert approved.status == "EXPIRED"


def test_a_request_never_approved_expires_at_its_10_00(people, preprod):
    request = golive_request(
        actor=people["admin"],
        merchant_pk=preprod.pk,
        environment="PRODUCTION",
        switch_date=NEXT_DAY,
    )
    assert golive_run(now=paris(2027, 6, 9, 9, 0)).expired == []

    report = golive_run(now=paris(2027, 6, 9, 10, 0))

    assert [r.pk for r in report.expired] == [request.pk]
    assert environment(preprod) == "PRE_PRODUCTION"
    # The shop may ask again for another day.
    again = golive_request(
        actor=people["admin"],
        merchant_pk=preprod.pk,
        environment="PRODUCTION",
        switch_date=dt.date(2027, 6, 14),
        now=paris(2027, 6, 9, 11, 0),
    )
    assert again.status == "PENDING"


def test_the_command_carries_out_what_is_due_and_says_it_was_late(approved, preprod, capsys):
    with time_machine.travel(paris(2027, 6, 9, 9, 30), tick=False):
        call_command("golive_run")
    assert "Nothing due." in capsys.readouterr().out
    with time_machine.travel(paris(2027, 6, 9, 11, 2, 5), tick=False):
        call_command("golive_run")
        call_command("golive_run")
    out = capsys.readouterr().out

    assert (
        out.count("014213245611111 PRE_PRODUCTION -> PRODUCTION switched LATE by 62 min 5 s") == 1
    )
    assert out.count("Nothing due.") == 1
    assert environment(preprod) == "PRODUCTION"


@pytest.mark.parametrize(
    ("last_run", "next_run_utc"),
    [
        # 10:00 Paris is 08:00 UTC in summer time and 09:00 UTC in winter time.
        (paris(2026, 3, 28, 23, 55), dt.datetime(2026, 3, 29, 8, 0, tzinfo=dt.UTC)),
        (paris(2026, 10, 24, 23, 55), dt.datetime(2026, 10, 25, 9, 0, tzinfo=dt.UTC)),
        # And every 5 minutes after, to catch up the same day.
        (paris(2027, 6, 9, 10, 0), dt.datetime(2027, 6, 9, 8, 5, tzinfo=dt.UTC)),
    ],
)
def test_beat_runs_the_switch_at_10_paris_time_then_every_5_minutes(last_run, next_run_utc):
    entry = settings.CELERY_BEAT_SCHEDULE["golive-run"]
    schedule = entry["schedule"]
    schedule.app = app

    last, delta, _now = schedule.remaining_delta(last_run)

    assert entry["task"] == golive_run_task.name
    assert (last + delta).astimezone(dt.UTC) == next_run_utc


def test_the_beat_task_reads_the_clock_and_switches_once(approved, preprod):
    with time_machine.travel(paris(2027, 6, 9, 10, 0, 1), tick=False):
        first = golive_run_task()
        second = golive_run_task()

    assert first == {"switched": [approved.pk], "expired": []}
    assert second == {"switched": [], "expired": []}
    assert environment(preprod) == "PRODUCTION"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_switch_the_shop_once(people, preprod):
    request = golive_request(
        actor=people["admin"],
        merchant_pk=preprod.pk,
        environment="PRODUCTION",
        switch_date=NEXT_DAY,
    )
    golive_approve(actor=people["bank"], request_pk=request.pk)
    barrier = start_together(2)

    def run():
        barrier.wait()
        return golive_run(now=paris(2027, 6, 9, 10, 0))

    runs = [Outcome(run) for _ in range(2)]

    switched = [r.pk for run in runs for r in run.result().switched]

    assert switched == [request.pk]
    assert EnvironmentChange.objects.filter(merchant=preprod).count() == 1
    assert GoLiveRequest.objects.get(pk=request.pk).status == "DONE"
