from django.db.models import QuerySet

from merchants.selectors import merchants_visible_to

from .models import Operation, Remittance


def operations_visible_to(*, user) -> QuerySet[Operation]:
    """The operations of the shops `user` may see, with what a list shows of each row."""
    return Operation.objects.filter(
        merchant__in=merchants_visible_to(user=user, right="view")
    ).select_related("merchant", "user", "transaction__merchant", "new_transaction__merchant")


def remittances_visible_to(*, user) -> QuerySet[Remittance]:
    """The remittance records of the shops `user` may see, newest evening first."""
    return (
        Remittance.objects.filter(merchant__in=merchants_visible_to(user=user, right="view"))
        .select_related("merchant")
        .order_by("-remittance_date", "merchant__merchant_id", "currency_code", "-id")
    )


def remittance_get(*, user, pk: int) -> Remittance:
    """One remittance of a shop `user` may see (Remittance.DoesNotExist otherwise)."""
    return remittances_visible_to(user=user).get(pk=pk)


def remittance_lines(remittance: Remittance) -> QuerySet[Operation]:
    """The operations it sent (its lines), with their transactions, in the order sent."""
    return remittance.lines.select_related("transaction__merchant").order_by("kind", "id")
