"""The demo's merchant server (manage.py autoresponse_receiver) and the demo's automatic responses:
one shop's responses are SENT (seal checked, 200), another's FAILED (500)."""

import threading
from http.server import ThreadingHTTPServer

import pytest

from demo.management.commands.autoresponse_receiver import Command, Handler
from demo.world import demo_autoresponses
from merchants.models import Merchant
from merchants.services import merchant_rotate_secret
from tests.factories import make_merchant
from tests.net import free_port
from transactions.autoresponse import automatic_response_deliver, automatic_response_form
from transactions.models import Transaction
from transactions.outbound import post_form
from transactions.services import transaction_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def receiver_url(settings):
    settings.AUTOMATIC_RESPONSE_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.AUTOMATIC_RESPONSE_RETRY_DELAYS = []
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    server.command = Command()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_demo_shops_get_sent_and_failed_responses(receiver_url):
    for merchant_id in ("014213245611112", "029800266211111"):
        make_merchant(merchant_id)

    assert demo_autoresponses(receiver_url=receiver_url) == 6
    for t in Transaction.objects.all():
        automatic_response_deliver(transaction_pk=t.pk)

    status = dict(
        Transaction.objects.values_list("merchant__merchant_id", "automatic_response_status")
    )
    assert status == {"014213245611112": "SENT", "029800266211111": "FAILED"}
    assert Merchant.objects.get(merchant_id="014213245611112").automatic_response_url == (
        f"{receiver_url}/ok"
    )
    # Fed once: a second run the same day feeds nothing more.
    assert demo_autoresponses(receiver_url=receiver_url) == 0


def test_the_receiver_refuses_a_seal_made_with_another_key(receiver_url):
    shop = make_merchant("014213245611112", automatic_response_url=f"{receiver_url}/ok")
    t = Transaction.objects.get(pk=_one(shop))
    # The receiver reads the shop's key when the post arrives: a key changed in between no
    # longer matches what was sealed, so the receiver says 403.
    form = automatic_response_form(t)
    merchant_rotate_secret(merchant_pk=shop.pk)
    Merchant.objects.filter(pk=shop.pk).update(secret_key_version=1)

    assert post_form(f"{receiver_url}/ok", form, timeout=5).http_status == 403


def _one(shop) -> int:
    demo_item = {
        "merchant_id": shop.merchant_id,
        "transaction_id": "1",
        "amount": "100",
        "currency_code": "978",
        "payment_means": "CB",
        "card_number": "4974.01",
        "response_code": "00",
        "payment_date": "20261126",
        "payment_time": "101010",
    }
    return transaction_create(item=demo_item).pk
