from django import template
from django.utils.formats import number_format

from core.money import AmountError, format_amount

register = template.Library()


@register.filter
def money(minor, currency_code):
    """{{ t.amount|money:t.currency_code }} → "10,50 €" in French, "€10.50" in English."""
    if minor is None or minor == "":
        return ""
    try:
        return format_amount(int(minor), str(currency_code))
    except (AmountError, ValueError):
        return f"{minor} {currency_code}"


@register.filter
def percent(value):
    if value is None:
        return "—"
    return f"{number_format(round(value * 100, 1), 1)}\u00a0%"
