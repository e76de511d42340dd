import datetime as dt

import pytest
from django.core import mail

from journals.models import Journal
from journals.services import RETRY_DELAYS, journal_build, journal_send, journals_due_for_delivery
from tests.factories import make_transaction
from tests.journals.conftest import MORNING
from tests.journals.smtp import start_smtp
from tests.net import free_port


def build(shop, kind="TRANSACTIONS"):
    return journal_build(merchant_pk=shop.pk, kind=kind, journal_date=MORNING.date(), now=MORNING)[
        0
    ]


@pytest.fixture
def smtp_settings(settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    return port


def test_an_empty_journal_is_built_and_sent_with_its_file_and_seal(shop):
    journal = build(shop, "OPERATIONS")

    assert journal_send(journal_pk=journal.pk, now=MORNING) == "SENT"

    (message,) = mail.outbox
    assert message.to == ["j@shop.test"]
    # Subject (translated): merchant_id, kind, date and sequence number.
    for part in ("014213245611111", "OPERATIONS", "2026-11-27", "000001"):
        assert part in message.subject
    assert journal.sha256 in message.body and journal.seal in message.body
    (part,) = message.attachments
    assert part.get_filename() == "JO_014213245611111_20261127_000001.csv"
    assert part.get_payload(decode=True) == journal.content.encode()
    journal.refresh_from_db()
    assert (journal.state, journal.attempts) == ("SENT", 1)


def test_a_sent_journal_is_not_sent_again_by_a_second_task(shop):
    journal = build(shop)
    journal_send(journal_pk=journal.pk, now=MORNING)
    assert journal_send(journal_pk=journal.pk, now=MORNING) == "SENT"
    assert journal_send(journal_pk=journal.pk, now=MORNING, ignore_backoff=True) == "SENT"
    assert len(mail.outbox) == 1


def test_smtp_down_then_up_sends_once_with_the_content_unchanged(shop, smtp_settings):
    make_transaction(shop, amount=1234)
    journal = build(shop)
    content, seal = journal.content, journal.seal

    # Down: nothing listens on the port.
    assert journal_send(journal_pk=journal.pk, now=MORNING) == "FAILED"
    journal.refresh_from_db()
    # The error names what failed (its class), not the OS's wording, which varies.
    assert journal.attempts == 1 and journal.last_error.startswith("ConnectionRefusedError:")
    assert journal.next_attempt_at == MORNING + RETRY_DELAYS[0]
    # Not due yet: the sweep leaves it alone.
    assert journal.pk not in journals_due_for_delivery(now=MORNING + dt.timedelta(minutes=1))

    controller, inbox = start_smtp(smtp_settings)
    try:
        later = MORNING + RETRY_DELAYS[0]
        assert journals_due_for_delivery(now=later) == [journal.pk]
        assert journal_send(journal_pk=journal.pk, now=later) == "SENT"
        # A second worker picking the same retry does nothing.
        assert journal_send(journal_pk=journal.pk, now=later) == "SENT"
    finally:
        controller.stop()

    assert len(inbox.messages) == 1
    ((subject, filename, data),) = inbox.attachments()
    assert "014213245611111" in subject and "000001" in subject
    assert filename == journal.filename
    journal.refresh_from_db()
    assert data == content.encode() == journal.content.encode()
    assert journal.seal == seal and journal.state == "SENT" and journal.attempts == 2


def test_retries_go_on_for_more_than_six_hours_then_wait_for_a_person(shop, smtp_settings):
    journal = build(shop)
    now = MORNING
    while True:
        journal_send(journal_pk=journal.pk, now=now)
        journal.refresh_from_db()
        if journal.next_attempt_at is None:
            break
        now = journal.next_attempt_at

    assert journal.state == "FAILED"
    assert now - MORNING >= dt.timedelta(hours=6)
    assert journal.attempts == len(RETRY_DELAYS) + 1
    assert journal.pk not in journals_due_for_delivery(now=now + dt.timedelta(days=1))


def test_a_delivery_interrupted_after_smtp_may_have_accepted_is_never_resent_automatically(shop):
    journal = build(shop)
    # A worker marked it SENDING, then died before recording the outcome.
    Journal.objects.filter(pk=journal.pk).update(
        state="SENDING", last_attempt_at=MORNING, attempts=1
    )

    assert journal_send(journal_pk=journal.pk, now=MORNING + dt.timedelta(minutes=1)) == "SENDING"
    assert journals_due_for_delivery(now=MORNING + dt.timedelta(hours=1)) == []
    journal.refresh_from_db()
    assert journal.state == "FAILED" and "not resent automatically" in journal.last_error
    assert journal.delivery_uncertain
    assert journal_send(journal_pk=journal.pk, now=MORNING + dt.timedelta(hours=2)) == "FAILED"
    # Not even a catch-up by hand (build_journals) sends it again: only an explicit resend.
    assert journal_send(journal_pk=journal.pk, ignore_backoff=True) == "FAILED"
    assert mail.outbox == []

    # Bank staff resend it on demand.
    assert journal_send(journal_pk=journal.pk, resend=True) == "SENT"
    assert len(mail.outbox) == 1
    journal.refresh_from_db()
    assert not journal.delivery_uncertain


def test_a_shop_without_journal_address_fails_with_a_clear_error(shop):
    shop.journal_email = ""
    shop.save(update_fields=["journal_email"])
    journal = build(shop)

    assert journal_send(journal_pk=journal.pk, now=MORNING) == "FAILED"
    journal.refresh_from_db()
    assert journal.last_error == "The shop has no journal e-mail address."
    assert mail.outbox == []
