from django import template

from transactions.badges import badge_html

register = template.Library()


@register.simple_tag
def status_badge(transaction):
    """{% status_badge t %}: the status badge the list shows too (transactions.badges)."""
    return badge_html(transaction)
