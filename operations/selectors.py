from django.db.models import QuerySet

from merchants.selectors import merchants_visible_to

from .models import Operation


def operations_visible_to(*, user) -> QuerySet[Operation]:
    """The operations of the shops `user` may see, with what a list shows of each row."""
    return Operation.objects.filter(
        merchant__in=merchants_visible_to(user=user, right="view")
    ).select_related("merchant", "user", "transaction__merchant", "new_transaction__merchant")
