"""The nightly remittance on frozen dates, including the days the clocks change."""

import datetime as dt

import pytest
import time_machine
from django.core.management import CommandError, call_command

from operations.models import Operation
from operations.services import remittance_run, transaction_refund, transaction_validate
from operations.services.remittance import merchants_due, remittance_due_date
from tests.operations.conftest import PARIS, in_status, paris
from transactions.models import Status

SPRING = dt.date(2026, 3, 29)  # last Sunday of March: 02:00 → 03:00, Paris is UTC+2 by evening
AUTUMN = dt.date(2026, 10, 25)  # last Sunday of October: 03:00 → 02:00, Paris is UTC+1
DAY = dt.timedelta(days=1)


def world(merchant, day):
    """One transaction of each kind due at `day`'s remittance, and one due the day after."""
    noon = paris(day.year, day.month, day.day, 12)
    make = lambda status, due, **kw: in_status(  # noqa: E731
        merchant, status, payment_at=noon - dt.timedelta(days=3), capture_date=due, **kw
    )
    return {
        "capture": make(Status.TO_CAPTURE, day, amount=4200),
        "capture_late": make(Status.TO_CAPTURE, day - 2 * DAY),
        "capture_tomorrow": make(Status.TO_CAPTURE, day + DAY),
        "expire": make(Status.TO_VALIDATE, day),
        "expire_tomorrow": make(Status.TO_VALIDATE, day + DAY),
        "credit": make(Status.CAPTURED, day - DAY),
    }


def statuses(w):
    for t in w.values():
        t.refresh_from_db()
    return {name: t.status for name, t in w.items()}


@pytest.mark.parametrize(
    "day,start_utc",
    [(SPRING, dt.datetime(2026, 3, 29, 20, 0, tzinfo=dt.UTC)),
     (AUTUMN, dt.datetime(2026, 10, 25, 21, 0, tzinfo=dt.UTC))],
)  # fmt: skip
def test_the_remittance_at_22_paris_on_the_days_clocks_change(merchant, operator, day, start_utc):
    w = world(merchant, day)
    # Refunded in full at 21:59 Paris that evening: credited tonight.
    transaction_refund(
        transaction=w["credit"], amount=10000, user=operator, channel="WEB",
        now=start_utc - dt.timedelta(minutes=1),
    )  # fmt: skip

    with time_machine.travel(start_utc - dt.timedelta(seconds=1), tick=False):
        call_command("run_remittance")  # 21:59:59 Paris: the latest remittance due is yesterday's
    assert statuses(w)["capture"] == Status.TO_CAPTURE
    assert statuses(w)["capture_late"] == Status.CAPTURED

    with time_machine.travel(start_utc, tick=False):
        call_command("run_remittance")

    assert statuses(w) == {
        "capture": Status.CAPTURED,
        "capture_late": Status.CAPTURED,
        "capture_tomorrow": Status.TO_CAPTURE,
        "expire": Status.EXPIRED,
        "expire_tomorrow": Status.TO_VALIDATE,
        "credit": Status.CREDITED,
    }
    assert w["capture"].captured_amount == 4200
    ops = Operation.objects.filter(channel="BATCH", created_at=start_utc)
    assert sorted((o.kind, o.transaction_id, o.amount) for o in ops) == sorted(
        [
            ("DEBIT_CAPTURE", w["capture"].pk, 4200),
            ("EXPIRED", w["expire"].pk, 10000),
            ("CREDIT_CAPTURE", w["credit"].pk, 10000),
        ]
    )
    assert all(o.user_id is None and o.response_code == "00" for o in ops)


def test_the_due_date_is_the_paris_evening_whatever_the_utc_offset():
    assert remittance_due_date(dt.datetime(2026, 3, 29, 19, 59, 59, tzinfo=dt.UTC)) == SPRING - DAY
    assert remittance_due_date(dt.datetime(2026, 3, 29, 20, 0, tzinfo=dt.UTC)) == SPRING
    assert remittance_due_date(dt.datetime(2026, 10, 25, 20, 30, tzinfo=dt.UTC)) == AUTUMN - DAY
    assert remittance_due_date(dt.datetime(2026, 10, 25, 21, 0, tzinfo=dt.UTC)) == AUTUMN
    # After midnight it is still the evening before's remittance (a late worker).
    assert remittance_due_date(paris(2026, 10, 26, 1, 30)) == AUTUMN


def test_running_it_twice_changes_nothing_more(merchant):
    day = dt.date(2026, 11, 26)
    w = world(merchant, day)
    first = remittance_run(run_date=day, now=paris(2026, 11, 26, 22))
    after_first = statuses(w)
    count = Operation.objects.count()

    second = remittance_run(run_date=day, now=paris(2026, 11, 26, 22, 5))

    nothing = dict.fromkeys(
        ["AUTHOR_BATCH", "AUTHOR", "EXPIRED", "DEBIT_CAPTURE", "CREDIT_CAPTURE"], 0
    )
    assert first == {**nothing, "DEBIT_CAPTURE": 2, "EXPIRED": 1}
    assert second == nothing
    assert statuses(w) == after_first
    assert Operation.objects.count() == count
    assert merchants_due(run_date=day) == []


def test_a_missed_night_is_caught_by_the_next_run(merchant):
    day = dt.date(2026, 11, 26)
    w = world(merchant, day)

    remittance_run(run_date=day + DAY, now=paris(2026, 11, 27, 22))

    assert statuses(w)["capture"] == statuses(w)["capture_tomorrow"] == Status.CAPTURED
    assert statuses(w)["expire_tomorrow"] == Status.EXPIRED


def test_a_late_run_for_yesterday_leaves_what_happened_today_for_tonight(merchant, operator):
    yesterday = dt.date(2026, 11, 25)
    t = in_status(merchant, Status.CAPTURED, payment_at=paris(2026, 11, 20, 10))
    transaction_refund(
        transaction=t, amount=10000, user=operator, channel="WEB", now=paris(2026, 11, 26, 9)
    )

    remittance_run(run_date=yesterday, now=paris(2026, 11, 26, 10))

    t.refresh_from_db()
    assert t.status == Status.TO_CREDIT
    remittance_run(run_date=dt.date(2026, 11, 26), now=paris(2026, 11, 26, 22))
    t.refresh_from_db()
    assert t.status == Status.CREDITED


def test_a_validation_after_the_window_goes_with_the_next_remittance_even_if_tonights_runs_late(
    merchant, operator
):
    t = in_status(
        merchant,
        Status.TO_VALIDATE,
        payment_at=paris(2026, 11, 24, 10),
        capture_day=5,
        capture_date=dt.date(2026, 11, 29),
    )
    transaction_validate(
        transaction=t, amount=10000, user=operator, channel="WEB", now=paris(2026, 11, 26, 23, 30)
    )
    t.refresh_from_db()
    assert t.capture_date == dt.date(2026, 11, 27)

    # Tonight's remittance (26th), run late after the validation: not its business.
    remittance_run(run_date=dt.date(2026, 11, 26), now=paris(2026, 11, 26, 23, 45))
    t.refresh_from_db()
    assert t.status == Status.TO_CAPTURE

    remittance_run(run_date=dt.date(2026, 11, 27), now=paris(2026, 11, 27, 22))
    t.refresh_from_db()
    assert (t.status, t.captured_amount) == (Status.CAPTURED, 10000)


def test_a_partly_cancelled_transaction_is_captured_for_what_is_left(merchant, operator):
    from operations.services import transaction_cancel

    day = dt.date(2026, 11, 26)
    t = in_status(merchant, Status.TO_CAPTURE, payment_at=paris(2026, 11, 26, 9), capture_date=day)
    transaction_cancel(
        transaction=t, amount=2500, user=operator, channel="WEB", now=paris(2026, 11, 26, 10)
    )

    remittance_run(run_date=day, now=paris(2026, 11, 26, 22))

    t.refresh_from_db()
    assert (t.status, t.amount, t.captured_amount) == (Status.CAPTURED, 7500, 7500)


def test_the_command_refuses_a_bad_or_future_date(db):
    with time_machine.travel(paris(2026, 11, 26, 10), tick=False):
        with pytest.raises(CommandError, match="YYYY-MM-DD"):
            call_command("run_remittance", "--date", "26/11/2026")
        with pytest.raises(CommandError, match="not started yet"):
            call_command("run_remittance", "--date", "2026-11-26")
        call_command("run_remittance", "--date", "2026-11-25")


def test_beat_fires_the_remittance_at_22_paris_on_both_clock_change_days():
    from gestion.celery import app

    schedule = app.conf.beat_schedule["remittance"]["schedule"]
    schedule.app = app
    assert app.conf.timezone == "Europe/Paris"
    for day, expected_utc in [(SPRING, 20), (AUTUMN, 21)]:
        last = dt.datetime.combine(day - DAY, dt.time(22, 0), tzinfo=PARIS)
        now = last + dt.timedelta(minutes=30)
        with time_machine.travel(now, tick=False):
            next_run = now.astimezone(dt.UTC) + schedule.remaining_estimate(last)
        assert next_run.astimezone(dt.UTC) == dt.datetime.combine(
            day, dt.time(expected_utc, 0), tzinfo=dt.UTC
        )
