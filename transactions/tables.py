import django_tables2 as tables
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.templatetags.money import money


class TransactionTable(tables.Table):
    """One page of a search. Sorting is the search form's (indexed columns only)."""

    payment_at = tables.Column(verbose_name=_("Payment time"))
    merchant = tables.Column(verbose_name=_("Shop"), accessor="merchant__merchant_id")
    transaction_id = tables.Column(verbose_name=_("Number"))
    status = tables.Column(verbose_name=_("Status"))
    amount = tables.Column(verbose_name=_("Amount"), attrs={"td": {"class": "num"}})
    payment_means = tables.Column(verbose_name=_("Payment means"))
    card_number = tables.Column(verbose_name=_("Card"))
    response_code = tables.Column(verbose_name=_("Response"))
    order_id = tables.Column(verbose_name=_("Order id"))
    customer_email = tables.Column(verbose_name=_("Customer e-mail"))

    class Meta:
        orderable = False
        attrs = {"class": "table", "data-testid": "results"}
        row_attrs = {"data-testid": "result"}

    def render_transaction_id(self, value, record):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value)

    def render_payment_at(self, value):
        return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")

    def render_amount(self, value, record):
        return money(value, record.currency_code)

    def render_status(self, value, record):
        return record.get_status_display()
