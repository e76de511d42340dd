"""Asking, approving, refusing, withdrawing: who may, what is checked, saved and told."""

import pytest
from django.core import mail
from django.utils import translation

from golive import rules
from golive.models import EnvironmentChange, GoLiveRequest
from golive.services import (
    GoLiveRefused,
    golive_approve,
    golive_refuse,
    golive_request,
    golive_run,
    golive_withdraw,
)
from merchants.models import AuditRecord, Merchant
from tests.factories import make_transaction

from .conftest import FRIDAY, NEXT_DAY, paris


def ask(actor, shop, environment="PRODUCTION", day=NEXT_DAY):
    return golive_request(
        actor=actor, merchant_pk=shop.pk, environment=environment, switch_date=day
    )


def test_user_admin_asks_production_the_bank_approves_and_10_00_switches_it(
    people, preprod, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = ask(people["admin"], preprod)
    received = {m.to[0]: m for m in mail.outbox}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        golive_approve(actor=people["bank"], request_pk=request.pk)
    approved = {m.to[0]: m for m in mail.outbox}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report = golive_run(now=paris(2027, 6, 9, 10, 0))
    done = {m.to[0]: m for m in mail.outbox}

    preprod.refresh_from_db()
    request.refresh_from_db()
    assert preprod.environment == "PRODUCTION"
    assert report.switched == [request] and request.status == "DONE"
    assert request.done_at == paris(2027, 6, 9, 10, 0) and request.late_by_seconds == 0
    change = EnvironmentChange.objects.get(merchant=preprod)
    assert (change.from_environment, change.environment) == ("PRE_PRODUCTION", "PRODUCTION")
    assert (change.requested_by_username, change.approved_by_username) == ("useradmin", "adviser")
    audit = AuditRecord.objects.get(object_id=str(preprod.pk), field="environment")
    assert (audit.old_value, audit.new_value) == ("PRE_PRODUCTION", "PRODUCTION")
    assert "adviser" in audit.actor_username
    # Every step told the shop's users and the bank, each in their own language.
    everyone = {"admin@shop.test", "consulter@shop.test", "operator@shop.test", "adviser@bank.test"}
    assert set(received) == set(approved) == set(done) == everyone
    assert received["admin@shop.test"].subject.startswith("Go-live request received")
    assert received["consulter@shop.test"].subject.startswith("Demande de mise en production")
    assert "2027-06-09" in approved["adviser@bank.test"].subject
    assert "10:00" in approved["admin@shop.test"].body
    assert done["admin@shop.test"].subject == "Shop 014213245611111 is now in Production"
    assert "stranger@other.test" not in received


def test_the_bank_refuses_with_a_reason_and_the_shop_is_told(
    people, preprod, django_capture_on_commit_callbacks
):
    request = ask(people["admin"], preprod)
    with pytest.raises(GoLiveRefused) as blank:
        golive_refuse(actor=people["bank"], request_pk=request.pk, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        golive_refuse(actor=people["bank"], request_pk=request.pk, reason="Signed report missing.")

    request.refresh_from_db()
    assert "motif" in blank.value.message  # French, the default language
    assert request.status == "REFUSED" and request.reason == "Signed report missing."
    to_admin = next(m for m in mail.outbox if m.to == ["admin@shop.test"])
    assert "refused" in to_admin.subject and "Signed report missing." in to_admin.body
    assert golive_run(now=paris(2027, 6, 9, 10, 0)).switched == []
    preprod.refresh_from_db()
    assert preprod.environment == "PRE_PRODUCTION"


def test_a_request_may_be_withdrawn_before_approval_only(
    people, preprod, demo, django_capture_on_commit_callbacks
):
    first = ask(people["admin"], preprod)
    with django_capture_on_commit_callbacks(execute=True):
        golive_withdraw(actor=people["admin"], request_pk=first.pk)
    second = ask(people["admin"], preprod)  # the shop may ask again
    golive_approve(actor=people["bank"], request_pk=second.pk)

    with pytest.raises(GoLiveRefused) as late:
        golive_withdraw(actor=people["admin"], request_pk=second.pk)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "WITHDRAWN" and second.status == "APPROVED"
    assert late.value.code == "24"
    assert any("withdrawn" in m.subject for m in mail.outbox)


@pytest.mark.parametrize("who", ["consulter", "operator"])
def test_a_consulter_or_an_operator_may_not_ask(people, preprod, who):
    with pytest.raises(GoLiveRefused) as refused:
        ask(people[who], preprod)

    assert refused.value.code == "40"
    assert not GoLiveRequest.objects.exists()


def test_another_shops_user_admin_cannot_even_find_the_shop(people, preprod):
    with pytest.raises(GoLiveRefused) as refused:
        ask(people["stranger"], preprod)
    request = ask(people["admin"], preprod)
    with pytest.raises(GoLiveRefused) as withdraw:
        golive_withdraw(actor=people["stranger"], request_pk=request.pk)

    assert refused.value.code == "25" and withdraw.value.code == "25"
    assert GoLiveRequest.objects.get().status == "PENDING"


def test_only_bank_staff_approve_or_refuse(people, preprod):
    request = ask(people["admin"], preprod)

    for who in ("admin", "consulter"):
        with pytest.raises(GoLiveRefused) as refused:
            golive_approve(actor=people[who], request_pk=request.pk)
        assert refused.value.code == "40"
        with pytest.raises(GoLiveRefused):
            golive_refuse(actor=people[who], request_pk=request.pk, reason="no")
    request.refresh_from_db()
    assert request.status == "PENDING"


def test_a_second_request_in_progress_is_refused(people, preprod):
    ask(people["admin"], preprod)

    with pytest.raises(GoLiveRefused) as refused:
        ask(people["bank"], preprod, day=paris(2027, 6, 14, 0).date())

    assert refused.value.code == "24" and "en cours" in refused.value.message
    assert GoLiveRequest.objects.count() == 1


def test_a_friday_is_refused_with_the_rules_wording_and_the_next_possible_day(people, preprod):
    with pytest.raises(GoLiveRefused) as refused:
        ask(people["admin"], preprod, day=FRIDAY)

    assert str(rules.RULE_WEEKDAY) in refused.value.message
    assert "2027-06-09" in refused.value.message  # the first possible day
    assert not GoLiveRequest.objects.exists()


def test_production_needs_an_authorised_payment_in_pre_production(people, db, at_now):
    from tests.factories import make_merchant

    shop = make_merchant(name="Sans paiement", environment="PRE_PRODUCTION")
    from merchants.models import Access
    from tests.factories import grant

    grant(people["admin"], Access.Role.USER_ADMIN, merchant=shop)
    make_transaction(shop, response_code="05", status="REFUSED")  # refused: does not count

    with pytest.raises(GoLiveRefused) as refused:
        ask(people["admin"], shop)
    make_transaction(shop, response_code="00")
    request = ask(people["admin"], shop)

    assert refused.value.message == str(rules.RULE_PAYMENT)
    assert request.environment == "PRODUCTION"


def test_a_payment_made_in_demo_does_not_count_for_production(
    people, demo, django_capture_on_commit_callbacks
):
    make_transaction(demo, response_code="00")  # the simulator's, in DEMO
    request = ask(people["admin"], demo, environment="PRE_PRODUCTION")
    golive_approve(actor=people["bank"], request_pk=request.pk)
    golive_run(now=paris(2027, 6, 9, 10, 0))
    demo.refresh_from_db()
    assert demo.environment == "PRE_PRODUCTION"

    with pytest.raises(GoLiveRefused) as refused:
        golive_request(
            actor=people["admin"],
            merchant_pk=demo.pk,
            environment="PRODUCTION",
            switch_date=paris(2027, 6, 14, 0).date(),
            now=paris(2027, 6, 10, 11, 0),
        )

    assert refused.value.message == str(rules.RULE_PAYMENT)


def test_one_step_at_a_time_and_nothing_after_production(people, demo, preprod):
    with translation.override("en"), pytest.raises(GoLiveRefused) as skip:
        ask(people["admin"], demo, environment="PRODUCTION")
    Merchant.objects.filter(pk=preprod.pk).update(environment="PRODUCTION")
    with pytest.raises(GoLiveRefused) as beyond:
        ask(people["bank"], preprod, environment="PRODUCTION")

    assert "next step is Pre-production" in skip.value.message
    assert beyond.value.code == "24"
    assert not GoLiveRequest.objects.exists()


def test_approval_after_the_go_live_time_is_refused(people, preprod):
    request = ask(people["admin"], preprod)

    with pytest.raises(GoLiveRefused) as refused:
        golive_approve(actor=people["bank"], request_pk=request.pk, now=paris(2027, 6, 9, 10, 0))

    assert refused.value.code == "24"
    request.refresh_from_db()
    assert request.status == "PENDING"


def test_the_database_refuses_two_requests_in_progress_for_one_shop(people, preprod):
    from django.db import IntegrityError, transaction

    first = ask(people["admin"], preprod)

    with pytest.raises(IntegrityError), transaction.atomic():
        GoLiveRequest.objects.create(
            merchant=preprod,
            from_environment="PRE_PRODUCTION",
            environment="PRODUCTION",
            switch_date=first.switch_date,
            requested_at=first.requested_at,
        )
