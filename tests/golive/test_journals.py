"""Journals per environment (docs/journals.md "Environments"): a shop in demo or pre-production
gets none; its first journal comes the morning after it goes into production and holds only what
happened from the switch on."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from gestion.celery import app
from journals.models import Journal
from journals.tasks import journals_daily_run
from tests.factories import make_transaction
from tests.journals.conftest import make_op

from .conftest import NEXT_DAY, paris


def test_the_first_journal_comes_the_morning_after_production_without_the_test_traffic(
    people, preprod, django_capture_on_commit_callbacks
):
    from golive.services import golive_approve, golive_request, golive_run

    test_payment = make_transaction(preprod, order_id="PREPROD-TEST")  # 8 June, pre-production
    request = golive_request(
        actor=people["admin"],
        merchant_pk=preprod.pk,
        environment="PRODUCTION",
        switch_date=NEXT_DAY,
    )
    golive_approve(actor=people["bank"], request_pk=request.pk)
    app.conf.task_always_eager = True
    try:
        # 04:00 on the go-live day: still pre-production, no journal.
        with (
            time_machine.travel(paris(2027, 6, 9, 4, 0), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            assert journals_daily_run() == 0
        with time_machine.travel(paris(2027, 6, 9, 9, 30), tick=False):
            before = make_transaction(preprod, order_id="BEFORE-SWITCH")
        golive_run(now=paris(2027, 6, 9, 10, 0))
        with time_machine.travel(paris(2027, 6, 9, 15, 0), tick=False):
            live = make_transaction(preprod, order_id="FIRST-REAL-SALE")
            make_op(test_payment, "CANCEL", 100, "TO_CAPTURE", "TO_CAPTURE")
        # 04:00 the next morning: the first journals.
        with (
            time_machine.travel(paris(2027, 6, 10, 4, 0), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            assert journals_daily_run() == 1
    finally:
        app.conf.task_always_eager = False

    journals = Journal.objects.filter(merchant=preprod)
    first = journals.get(kind="TRANSACTIONS")
    assert first.journal_date == dt.date(2027, 6, 10) and first.sequence == 1
    assert live.order_id in first.content
    assert test_payment.order_id not in first.content and before.order_id not in first.content
    assert first.record_count == 1
    assert journals.get(kind="OPERATIONS").record_count == 1  # made after the switch
    assert len([m for m in mail.outbox if m.subject.startswith("Journal")]) == 2


@pytest.mark.parametrize("environment", ["DEMO", "PRE_PRODUCTION"])
def test_no_journal_is_built_or_sent_for_a_shop_not_in_production(db, environment):
    from tests.factories import make_merchant

    shop = make_merchant(name="Essai", environment=environment)
    make_transaction(shop)

    with pytest.raises(CommandError, match="journals start the day after"):
        call_command("build_journals", "--merchant", shop.merchant_id)
    call_command("build_journals")

    assert not Journal.objects.filter(merchant=shop).exists()
    assert not mail.outbox
