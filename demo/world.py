"""The demo world: the three demo shops (and more on demand), their users, and their history.

`seed_demo` (the command) calls `demo_seed`. Shops are made by merchants.services.merchant_create,
the automatic-response demo's transactions by the feed service (transactions.services), and the
60 days of history by demo.history, whose rows follow transactions.lifecycle's table.
"""

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from core.dates import PARIS
from merchants.models import Access, Merchant, MerchantGroup, PaymentMeans, User
from merchants.services import merchant_create
from transactions.feed import FeedError
from transactions.models import Transaction
from transactions.services import transaction_create

from .history import CURRENCY_WEIGHTS, load_transactions, remittance_records

DEMO_PASSWORD = "gestion-demo"
# The demo accounts that must use a second factor (bank staff, user administrator) get a TOTP
# device with this public key (base32 GERPTQWWW2FCX2H32W32B5MLFQ5I63SB, README "Demo logins"); the
# current code: `manage.py demo_code <user>`. Public, like the password: demo data only.
DEMO_TOTP_KEY = "3122f9c2d6b68a2be8fbd5b7a0f58b2c3a8f6e41"

DEMO_SHOPS = [
    ("014213245611111", "Boutique Démo Paris", "journaux-paris@demo.gestion.invalid"),
    ("014213245611112", "Boutique Démo Lyon", "journaux-lyon@demo.gestion.invalid"),
    ("029800266211111", "Autre Commerce SARL", "compta@autre.gestion.invalid"),
]
DEMO_GROUP = "Démo"
# One shop of each environment (docs/go-live.md): Paris is live (journals, remittances sent to
# the bank), Lyon in pre-production (it may ask for production), the other in demo.
DEMO_ENVIRONMENTS = {
    "014213245611111": Merchant.Environment.PRODUCTION,
    "014213245611112": Merchant.Environment.PRE_PRODUCTION,
}

# (username, role, access point) — access point is a merchant_id or "group".
DEMO_USERS = [
    ("consulter", Access.Role.CONSULTER, "014213245611111"),
    ("operator", Access.Role.OPERATOR, "014213245611111"),
    ("useradmin", Access.Role.USER_ADMIN, "014213245611111"),
    ("groupop", Access.Role.OPERATOR, "group"),
    ("other", Access.Role.OPERATOR, "029800266211111"),
]


@dataclass
class SeedReport:
    shops_created: int = 0
    users_created: int = 0
    transactions_created: int = 0
    operations_created: int = 0
    skipped_shops: list[str] = field(default_factory=list)


def demo_seed(
    *,
    transactions: int = 3000,
    shops: int = 3,
    password: str | None = DEMO_PASSWORD,
    now: dt.datetime | None = None,
    seed: int = 20261127,
    progress: Callable[[int], None] | None = None,
) -> SeedReport:
    """Create what is missing of the demo world; what exists already is left as it is.

    `password=None` (a server with DEBUG off): the demo accounts get no usable password and no
    demo second factor, so no publicly known secret opens them. `progress` is called with the
    number of transactions each batch wrote (seed_demo shows a progress line, core/progress.py)."""
    now = now or timezone.now()
    report = SeedReport()
    merchants = _ensure_shops(shops, report)
    _ensure_users(password, report)
    empty = [m for m in merchants if not Transaction.objects.filter(merchant=m).exists()]
    report.skipped_shops = [m.merchant_id for m in merchants if m not in empty]
    if empty and transactions > 0:
        per_shop = max(1, transactions * len(empty) // len(merchants) // len(empty))
        share = transactions if len(empty) == len(merchants) else per_shop * len(empty)
        made = load_transactions(
            empty, share, now, random.Random(seed), _actors(), progress=progress
        )
        report.transactions_created, report.operations_created = made
        remittance_records(empty)
    return report


# Shops whose automatic responses the demo's receiver gets (manage.py autoresponse_receiver):
# one that answers 200 (SENT), one that answers 500 (FAILED after the retries).
DEMO_AUTORESPONSE_SHOPS = {"014213245611112": "/ok", "029800266211111": "/fail"}


def demo_autoresponses(*, receiver_url: str, now: dt.datetime | None = None) -> int:
    """Give the two demo shops their automatic-response URL on the demo receiver and feed each
    three new transactions (the failing page's default window), whose responses the worker then
    delivers; → transactions fed."""
    now = now or timezone.now()
    local = now.astimezone(PARIS)
    fed = 0
    for n, (merchant_id, path) in enumerate(DEMO_AUTORESPONSE_SHOPS.items()):
        merchant = Merchant.objects.filter(merchant_id=merchant_id).first()
        if merchant is None:
            continue
        url = receiver_url.rstrip("/") + path
        if merchant.automatic_response_url != url:
            merchant.automatic_response_url = url
            merchant.save(update_fields=["automatic_response_url"])
        for k in range(3):
            item = {
                "merchant_id": merchant_id,
                "transaction_id": f"99{n}{k:03d}",
                "amount": f"{1990 + 100 * k}",
                "currency_code": "978",
                "payment_means": "CB",
                "card_number": "4974.01",
                "response_code": "00",
                "bank_response_code": "00",
                "authorisation_id": f"DEMO{k}",
                "payment_date": f"{local:%Y%m%d}",
                "payment_time": f"{local:%H%M%S}",
                "order_id": f"AUTO-{n}{k}",
            }
            try:
                with transaction.atomic():
                    transaction_create(item=item)
            except FeedError:
                continue  # already fed today
            fed += 1
    return fed


def _extra_shop_id(n: int) -> str:
    return f"09{n:013d}"


def _ensure_shops(count: int, report: SeedReport) -> list[Merchant]:
    wanted = [(mid, name, email) for mid, name, email in DEMO_SHOPS]
    wanted += [
        (_extra_shop_id(n), f"Boutique {n}", f"journaux-{n}@demo.gestion.invalid")
        for n in range(1, max(0, count - len(DEMO_SHOPS)) + 1)
    ]
    existing = Merchant.objects.in_bulk([w[0] for w in wanted], field_name="merchant_id")
    for merchant_id, name, email in wanted:
        if merchant_id in existing:
            continue
        with transaction.atomic():
            merchant, _secret = merchant_create(
                merchant_id=merchant_id,
                name=name,
                journal_email=email,
                environment=DEMO_ENVIRONMENTS.get(merchant_id, Merchant.Environment.DEMO),
            )
            PaymentMeans.objects.bulk_create(
                PaymentMeans(
                    merchant=merchant,
                    means=means,
                    contract_number=f"{i + 1:07d}",
                    currencies=" ".join(code for code, _ in CURRENCY_WEIGHTS),
                )
                for i, means in enumerate(["CB", "VISA", "MASTERCARD", "AMEX", "JCB"])
            )
        existing[merchant_id] = merchant
        report.shops_created += 1
    group, _ = MerchantGroup.objects.get_or_create(name=DEMO_GROUP)
    in_group = [existing[mid] for mid, _, _ in DEMO_SHOPS[:2]]
    if set(group.merchants.all()) != set(in_group):
        group.merchants.set(in_group)
    return [existing[w[0]] for w in wanted]


def _ensure_users(password: str | None, report: SeedReport) -> None:
    def user(username, **flags):
        obj, created = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@demo.gestion.invalid", **flags},
        )
        if created:
            if flags.get("is_payment_server") or password is None:
                obj.set_unusable_password()
            else:
                obj.set_password(password)
            obj.save(update_fields=["password"])
            report.users_created += 1
        return obj

    bank = user("bank", is_bank_staff=True, first_name="Banque", last_name="Conseiller")
    if password is not None:
        _demo_second_factor(bank)
    user("paymentserver", is_payment_server=True)
    group = MerchantGroup.objects.get(name=DEMO_GROUP)
    for username, role, point in DEMO_USERS:
        person = user(username)
        target = (
            {"group": group}
            if point == "group"
            else {"merchant": Merchant.objects.get(merchant_id=point)}
        )
        Access.objects.get_or_create(user=person, role=role, **target)
        if role == Access.Role.USER_ADMIN and password is not None:
            _demo_second_factor(person)


def _demo_second_factor(user: User) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.get_or_create(
        user=user, name="authenticator", defaults={"key": DEMO_TOTP_KEY, "confirmed": True}
    )


def _actors() -> dict[str, User]:
    """Who did the by-hand operations of each demo shop (the bank's adviser elsewhere)."""
    bank = User.objects.get(username="bank")
    actors = {}
    for username, role, point in DEMO_USERS:
        if role == Access.Role.OPERATOR and point != "group":
            actors[point] = User.objects.get(username=username)
    actors.setdefault(DEMO_SHOPS[1][0], User.objects.get(username="groupop"))
    return {"*": bank, **actors}
