import datetime as dt
import hashlib

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from merchants.models import Access, Merchant, MerchantGroup, User
from operations.models import Operation
from transactions.models import Status, Transaction

# The demo world is laid out around "now" (today's payments, tonight's credits): the tests build
# it at a stated instant, so a run across a Paris midnight cannot see two different worlds.
DEMO_NOW = dt.datetime(2026, 11, 27, 11, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def stated_now():
    with time_machine.travel(DEMO_NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def development(settings):
    # seed_demo is a development command (pytest-django runs tests with DEBUG off).
    settings.DEBUG = True


def _fingerprint():
    """A digest of every demo row, to prove a second run changes nothing."""
    digest = hashlib.sha256()
    for model in (Merchant, MerchantGroup, User, Access, Transaction, Operation):
        for row in model.objects.order_by("pk").values_list():
            digest.update(repr(row).encode())
    return digest.hexdigest()


def test_seed_demo_creates_the_demo_world(db):
    call_command("seed_demo", transactions=1500)

    assert set(Merchant.objects.values_list("merchant_id", flat=True)) == {
        "014213245611111",
        "014213245611112",
        "029800266211111",
    }
    group = MerchantGroup.objects.get(name="Démo")
    assert set(group.merchants.values_list("merchant_id", flat=True)) == {
        "014213245611111",
        "014213245611112",
    }
    assert User.objects.get(username="bank").is_bank_staff
    assert User.objects.get(username="paymentserver").is_payment_server
    assert not User.objects.get(username="paymentserver").has_usable_password()
    assert User.objects.get(username="operator").check_password("gestion-demo")
    assert Access.objects.filter(user__username="groupop", group=group, role="OPERATOR").exists()
    assert Transaction.objects.count() == 1500
    for merchant in Merchant.objects.all():
        assert merchant.transactions.exists()
    statuses = set(Transaction.objects.values_list("status", flat=True))
    assert statuses >= {
        Status.REFUSED,
        Status.CAPTURED,
        Status.CANCELLED,
        Status.EXPIRED,
        Status.CREDITED,
    }
    refused = Transaction.objects.filter(status=Status.REFUSED).count()
    assert 0.04 < refused / 1500 < 0.12
    currencies = set(Transaction.objects.values_list("currency_code", flat=True))
    assert {"978", "840", "826", "392"} <= currencies
    # Each transaction's amounts agree with the operations that brought it there.
    for t in Transaction.objects.filter(status=Status.CREDITED)[:20]:
        kinds = list(t.operations.order_by("created_at").values_list("kind", flat=True))
        assert kinds[-2:] == ["CREDIT", "CREDIT_CAPTURE"]
        assert t.refunded_amount == t.captured_amount


def test_seed_demo_twice_changes_nothing(db):
    call_command("seed_demo", transactions=300)
    before = _fingerprint()

    call_command("seed_demo", transactions=300)

    assert _fingerprint() == before


def test_seed_demo_scales_out_to_more_shops(db):
    call_command("seed_demo", transactions=1000, shops=10)

    assert Merchant.objects.count() == 10
    assert Transaction.objects.count() == 1000
    if connection.vendor == "postgresql":
        # COPY set explicit ids: the sequence must follow so the feed can insert after it.
        top = Transaction.objects.order_by("-pk").values_list("pk", flat=True)[0]
        with connection.cursor() as cursor:
            cursor.execute("SELECT last_value FROM transactions_transaction_id_seq")
            assert cursor.fetchone()[0] == top


@pytest.mark.real_two_factor
def test_demo_bank_staff_and_user_admin_log_in_with_the_documented_second_factor(db, capsys):
    from django.core.management.base import CommandError
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    call_command("seed_demo", transactions=0)
    capsys.readouterr()
    for username in ("bank", "useradmin"):
        client = Client()
        client.post("/accounts/login/", {"username": username, "password": "gestion-demo"})
        assert client.get("/")["Location"].startswith("/accounts/two-factor/verify/")
        call_command("demo_code", username)
        code = capsys.readouterr().out.strip()

        assert client.post("/accounts/two-factor/verify/", {"code": code}).status_code == 302
        assert client.get("/").status_code == 200
    # A real user's code is never printed.
    TOTPDevice.objects.create(user=User.objects.get(username="operator"), confirmed=True)
    with pytest.raises(CommandError):
        call_command("demo_code", "operator")


def test_seed_demo_refuses_a_server_with_debug_off(db, settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="--outside-development"):
        call_command("seed_demo", transactions=10)
    assert not Merchant.objects.exists()
    assert not User.objects.exists()


def test_seed_demo_with_debug_off_never_sets_a_known_password(db, settings):
    from django.core.management.base import CommandError
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo", transactions=0, outside_development=True, password="chosen")
    assert not User.objects.exists()

    call_command("seed_demo", transactions=10, outside_development=True)

    people = User.objects.filter(is_payment_server=False)
    assert people.filter(username="bank", is_bank_staff=True).exists()
    assert people.count() > 1
    assert not any(user.has_usable_password() for user in people)
    assert not TOTPDevice.objects.exists()


def test_the_demo_history_has_its_evening_remittances(db):
    from django.db.models import Sum

    from operations.models import Operation, Remittance

    call_command("seed_demo", transactions=300)

    lines = Operation.objects.filter(kind__in=["DEBIT_CAPTURE", "CREDIT_CAPTURE"])
    assert lines.exists() and not lines.filter(remittance__isnull=True).exists()
    totals = Remittance.objects.aggregate(d=Sum("debit_amount"), c=Sum("credit_amount"))
    assert totals["d"] == sum(lines.filter(kind="DEBIT_CAPTURE").values_list("amount", flat=True))
    assert totals["c"] == sum(lines.filter(kind="CREDIT_CAPTURE").values_list("amount", flat=True))
