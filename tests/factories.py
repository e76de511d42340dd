import datetime as dt
import itertools

import factory
from django.utils import timezone

from merchants.models import Access, Merchant, MerchantGroup, PaymentMeans, User
from merchants.services import merchant_create
from transactions.models import CaptureMode, Status, Transaction

_merchant_ids = itertools.count(1)
_transaction_ids = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password("pw-for-tests-1")


# A shop's distance-selling contracts unless a test says otherwise: means → currencies.
DEFAULT_CONTRACTS = {"CB": "978", "VISA": "978", "MASTERCARD": "978"}


def make_merchant(merchant_id: str | None = None, **fields) -> Merchant:
    """A shop made the way the product makes one (with its encrypted secret), with contracts
    for CB, VISA and MASTERCARD in euros unless `contracts={means: "978 840", …}` says."""
    contracts = fields.pop("contracts", DEFAULT_CONTRACTS)
    automatic_response_url = fields.pop("automatic_response_url", "")
    merchant, _secret = merchant_create(
        merchant_id=merchant_id or f"07{next(_merchant_ids):013d}",
        name=fields.pop("name", "Test shop"),
        journal_email=fields.pop("journal_email", "journal@shop.test"),
        **fields,
    )
    PaymentMeans.objects.bulk_create(
        PaymentMeans(merchant=merchant, means=means, contract_number=f"{i:07d}", currencies=cur)
        for i, (means, cur) in enumerate(contracts.items(), start=1)
    )
    if automatic_response_url:
        merchant.automatic_response_url = automatic_response_url
        merchant.save(update_fields=["automatic_response_url"])
    return merchant


def make_group(name: str, *merchants: Merchant) -> MerchantGroup:
    group = MerchantGroup.objects.create(name=name)
    group.merchants.set(merchants)
    return group


def grant(user: User, role: str, *, merchant=None, group=None) -> Access:
    return Access.objects.create(user=user, role=role, merchant=merchant, group=group)


def make_transaction(merchant: Merchant, **fields) -> Transaction:
    """A transaction as the feed would have stored it (TO_CAPTURE, 100.00 EUR by default)."""
    payment_at = fields.pop("payment_at", None) or timezone.now()
    payment_date = fields.pop("payment_date", None) or timezone.localdate(payment_at)
    amount = fields.pop("amount", 10000)
    status = fields.pop("status", Status.TO_CAPTURE)
    values = {
        "merchant": merchant,
        "transaction_id": f"{next(_transaction_ids) % 1_000_000:06d}",
        "payment_date": payment_date,
        "payment_at": payment_at,
        "origin_amount": amount,
        "amount": amount,
        "currency_code": "978",
        "status": status,
        "capture_mode": (
            CaptureMode.VALIDATION if status == Status.TO_VALIDATE else CaptureMode.AUTHOR_CAPTURE
        ),
        "capture_day": 0,
        "capture_date": None if status == Status.REFUSED else payment_date + dt.timedelta(days=0),
        "payment_means": "CB",
        "card_number": "4974.12",
        "response_code": "05" if status == Status.REFUSED else "00",
        "bank_response_code": "05" if status == Status.REFUSED else "00",
        "authorisation_id": "123456",
    }
    values.update(fields)
    return Transaction.objects.create(**values)


def api_key(user: User, name: str = "tests") -> str:
    """A key of an API token of `user` (the one named `name`, made anew each call)."""
    from merchants.services import api_token_create

    _token, key = api_token_create(user=user, name=name, replace=True)
    return key
