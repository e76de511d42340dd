from django import template
from django.utils import timezone

from gestion.money import format_amount
from merchants.selectors import user_has_right
from transactions import lifecycle

register = template.Library()


@register.inclusion_tag("operations/_forms.html", takes_context=True)
def operation_forms(context, transaction):
    """On a transaction's detail page, for an OPERATOR: one form per operation allowed now
    (lifecycle's table), its amount prefilled with the most allowed, as the user writes it."""
    user = context["request"].user
    forms = []
    if user_has_right(user=user, merchant=transaction.merchant, right="operate"):
        from operations.models import OperationKind
        from operations.views import operation_path

        for kind, ceiling in lifecycle.operations_possible(transaction, now=timezone.now()).items():
            prefill = transaction.origin_amount if ceiling is None else ceiling
            forms.append(
                {
                    "kind": kind,
                    "label": OperationKind(kind).label,
                    "action": operation_path(transaction, kind),
                    "amount": format_amount(prefill, transaction.currency_code, symbol=False),
                }
            )
    return {"forms": forms, "t": transaction, "csrf_token": context.get("csrf_token")}
