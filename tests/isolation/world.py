"""The matrix's world: three shops, the roles of docs/domain.md, and what each role holds where.

own    shop A: consulter, operator and useradmin hold their role on it; in group G.
group  shop B: in group G with A (groupop holds OPERATOR on G), nobody's own shop.
other  shop C: outside every merchant user's scope.

Each placement has a target: its shop, a transaction, an operation on it, and a merchant user
whose one role (CONSULTER) is on that shop (the object of "user" routes).
"""

import itertools
from dataclasses import dataclass

from merchants.models import Access, Merchant, User
from operations.models import Operation, OperationChannel, OperationKind, Remittance
from tests.factories import UserFactory, api_key, grant, make_group, make_merchant, make_transaction
from transactions.models import Status, Transaction

PLACEMENTS = ("own", "group", "other")
ROLES = ("consulter", "operator", "useradmin", "groupop", "bank", "payment_server", "anonymous")

_ALL = frozenset({"view", "operate", "manage_users"})
# What each role holds on each placement, written from docs/domain.md, not computed by the code
# under test.
HELD: dict[str, dict[str, frozenset[str]]] = {
    "consulter": {"own": frozenset({"view"})},
    "operator": {"own": frozenset({"view", "operate"})},
    "useradmin": {"own": frozenset({"manage_users"})},
    "groupop": {"own": frozenset({"view", "operate"}), "group": frozenset({"view", "operate"})},
    "bank": dict.fromkeys(PLACEMENTS, _ALL),
    "payment_server": {},
    "anonymous": {},
}
GLOBAL: dict[str, frozenset[str]] = {
    "bank": frozenset({"bank"}),
    "payment_server": frozenset({"payment_server"}),
}
# The right without which an object of the kind does not exist for a role (404).
SEEING_RIGHT = {
    "transaction": "view",
    "operation": "view",
    "journal": "view",
    "remittance": "view",
    "shop": "view",
    "shop_settings": "manage_users",  # a shop setting its user administrators change
    "user": "manage_users",
    "golive": "see_shop",
}

_world_numbers = itertools.count(1)


@dataclass
class Target:
    placement: str
    merchant: Merchant
    transaction: Transaction
    operation: Operation
    user: User
    remittance: Remittance


@dataclass
class World:
    targets: dict[str, Target]
    actors: dict[str, User | None]
    tokens: dict[str, str]

    def markers(self, placement: str) -> list[str]:
        """Strings that only an answer about that placement's shop can contain."""
        target = self.targets[placement]
        return [target.merchant.merchant_id, target.transaction.order_id]


def build_world() -> World:
    n = next(_world_numbers)
    shops = {p: make_merchant(name=f"Shop {p} {n}") for p in PLACEMENTS}
    group = make_group(f"G{n}", shops["own"], shops["group"])
    targets = {}
    for placement, shop in shops.items():
        tr = make_transaction(
            shop,
            status=Status.CAPTURED,
            captured_amount=10000,
            order_id=f"ORDER-{placement.upper()}-W{n}",
        )
        remittance = Remittance.objects.create(
            merchant=shop,
            remittance_date=tr.payment_date,
            currency_code=tr.currency_code,
            debit_count=1,
            debit_amount=tr.amount,
            sent_to_bank=False,
        )
        operation = Operation.objects.create(
            transaction=tr,
            merchant=shop,
            remittance=remittance,
            kind=OperationKind.DEBIT_CAPTURE,
            amount=tr.amount,
            currency_code=tr.currency_code,
            response_code="00",
            status_before=Status.TO_CAPTURE,
            status_after=Status.CAPTURED,
            channel=OperationChannel.BATCH,
        )
        staff = UserFactory(username=f"staff-{placement}-{n}")
        grant(staff, Access.Role.CONSULTER, merchant=shop)
        targets[placement] = Target(placement, shop, tr, operation, staff, remittance)
    actors: dict[str, User | None] = {
        "consulter": UserFactory(username=f"consulter-{n}"),
        "operator": UserFactory(username=f"operator-{n}"),
        "useradmin": UserFactory(username=f"useradmin-{n}"),
        "groupop": UserFactory(username=f"groupop-{n}"),
        "bank": UserFactory(username=f"bank-{n}", is_bank_staff=True),
        "payment_server": UserFactory(username=f"feed-{n}", is_payment_server=True),
        "anonymous": None,
    }
    grant(actors["consulter"], Access.Role.CONSULTER, merchant=shops["own"])
    grant(actors["operator"], Access.Role.OPERATOR, merchant=shops["own"])
    grant(actors["useradmin"], Access.Role.USER_ADMIN, merchant=shops["own"])
    grant(actors["groupop"], Access.Role.OPERATOR, group=group)
    tokens = {role: api_key(user) for role, user in actors.items() if user}
    return World(targets=targets, actors=actors, tokens=tokens)


def holds(role: str, right: str, placement: str | None) -> bool:
    """Whether `role` holds `right` on the placement (None: anywhere)."""
    if right == "public":
        return True
    if role == "anonymous":
        return False
    if right == "login":
        return role != "payment_server"
    if right in GLOBAL.get(role, ()):
        return True
    if right == "see_shop":
        return holds(role, "view", placement) or holds(role, "manage_users", placement)
    places = PLACEMENTS if placement is None else (placement,)
    return any(right in HELD[role].get(p, ()) for p in places)


def expected(*, kind: str, right: str, role: str, placement: str | None) -> str:
    """What the server must answer: "allow", "404", "403", "deny" (403 or 404) or "login"."""
    if right == "public":
        return "allow"
    if role == "anonymous":
        return "login"
    if role == "payment_server" and right != "payment_server":
        # Nothing but the feed: refused whichever way (the object does not exist for it either).
        return "deny"
    if kind != "none":
        if not holds(role, SEEING_RIGHT[kind], placement):
            return "404"
        return "allow" if holds(role, right, placement) else "403"
    if right == "view":
        return "allow"  # a list: filtered to the role's scope (the leak check proves it)
    return "allow" if holds(role, right, None) else "403"


def outside_scope(role: str, right: str) -> list[str]:
    """The placements whose shop must not show in an answer to `role` about `right`."""
    if role == "bank":
        return []
    seeing = right if right in ("manage_users", "see_shop") else "view"
    return [p for p in PLACEMENTS if not holds(role, seeing, p)]
