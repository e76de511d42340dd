"""Automatic responses out: each new transaction posted, sealed, to a real HTTP server on a free
local port; every attempt recorded; retried, then SENT or FAILED; the diagnosis of docs/sips.md."""

import datetime as dt
import hashlib
import hmac

import pytest
import time_machine

from gestion.celery import app
from merchants.services import merchant_secret
from operations.services import transaction_duplicate
from tests.factories import UserFactory, grant, make_merchant, make_transaction
from tests.net import free_port
from tests.transactions.receiver import Answer, self_signed_context, start_receiver
from tests.transactions.test_feed import payload
from transactions.autoresponse import automatic_response_deliver
from transactions.models import AutomaticResponseAttempt, DeliveryError, Transaction
from transactions.sips2 import parse_data


@pytest.fixture
def receiver():
    server = start_receiver()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def local(settings):
    """The test receiver is on 127.0.0.1: allowed here only (never in the real settings)."""
    settings.AUTOMATIC_RESPONSE_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.AUTOMATIC_RESPONSE_TIMEOUT = 1.0
    settings.AUTOMATIC_RESPONSE_RETRY_DELAYS = [1, 1]
    return settings


@pytest.fixture
def eager():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def shop(db, receiver, local):
    return make_merchant("014213245611111", automatic_response_url=receiver.url)


def feed(feed_client, django_capture_on_commit_callbacks, **overrides):
    with django_capture_on_commit_callbacks(execute=True):
        response = feed_client.post("/api/v1/transactions/", payload(**overrides), format="json")
    assert response.status_code == 201, response.json()
    return Transaction.objects.get(transaction_id=response.json()["transaction"]["transaction_id"])


def test_a_new_transaction_is_posted_sealed_and_marked_sent(
    feed_client, shop, receiver, eager, django_capture_on_commit_callbacks
):
    t = feed(feed_client, django_capture_on_commit_callbacks)

    t.refresh_from_db()
    assert t.automatic_response_status == "SENT"
    [form] = receiver.received
    secret = merchant_secret(merchant=shop)
    expected = hmac.new(secret.encode(), form["Data"].encode(), hashlib.sha256).hexdigest()
    assert form["Seal"] == expected
    assert form["keyVersion"] == str(shop.secret_key_version)
    assert form["InterfaceVersion"] and form["SealAlgorithm"] == "HMAC-SHA-256"
    fields = parse_data(form["Data"])
    assert fields["merchantId"] == "014213245611111"
    assert fields["s10TransactionId"] == "123456" and fields["amount"] == "1050"
    assert fields["maskedPan"] == "4974########01" and fields["responseCode"] == "00"
    [attempt] = t.automatic_response_attempts.all()
    assert (attempt.http_status, attempt.error, attempt.url) == (200, "", receiver.url)


def test_a_500_then_a_200_is_retried_and_sent_once_with_both_attempts_recorded(
    feed_client, shop, receiver, eager, django_capture_on_commit_callbacks
):
    receiver.answers = [Answer(status=500)]

    t = feed(feed_client, django_capture_on_commit_callbacks)

    t.refresh_from_db()
    assert t.automatic_response_status == "SENT"
    attempts = list(t.automatic_response_attempts.order_by("number"))
    assert [(a.number, a.http_status, a.error) for a in attempts] == [
        (0, 500, DeliveryError.NON_2XX),
        (1, 200, ""),
    ]
    assert len(receiver.received) == 2


def test_failures_past_the_last_retry_make_it_failed(
    feed_client, shop, receiver, eager, django_capture_on_commit_callbacks
):
    receiver.answers = [Answer(status=503)] * 3

    t = feed(feed_client, django_capture_on_commit_callbacks)

    t.refresh_from_db()
    assert t.automatic_response_status == "FAILED"
    assert t.automatic_response_attempts.count() == 3  # the first and two retries


def test_a_shop_without_url_leaves_it_undefined_and_posts_nothing(
    feed_client, local, receiver, eager, django_capture_on_commit_callbacks
):
    make_merchant("014213245611111")

    t = feed(feed_client, django_capture_on_commit_callbacks)

    assert t.automatic_response_status == "UNDEFINED"
    assert not AutomaticResponseAttempt.objects.exists() and not receiver.received


def test_a_page_slower_than_the_timeout_is_a_timeout(shop, receiver, local):
    local.AUTOMATIC_RESPONSE_RETRY_DELAYS = []
    receiver.answers = [Answer(delay=2.5)]
    t = make_transaction(shop)

    outcome = automatic_response_deliver(transaction_pk=t.pk)

    attempt = t.automatic_response_attempts.get()
    assert (outcome.status, attempt.error, attempt.http_status) == ("FAILED", "TIMEOUT", None)
    assert 900 <= attempt.duration_ms < 2500


def test_a_redirect_is_not_followed_and_counts_as_a_failure(shop, receiver, local):
    receiver.answers = [Answer(status=302, location="https://elsewhere.example/")]
    t = make_transaction(shop)

    outcome = automatic_response_deliver(transaction_pk=t.pk)

    attempt = t.automatic_response_attempts.get()
    assert (attempt.http_status, attempt.error) == (302, DeliveryError.REDIRECT)
    assert (outcome.status, outcome.retry_in) == ("PENDING", 1)
    assert len(receiver.received) == 1


def test_a_port_nobody_listens_on_is_a_refused_connection(shop, local):
    shop.automatic_response_url = f"http://127.0.0.1:{free_port()}/sips"
    shop.save()
    t = make_transaction(shop)

    automatic_response_deliver(transaction_pk=t.pk)

    assert t.automatic_response_attempts.get().error == DeliveryError.REFUSED


def test_a_certificate_the_sender_cannot_trust_is_a_tls_failure(shop, local, tmp_path):
    server = start_receiver(self_signed_context(tmp_path))
    shop.automatic_response_url = f"https://127.0.0.1:{server.port}/sips"
    shop.save()
    t = make_transaction(shop)

    try:
        automatic_response_deliver(transaction_pk=t.pk)
    finally:
        server.server.shutdown()
        server.server.server_close()

    assert t.automatic_response_attempts.get().error == DeliveryError.TLS
    assert not server.received


def test_a_host_that_does_not_resolve_is_a_dns_failure(shop, local):
    shop.automatic_response_url = "http://no-such-host.invalid/sips"
    shop.save()
    t = make_transaction(shop)

    automatic_response_deliver(transaction_pk=t.pk)

    assert t.automatic_response_attempts.get().error == DeliveryError.DNS


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3/sips",
        "http://192.168.1.10:8080/sips",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/sips",
        "https://127.0.0.1/sips",
    ],
)
def test_a_private_loopback_or_link_local_address_is_refused_without_connecting(
    shop, settings, url
):
    settings.AUTOMATIC_RESPONSE_ALLOWED_HOSTS = []
    shop.automatic_response_url = url
    shop.save()
    t = make_transaction(shop)

    automatic_response_deliver(transaction_pk=t.pk)

    attempt = t.automatic_response_attempts.get()
    assert (attempt.error, attempt.http_status) == (DeliveryError.FORBIDDEN_ADDRESS, None)


def test_the_receiver_on_loopback_is_refused_unless_the_setting_allows_it(shop, receiver, local):
    local.AUTOMATIC_RESPONSE_ALLOWED_HOSTS = []
    t = make_transaction(shop)

    automatic_response_deliver(transaction_pk=t.pk)

    assert t.automatic_response_attempts.get().error == DeliveryError.FORBIDDEN_ADDRESS
    assert not receiver.received


def test_a_sent_response_is_not_posted_again_nor_the_same_attempt_twice(shop, receiver, local):
    t = make_transaction(shop)

    automatic_response_deliver(transaction_pk=t.pk, number=0)
    automatic_response_deliver(transaction_pk=t.pk, number=0)
    automatic_response_deliver(transaction_pk=t.pk, number=1)

    assert len(receiver.received) == 1
    assert t.automatic_response_attempts.count() == 1


# ---------------------------------------------------------------- the detail page, resend, list


@pytest.fixture
def operator(shop):
    user = UserFactory(username="op")
    grant(user, "OPERATOR", merchant=shop)
    return user


def test_the_detail_page_shows_the_attempts_and_a_diagnosis_in_faq_3_words(
    client, shop, operator, receiver, local
):
    receiver.answers = [Answer(status=302, location="/login")]
    t = make_transaction(shop)
    automatic_response_deliver(transaction_pk=t.pk)
    operator.language = "en"
    operator.save()
    client.force_login(operator)

    page = client.get(t.get_absolute_url()).content.decode()

    assert 'data-testid="attempt"' in page and "302" in page
    assert "Your page answered with a redirect" in page
    assert "reachable from the internet" in page
    operator.language = "fr"
    operator.save()
    page = client.get(t.get_absolute_url()).content.decode()
    assert "Votre page a répondu par une redirection" in page


def test_an_operator_resends_a_failed_response_in_a_new_round(
    client, shop, operator, receiver, local, eager, django_capture_on_commit_callbacks
):
    local.AUTOMATIC_RESPONSE_RETRY_DELAYS = []
    receiver.answers = [Answer(status=500)]
    t = make_transaction(shop)
    automatic_response_deliver(transaction_pk=t.pk)
    t.refresh_from_db()
    assert t.automatic_response_status == "FAILED"
    client.force_login(operator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{t.get_absolute_url()}automatic-response/resend/")

    assert response.status_code == 302
    t.refresh_from_db()
    assert t.automatic_response_status == "SENT"
    assert [(a.round, a.number) for a in t.automatic_response_attempts.order_by("at", "id")] == [
        (0, 0),
        (1, 0),
    ]


def test_a_consulter_may_not_resend(client, shop):
    consulter = UserFactory(username="c")
    grant(consulter, "CONSULTER", merchant=shop)
    t = make_transaction(shop, automatic_response_status="FAILED")
    client.force_login(consulter)

    response = client.post(f"{t.get_absolute_url()}automatic-response/resend/")

    assert response.status_code == 403
    assert not AutomaticResponseAttempt.objects.exists()


def test_the_failing_page_lists_shops_whose_last_deliveries_all_failed(client, shop, operator):
    healthy = make_merchant(automatic_response_url="https://ok.example/")
    grant(operator, "OPERATOR", merchant=healthy)
    base = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    for i in range(3):
        make_transaction(
            shop, automatic_response_status="FAILED", payment_at=base + dt.timedelta(minutes=i)
        )
        # Sent once, then failing twice: failing over the last 2, not over the last 3.
        make_transaction(
            healthy,
            automatic_response_status="SENT" if i == 0 else "FAILED",
            payment_at=base + dt.timedelta(minutes=i),
        )
    make_transaction(healthy, automatic_response_status="UNDEFINED")
    client.force_login(operator)

    def listed(**query):
        page = client.get("/transactions/automatic-responses/failing/", query).content.decode()
        table = page.split('data-testid="failing-shops"', 1)[1].split("</table>", 1)[0]
        return {m for m in (shop.merchant_id, healthy.merchant_id) if m in table}

    assert listed() == {shop.merchant_id}
    assert listed(last="2") == {shop.merchant_id, healthy.merchant_id}


@time_machine.travel(dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC), tick=True)
def test_a_duplicated_transaction_gets_its_automatic_response_too(
    shop, operator, receiver, local, eager, django_capture_on_commit_callbacks
):
    source = make_transaction(shop)

    with django_capture_on_commit_callbacks(execute=True):
        operation = transaction_duplicate(
            transaction=source,
            amount=2500,
            new_transaction_id="777",
            user=operator,
            channel="WEB",
            now=dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC),
        )

    new = operation.new_transaction
    new.refresh_from_db()
    assert new.automatic_response_status == "SENT"
    [form] = receiver.received
    assert parse_data(form["Data"])["s10TransactionId"] == "000777"
