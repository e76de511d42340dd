import datetime as dt
import zoneinfo

import pytest
from django.conf import settings
from django.core import mail

from gestion.celery import app
from journals.models import Journal
from journals.tasks import journals_daily_run
from tests.factories import make_merchant

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("last_run", "next_run_utc"),
    [
        # Winter → summer time (29 March 2026): 04:00 Paris is 02:00 UTC.
        (dt.datetime(2026, 3, 28, 4, tzinfo=PARIS), dt.datetime(2026, 3, 29, 2, tzinfo=dt.UTC)),
        # Summer → winter time (25 October 2026): 04:00 Paris is 03:00 UTC.
        (dt.datetime(2026, 10, 24, 4, tzinfo=PARIS), dt.datetime(2026, 10, 25, 3, tzinfo=dt.UTC)),
        (dt.datetime(2026, 11, 26, 4, tzinfo=PARIS), dt.datetime(2026, 11, 27, 3, tzinfo=dt.UTC)),
    ],
)
def test_beat_starts_the_daily_run_at_4_paris_time_also_when_clocks_change(last_run, next_run_utc):
    entry = settings.CELERY_BEAT_SCHEDULE["journals-daily-run"]
    schedule = entry["schedule"]
    schedule.app = app

    last, delta, _now = schedule.remaining_delta(last_run)

    assert entry["task"] == journals_daily_run.name
    assert (last + delta).astimezone(dt.UTC) == next_run_utc


def test_the_daily_run_fans_out_one_build_per_active_shop_in_production(
    db, settings, django_capture_on_commit_callbacks
):
    active = [make_merchant(environment="PRODUCTION"), make_merchant(environment="PRODUCTION")]
    # Demo and pre-production shops get no journal (docs/journals.md "Environments").
    not_live = [make_merchant(), make_merchant(environment="PRE_PRODUCTION")]
    closed = make_merchant(environment="PRODUCTION")
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            count = journals_daily_run(journal_date="2026-11-27")
    finally:
        app.conf.task_always_eager = False

    assert count == 2 and len(callbacks) == 2 + 4  # a build per shop, then a send per journal
    built = Journal.objects.filter(journal_date=dt.date(2026, 11, 27))
    assert set(built.values_list("merchant", "kind")) == {
        (m.pk, k) for m in active for k in ("TRANSACTIONS", "OPERATIONS")
    }
    assert not built.filter(merchant__in=[closed, *not_live]).exists()
    assert sorted(built.values_list("state", flat=True)) == ["SENT"] * 4
    assert len(mail.outbox) == 4
