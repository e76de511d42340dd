"""Who may see and do what on which shops: the one place scope is computed."""

from django.db.models import Q, QuerySet

from .models import Access, Merchant, MerchantGroup, User, is_bank_staff

# A right → the roles that carry it. OPERATOR includes CONSULTER (docs/domain.md "Who uses it").
RIGHTS: dict[str, frozenset[str]] = {
    "view": frozenset({Access.Role.CONSULTER, Access.Role.OPERATOR}),
    "operate": frozenset({Access.Role.OPERATOR}),
    "manage_users": frozenset({Access.Role.USER_ADMIN}),
}


def merchants_visible_to(*, user, right: str = "view") -> QuerySet[Merchant]:
    """The shops on which `user` holds `right`: via a role on the shop or on a group containing it.

    Bank staff hold every right on every shop; the payment-server account holds none here.
    """
    if not user or not user.is_authenticated or not user.is_active:
        return Merchant.objects.none()
    if is_bank_staff(user):
        return Merchant.objects.all()
    if user.is_payment_server:
        return Merchant.objects.none()
    roles = RIGHTS[right]
    via_shop = Access.objects.filter(user=user, role__in=roles, merchant__isnull=False).values(
        "merchant_id"
    )
    via_group = Access.objects.filter(user=user, role__in=roles, group__isnull=False).values(
        "group_id"
    )
    return Merchant.objects.filter(Q(pk__in=via_shop) | Q(groups__in=via_group)).distinct()


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
