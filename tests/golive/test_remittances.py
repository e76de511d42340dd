"""Remittances per environment (docs/go-live.md): a shop's evening remittance reaches the bank
only once the shop is in production; the evening of its go-live day is its first one sent."""

import datetime as dt

import pytest
import time_machine

from golive.services import golive_approve, golive_request, golive_run
from operations.models import Remittance
from operations.services.remittance import remittance_run
from tests.factories import make_transaction

from .conftest import NEXT_DAY, paris


def test_the_remittance_is_sent_to_the_bank_from_the_evening_of_the_go_live(people, preprod):
    # Tuesday 8 June 2027, pre-production: the fixture's authorised payment is captured tonight.
    remittance_run(run_date=dt.date(2027, 6, 8), now=paris(2027, 6, 8, 22, 0))
    request = golive_request(
        actor=people["admin"],
        merchant_pk=preprod.pk,
        environment="PRODUCTION",
        switch_date=NEXT_DAY,
    )
    golive_approve(actor=people["bank"], request_pk=request.pk)
    golive_run(now=paris(2027, 6, 9, 10, 0))
    with time_machine.travel(paris(2027, 6, 9, 15, 0), tick=False):
        make_transaction(preprod, amount=4200)  # the first real sale, captured tonight

    remittance_run(run_date=NEXT_DAY, now=paris(2027, 6, 9, 22, 0))

    sent = dict(
        Remittance.objects.filter(merchant=preprod).values_list("remittance_date", "sent_to_bank")
    )
    assert sent == {dt.date(2027, 6, 8): False, NEXT_DAY: True}


@pytest.mark.parametrize("environment", ["DEMO", "PRE_PRODUCTION"])
def test_a_shop_not_in_production_is_never_remitted_to_a_bank(db, at_now, environment):
    from tests.factories import make_merchant

    shop = make_merchant(name="Essai", environment=environment)
    make_transaction(shop)

    remittance_run(run_date=dt.date(2027, 6, 8), now=paris(2027, 6, 8, 22, 0))

    record = Remittance.objects.get(merchant=shop)
    assert record.sent_to_bank is False and record.debit_count == 1
