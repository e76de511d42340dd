"""The isolation matrix's classification of every route: ONE entry per route, here.

tests/isolation/test_matrix.py walks the whole URLconf (the DRF routes included), and fails on
any route that no entry below classifies. An entry says what a route's kwargs name and which
right each method needs; the matrix then tries it as every role on an object of the user's own
shop, of a shop of its group, and of a shop outside its scope.

How to classify a route (key: its URL name, namespaced if it is, e.g. "admin:index"; an unnamed
route is "<namespace>:<route pattern>"; "*" wildcards as in fnmatch):

    "transaction-detail": Route(kind="transaction", read="view"),

- kind: the object the kwargs name: "transaction", "operation", "journal", "user", "shop", or
  "none" (a list, a form, a page about the user itself). For an object kind, the matrix expects
  404 (API response_code 25) when the role cannot see that object (it lacks the kind's seeing
  right there: "view", or "manage_users" for a user) and 403 (API 40) when it sees it but lacks
  the method's right.
- read / write: the right GET / the write method needs, or None if the route does not serve it:
  "public" (anyone), "login" (any logged-in person), "view", "operate", "manage_users", "bank"
  (bank staff), "payment_server" (the feed account). For kind "none", "view" means "any person;
  the page is filtered": the matrix then checks that no merchant_id, and no order_id of a
  transaction, of a shop outside the role's scope appears in any 200 answer to GET.
- kwargs: target -> the URL kwargs (target.merchant / .transaction / .operation / .user and
  .placement, see world.py). Defaults exist for every kind (see DEFAULT_KWARGS); for kind "none"
  each kwarg gets a placeholder.
- strict_allow=False: only for routes whose own rules refuse the allowed role on placeholder
  kwargs (the Django admin); their allowed cases then only check for no server error.
- data: target -> the body of the write (form fields, or JSON for /api/); write_method: "post"
  (default), "patch", "put" or "delete".
"""

from collections.abc import Callable
from dataclasses import dataclass

RIGHTS = (
    "public",
    "login",
    "view",
    "operate",
    "manage_users",
    "bank",
    "payment_server",
    "see_shop",  # view or manage_users: a shop's go-live page is its USER_ADMIN's too
)
KINDS = (
    "transaction", "operation", "journal", "remittance", "user", "shop", "shop_settings", "golive",
    "none",
)  # fmt: skip


@dataclass(frozen=True)
class Route:
    kind: str = "none"
    read: str | None = None
    write: str | None = None
    kwargs: Callable | None = None
    data: Callable | None = None
    write_method: str = "post"
    # False: the route's own rules may refuse the allowed role for other reasons (Django admin's
    # read-only models answer 403 to bank staff): its allowed cases only check for no 5xx.
    strict_allow: bool = True

    def __post_init__(self):
        assert self.kind in KINDS, self.kind
        assert self.read in (*RIGHTS, None), self.read
        assert self.write in (*RIGHTS, None), self.write
        assert self.write_method in ("post", "patch", "put", "delete"), self.write_method


def transaction_kwargs(t) -> dict:
    """The Sips key of the target's transaction, as /transactions/<mid>/<date>/<tid>/ names it."""
    tr = t.transaction
    return {
        "merchant_id": tr.merchant.merchant_id,
        "payment_date": tr.payment_date.isoformat(),
        "transaction_id": tr.transaction_id,
    }


def journal_of(merchant):
    """The shop's transactions journal of today (built on first use, then the same one)."""
    from django.utils import timezone

    from journals.services import journals_build_shop

    built = journals_build_shop(merchant_pk=merchant.pk, journal_date=timezone.localdate())
    return built[0][0]


def golive_request_of(merchant):
    """The shop's go-live request in progress (made on first use, then the same one)."""
    import datetime as dt

    from django.utils import timezone

    from golive.models import GoLiveRequest

    request = GoLiveRequest.objects.filter(merchant=merchant, status__in=GoLiveRequest.OPEN).first()
    return request or GoLiveRequest.objects.create(
        merchant=merchant,
        from_environment=merchant.environment,
        environment="PRE_PRODUCTION",
        switch_date=timezone.localdate() + dt.timedelta(days=30),
        requested_at=timezone.now(),
    )


def golive_kwargs(t) -> dict:
    return {"merchant_id": t.merchant.merchant_id, "pk": golive_request_of(t.merchant).pk}


DEFAULT_KWARGS: dict[str, Callable] = {
    "transaction": transaction_kwargs,
    "operation": lambda t: {"pk": t.operation.pk},
    "user": lambda t: {"pk": t.user.pk},
    "shop": lambda t: {"merchant_id": t.merchant.merchant_id},
    "shop_settings": lambda t: {"merchant_id": t.merchant.merchant_id},
    "journal": lambda t: {"pk": journal_of(t.merchant).pk},
    "remittance": lambda t: {"pk": t.remittance.pk},
    "golive": lambda t: {"merchant_id": t.merchant.merchant_id},
}

_public = Route(read="public", write="public")

ROUTES: dict[str, Route] = {
    # ---- foundation
    "home": Route(read="view"),
    "api-transactions": Route(read="view", write="payment_server", data=lambda t: {}),
    "api-schema": Route(read="public"),
    "api-docs": Route(read="public"),
    "health": Route(read="public"),
    "set_language": _public,
    # ---- django admin = the bank staff console: everything in it is bank staff's
    "admin:*": Route(read="bank", write="bank", strict_allow=False),
    "admin:logout": _public,  # ends whatever session there is, then back to a login page
    # ---- logging in and out, passwords (docs/security.md)
    "login": _public,
    "logout": Route(write="public"),
    "password_reset": _public,
    "password_reset_done": Route(read="public"),
    "password_reset_confirm": Route(
        read="public", write="public", kwargs=lambda t: {"uidb64": "MQ", "token": "x-y"}
    ),
    "password_reset_complete": Route(read="public"),
    "password_change": Route(read="login", write="login"),
    "password_change_done": Route(read="login"),
    "profile": Route(read="login", write="login", data=lambda t: {"language": "en"}),
    "profile-token": Route(write="login", data=lambda t: {"action": "create", "name": "matrix"}),
    "two-factor": Route(read="login", write="login"),
    "two-factor-setup": Route(read="login", write="login", data=lambda t: {"code": "000000"}),
    "two-factor-verify": Route(read="login", write="login", data=lambda t: {"code": "000000"}),
    "keepalive": Route(read="login"),
    # ---- users (USER_ADMIN)
    "users": Route(read="manage_users"),
    "user-create": Route(
        read="manage_users",
        write="manage_users",
        data=lambda t: {
            "username": f"new-{t.placement}",
            "email": f"new-{t.placement}@example.test",
            "role": "CONSULTER",
            "point": f"shop:{t.merchant.pk}",
        },
    ),
    "user-detail": Route(kind="user", read="manage_users"),
    "user-grant": Route(
        kind="user",
        write="manage_users",
        data=lambda t: {"role": "OPERATOR", "point": f"shop:{t.merchant.pk}"},
    ),
    "user-revoke": Route(
        kind="user",
        write="manage_users",
        kwargs=lambda t: {"pk": t.user.pk, "access_pk": t.user.accesses.get().pk},
    ),
    "user-deactivate": Route(kind="user", read="manage_users", write="manage_users"),
    "user-reactivate": Route(kind="user", write="manage_users"),
    "user-unlock": Route(kind="user", write="manage_users"),
    "user-two-factor-reset": Route(kind="user", write="bank"),
    # ---- a shop's settings: merchant staff read them, bank staff change them (docs/domain.md)
    "shop-detail": Route(
        kind="shop", read="view", write="bank", data=lambda t: {"journal_email": "new@x.test"}
    ),
    "api-shops": Route(read="view"),
    "api-shop": Route(
        kind="shop",
        read="view",
        write="bank",
        write_method="patch",
        data=lambda t: {"journal_email": "new@x.test"},
    ),
    # ---- cash-management operations (docs/domain.md)
    "operations:list": Route(read="view"),
    "operations:operate": Route(
        kind="transaction",
        read="operate",
        write="operate",
        kwargs=lambda t: {**transaction_kwargs(t), "kind": "refund"},
        data=lambda t: {"amount": "1,00", "step": "preview"},
    ),
    "api-operations": Route(read="view"),
    "api-operation": Route(
        kind="transaction",
        write="operate",
        kwargs=lambda t: {**transaction_kwargs(t), "kind": "refund"},
        data=lambda t: {"amount": 100},
    ),
    # ---- evening remittances
    "operations:remittances": Route(read="view"),
    "operations:remittances-csv": Route(read="view"),
    "operations:remittance": Route(kind="remittance", read="view"),
    "api-remittances": Route(read="view"),
    # ---- daily journals (docs/journals.md)
    "journals:list": Route(read="view"),
    "journals:download": Route(kind="journal", read="view"),
    "api-journals": Route(read="view"),
    "api-journal-download": Route(kind="journal", read="view"),
    # ---- search, detail, export (docs/search.md)
    "transactions:list": Route(read="view"),
    "transactions:find": Route(read="view"),
    "transactions:export": Route(read="view"),
    "transactions:detail": Route(kind="transaction", read="view"),
    "api-transaction-detail": Route(kind="transaction", read="view"),
    # A background export is its owner's alone (tests/transactions/test_detail_export_api.py
    # proves owner-only and expiry); here: login required, no server error, payment server out.
    "transactions:export-status": Route(read="login", strict_allow=False),
    "transactions:export-download": Route(read="login", strict_allow=False),
    # The user's own exports and list columns (tests/transactions/test_search_box.py).
    "transactions:exports": Route(read="login"),
    "transactions:columns": Route(write="login", data=lambda t: {"columns": ["amount"]}),
    # ---- Sips interop (docs/sips.md): responses in (sealed, no account), automatic responses out
    "sips-v2-response": Route(write="public", data=lambda t: {}),
    "shop-autoresponse": Route(
        kind="shop_settings",
        read="manage_users",
        write="manage_users",
        data=lambda t: {"automatic_response_url": "https://shop.example/auto"},
    ),
    "transactions:autoresponse-resend": Route(kind="transaction", write="operate"),
    "transactions:autoresponse-failing": Route(read="view"),
    # ---- going live (docs/go-live.md): the shop's page is its viewers' and its USER_ADMIN's; a
    # request is asked by its USER_ADMIN (or the bank), approved or refused by the bank only
    "golive:shop": Route(
        kind="golive",
        read="see_shop",
        write="manage_users",
        data=lambda t: {"environment": "PRE_PRODUCTION", "switch_date": "2099-01-01"},
    ),
    "golive:withdraw": Route(kind="golive", write="manage_users", kwargs=golive_kwargs),
    # bank staff: every request; merchant staff: their own shops' (filtered, leak-checked)
    "golive:overview": Route(read="see_shop"),
    "golive:approve": Route(
        kind="golive", write="bank", kwargs=lambda t: {"pk": golive_request_of(t.merchant).pk}
    ),
    "golive:refuse": Route(
        kind="golive",
        write="bank",
        kwargs=lambda t: {"pk": golive_request_of(t.merchant).pk},
        data=lambda t: {"reason": "Missing the signed acceptance report."},
    ),
    "api-golive": Route(
        kind="golive",
        read="see_shop",
        write="manage_users",
        data=lambda t: {"environment": "PRE_PRODUCTION", "date": "2099-01-01"},
    ),
    "api-golive-approve": Route(kind="golive", write="bank", kwargs=golive_kwargs),
    "api-golive-refuse": Route(
        kind="golive",
        write="bank",
        kwargs=golive_kwargs,
        data=lambda t: {"reason": "Missing the signed acceptance report."},
    ),
    "api-golive-withdraw": Route(kind="golive", write="manage_users", kwargs=golive_kwargs),
}
