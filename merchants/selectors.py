"""Who may see and do what on which shops: the one place scope is computed."""

import functools

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from .models import Access, Merchant, MerchantGroup, User, is_bank_staff

# A right → the roles that carry it. OPERATOR includes CONSULTER (docs/domain.md "Who uses it").
RIGHTS: dict[str, frozenset[str]] = {
    "view": frozenset({Access.Role.CONSULTER, Access.Role.OPERATOR}),
    "operate": frozenset({Access.Role.OPERATOR}),
    "manage_users": frozenset({Access.Role.USER_ADMIN}),
}


def _scope(user) -> str:
    """ "none", "all" (bank staff) or "roles" (what the user's roles give)."""
    if not user or not user.is_authenticated or not user.is_active:
        return "none"
    if is_bank_staff(user):
        return "all"
    if user.is_payment_server:
        return "none"
    return "roles"


def _via_roles(*, user_id: int, right: str) -> QuerySet[Merchant]:
    roles = RIGHTS[right]
    via_shop = Access.objects.filter(
        user_id=user_id, role__in=roles, merchant__isnull=False
    ).values("merchant_id")
    via_group = Access.objects.filter(user_id=user_id, role__in=roles, group__isnull=False).values(
        "group_id"
    )
    return Merchant.objects.filter(Q(pk__in=via_shop) | Q(groups__in=via_group)).distinct()


def merchants_visible_to(*, user, right: str = "view") -> QuerySet[Merchant]:
    """The shops on which `user` holds `right`: via a role on the shop or on a group containing it.

    Bank staff hold every right on every shop; the payment-server account holds none here.
    """
    scope = _scope(user)
    if scope == "none":
        return Merchant.objects.none()
    if scope == "all":
        return Merchant.objects.all()
    return _via_roles(user_id=user.pk, right=right)


# A user id no account has: marks the user's place among the parameters of the cached SQL.
_SOME_USER = -2_000_000_001


@functools.cache
def _via_roles_sql(right: str, vendor: str) -> tuple[str, tuple]:
    return _via_roles(user_id=_SOME_USER, right=right).values("pk").query.sql_with_params()


# For statements compiled once per process with the user's id as a parameter (core.precompiled).
SOME_USER = _SOME_USER
scope_of = _scope


def merchant_ids_of_some_user(right: str) -> RawSQL:
    """merchant_ids_visible_to's subquery for a user of the "roles" scope, with SOME_USER in
    the user's place: for a statement compiled once, which passes the user's id."""
    sql, params = _via_roles_sql(right, connection.vendor)
    return RawSQL(sql, params)  # noqa: S611


def merchant_ids_visible_to(*, user, right: str = "view"):
    """merchants_visible_to's shops for a `merchant_id__in=` filter, at a fraction of its cost
    per call (a cash operation's lock asks it each time: its SQL is compiled once per right and
    process): None for every shop (bank staff, no filter needed), [] for none, else a
    subquery."""
    scope = _scope(user)
    if scope == "none":
        return []
    if scope == "all":
        return None
    sql, params = _via_roles_sql(right, connection.vendor)
    # The ORM's own SQL for this right; only the user id changes, passed as a parameter.
    return RawSQL(sql, [user.pk if p == _SOME_USER else p for p in params])  # noqa: S611


def user_has_right(*, user, merchant: Merchant, right: str) -> bool:
    return merchants_visible_to(user=user, right=right).filter(pk=merchant.pk).exists()


def manageable_points(*, user) -> tuple[QuerySet[Merchant], QuerySet[MerchantGroup]]:
    """The access points on which `user` may give roles: the shops of its USER_ADMIN scope, and
    the groups every shop of which lies in that scope (a group reaching beyond it is refused)."""
    shops = merchants_visible_to(user=user, right="manage_users")
    if not user or not user.is_authenticated or not user.is_active:
        return shops, MerchantGroup.objects.none()
    if is_bank_staff(user):
        return shops, MerchantGroup.objects.all()
    beyond = Merchant.objects.exclude(pk__in=shops.values("pk"))
    reaching_beyond = MerchantGroup.objects.filter(merchants__in=beyond).values("pk")
    groups = (
        MerchantGroup.objects.filter(merchants__in=shops).exclude(pk__in=reaching_beyond).distinct()
    )
    return shops, groups


def users_manageable_by(*, actor) -> QuerySet[User]:
    """The users a user administrator sees: those holding a role on a shop of its scope or on a
    group touching it. Bank staff see everyone; nobody else sees bank staff or machine accounts."""
    if not actor or not actor.is_authenticated or not actor.is_active:
        return User.objects.none()
    if is_bank_staff(actor):
        return User.objects.all()
    shops = merchants_visible_to(user=actor, right="manage_users")
    touching = Access.objects.filter(Q(merchant__in=shops) | Q(group__merchants__in=shops))
    return User.objects.filter(
        pk__in=touching.values("user_id"),
        is_bank_staff=False,
        is_payment_server=False,
        is_superuser=False,
        is_staff=False,
    )


def accesses_visible_to(*, actor) -> QuerySet[Access]:
    """The accesses a user administrator may see: those on the access points it manages (its
    shops, and the groups lying wholly in its scope). A role its users hold elsewhere is not its
    business: neither that shop's name nor its id is shown. Bank staff see every access."""
    if not actor or not actor.is_authenticated or not actor.is_active:
        return Access.objects.none()
    if is_bank_staff(actor):
        return Access.objects.all()
    shops, groups = manageable_points(user=actor)
    return Access.objects.filter(Q(merchant__in=shops) | Q(group__in=groups))
