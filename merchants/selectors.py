"""Who may see and do what on which shops: the one place scope is computed."""

from django.db.models import Q, QuerySet

from .models import Access, Merchant

# A right → the roles that carry it. OPERATOR includes CONSULTER (DOMAIN.md "Who uses it").
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
    if user.is_bank_staff:
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
