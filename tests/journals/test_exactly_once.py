"""Exactly once on PostgreSQL, under the faults the issue lists: real connections, real locks."""

import datetime as dt
import os
import signal
import subprocess
import threading
from pathlib import Path

import pytest
from django.db import connection, transaction

from journals.models import Journal, JournalOperation, JournalTransaction
from journals.services import JournalError, journal_build, journals_build_shop
from merchants.models import Merchant
from tests.clock import python_command
from tests.factories import make_transaction
from tests.journals.conftest import DAY, at, make_op
from tests.waiting import DEADLINE, Outcome, start_together, wait_for_event, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def build(shop, day, kind="TRANSACTIONS"):
    return journal_build(merchant_pk=shop.pk, kind=kind, journal_date=day, now=at(4, day=day))[0]


def members(journal):
    return set(
        JournalTransaction.objects.filter(journal=journal).values_list("transaction", flat=True)
    )


def assert_each_once(shop, transactions):
    """Every transaction of the shop is in exactly one journal (the unique line makes ≤ 1 sure)."""
    lines = list(
        JournalTransaction.objects.filter(journal__merchant=shop).values_list(
            "transaction", flat=True
        )
    )
    assert sorted(lines) == sorted(t.pk for t in transactions)


class TableLock:
    """Another connection holding EXCLUSIVE on journals_journal: reads go on, a build's INSERT of
    its journal waits, i.e. the build is held open after it has read its records."""

    def __init__(self):
        self.release = threading.Event()
        self.held = threading.Event()

    def _hold(self):
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("LOCK TABLE journals_journal IN EXCLUSIVE MODE")
            self.held.set()
            if not self.release.wait(DEADLINE):
                raise AssertionError("the test never released the table lock")

    def __enter__(self):
        self.holder = Outcome(self._hold)
        wait_for_event(self.held, self.holder, "the table lock")
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.holder.result()


def blocked_insert():
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE 'INSERT INTO \"journals_journal\"%%'"
        )
        return cur.fetchone()[0]


def wait_for_blocked_insert():
    wait_until(blocked_insert, what="the build to reach its INSERT")


def test_a_record_committed_while_a_build_is_held_open_goes_in_the_next_journal(shop):
    before = make_transaction(shop)
    with TableLock():
        building = Outcome(build, shop, DAY)
        wait_for_blocked_insert()
        during = make_transaction(shop)  # committed while the build is open
    first = building.result()
    second = build(shop, DAY + dt.timedelta(days=1))

    assert members(first) == {before.pk}
    assert members(second) == {during.pk}
    assert_each_once(shop, [before, during])


def test_a_lower_id_committed_after_a_higher_one_is_not_lost(shop):
    """Ids are handed out at INSERT, visible at COMMIT: a high-water mark alone would skip it."""
    inserted, release = threading.Event(), threading.Event()

    def slow_writer():
        with transaction.atomic():
            t = make_transaction(shop)
            inserted.set()
            if not release.wait(DEADLINE):
                raise AssertionError("the test never let the slow writer commit")
        return t

    writing = Outcome(slow_writer)
    wait_for_event(inserted, writing, "the slow writer's INSERT")
    high = make_transaction(shop)
    first = build(shop, DAY)
    release.set()
    low = writing.result()
    second = build(shop, DAY + dt.timedelta(days=1))

    assert low.pk < high.pk
    assert members(first) == {high.pk}
    assert members(second) == {low.pk}
    assert_each_once(shop, [low, high])


def test_two_builds_of_the_same_date_racing_give_one_journal(shop):
    records = [make_transaction(shop) for _ in range(30)]
    barrier = start_together(2)

    def racer():
        barrier.wait()
        return journal_build(
            merchant_pk=shop.pk, kind="TRANSACTIONS", journal_date=DAY, now=at(4, day=DAY)
        )

    runs = [Outcome(racer) for _ in range(2)]
    outcomes = [run.result() for run in runs]

    assert sorted(created for _, created in outcomes) == [False, True]
    assert outcomes[0][0].pk == outcomes[1][0].pk
    assert Journal.objects.filter(merchant=shop).count() == 1
    assert_each_once(shop, records)


def test_two_overlapping_runs_for_different_dates_share_the_records_without_overlap(shop):
    records = [make_transaction(shop) for _ in range(30)]
    barrier = start_together(3)
    late_records = []

    def racer(day):
        barrier.wait()
        return build(shop, day)

    def writer():
        barrier.wait()
        for _ in range(20):
            late_records.append(make_transaction(shop))

    earlier, later = Outcome(racer, DAY), Outcome(racer, DAY + dt.timedelta(days=1))
    writing = Outcome(writer)
    later.result()
    writing.result()
    # If the later date won the lock, the earlier one is refused (journals follow one another
    # by date) and stores nothing: its records are in the later journal.
    refused = earlier.error()
    if refused is not None and not isinstance(refused, JournalError):
        raise refused
    build(shop, DAY + dt.timedelta(days=2))  # whatever the races left

    sequences = sorted(Journal.objects.filter(merchant=shop).values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1))
    assert len(sequences) == (3 if refused is None else 2)
    assert_each_once(shop, records + late_records)


def test_a_build_killed_before_it_commits_leaves_nothing_and_the_next_one_takes_all(shop):
    Merchant.objects.filter(pk=shop.pk).update(environment="PRODUCTION")
    records = [make_transaction(shop) for _ in range(5)]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": (
            f"postgres://{connection.settings_dict['USER']}@{connection.settings_dict['HOST']}:"
            f"{connection.settings_dict['PORT'] or 5432}/{connection.settings_dict['NAME']}"
        ),
    }
    with TableLock():
        worker = subprocess.Popen(
            python_command(
                "manage.py",
                "build_journals",
                "--date",
                DAY.isoformat(),
                "--merchant",
                shop.merchant_id,
            ),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(
            lambda: blocked_insert() or worker.poll() is not None, what="the command's INSERT"
        )
        assert worker.poll() is None, "build_journals ended before it reached its INSERT"
        worker.send_signal(signal.SIGKILL)
        worker.wait(DEADLINE)
    assert not Journal.objects.filter(merchant=shop).exists()

    journal = build(shop, DAY)
    assert journal.sequence == 1
    assert_each_once(shop, records)


def assert_each_operation_once(shop, operations):
    lines = list(
        JournalOperation.objects.filter(journal__merchant=shop).values_list("operation", flat=True)
    )
    assert sorted(lines) == sorted(o.pk for o in operations)


def test_two_workers_building_a_shop_together_give_one_journal_of_each_kind(shop):
    """The daily run's task (both kinds in one DB transaction) run twice at once: the second
    waits on the cursors the first locked, then finds its journals (never a line twice)."""
    yesterday = DAY - dt.timedelta(days=1)
    # The cursors exist already (as on every day but the first): only their lock serialises.
    journals_build_shop(merchant_pk=shop.pk, journal_date=yesterday, now=at(4, day=yesterday))
    records = [make_transaction(shop) for _ in range(30)]
    operations = [make_op(t, "CANCEL", 10, "TO_CAPTURE", "TO_CAPTURE") for t in records[:10]]
    barrier = start_together(2)

    def worker():
        barrier.wait()
        return journals_build_shop(merchant_pk=shop.pk, journal_date=DAY, now=at(4, day=DAY))

    runs = [Outcome(worker) for _ in range(2)]
    outcomes = [run.result() for run in runs]

    assert sorted([created for _, created in built] for built in outcomes) == [
        [False, False],
        [True, True],
    ]
    assert {j.pk for j, _ in outcomes[0]} == {j.pk for j, _ in outcomes[1]}
    assert Journal.objects.filter(merchant=shop, journal_date=DAY).count() == 2
    assert_each_once(shop, records)
    assert_each_operation_once(shop, operations)


def test_a_shop_build_and_a_single_kind_build_racing_over_dates_never_double_a_line(shop):
    """A shop's run for one date and a hand build of one kind for the next, while records keep
    coming: the cursors serialise them (same lock order, no deadlock), each record once."""
    yesterday = DAY - dt.timedelta(days=1)
    journals_build_shop(merchant_pk=shop.pk, journal_date=yesterday, now=at(4, day=yesterday))
    records = [make_transaction(shop) for _ in range(30)]
    barrier = start_together(3)
    late = []

    def shop_run():
        barrier.wait()
        return journals_build_shop(merchant_pk=shop.pk, journal_date=DAY, now=at(4, day=DAY))

    def by_hand():
        barrier.wait()
        return build(shop, DAY + dt.timedelta(days=1))

    def writer():
        barrier.wait()
        for _ in range(20):
            late.append(make_transaction(shop))

    running, hand, writing = Outcome(shop_run), Outcome(by_hand), Outcome(writer)
    hand.result()
    writing.result()
    # If the hand build of the later date went first, the shop's run is refused (journals
    # follow one another by date) and stores nothing.
    refused = running.error()
    if refused is not None and not isinstance(refused, JournalError):
        raise refused
    build(shop, DAY + dt.timedelta(days=2))  # whatever the race left

    sequences = sorted(
        Journal.objects.filter(merchant=shop, kind="TRANSACTIONS").values_list(
            "sequence", flat=True
        )
    )
    assert sequences == list(range(1, len(sequences) + 1))
    assert_each_once(shop, records + late)


def test_running_the_day_again_adds_nothing(shop):
    records = [make_transaction(shop) for _ in range(5)]
    first = journals_build_shop(merchant_pk=shop.pk, journal_date=DAY, now=at(4, day=DAY))
    lines = (JournalTransaction.objects.count(), JournalOperation.objects.count())
    again = journals_build_shop(merchant_pk=shop.pk, journal_date=DAY, now=at(5, day=DAY))

    assert [created for _, created in first] == [True, True]
    assert [(j.pk, created) for j, created in again] == [(j.pk, False) for j, _ in first]
    assert (JournalTransaction.objects.count(), JournalOperation.objects.count()) == lines
    assert_each_once(shop, records)
