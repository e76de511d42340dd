import django_tables2 as tables
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.templatetags.money import money

from .badges import badge_html


class TransactionTable(tables.Table):
    """One page of a search. Sorting is the search form's (indexed columns only).

    Shows the columns the user chose (User.list_columns), all of them by default; the number
    always.
    """

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
        # Sortable headers for the list's indexed sorts (core.list_page).
        template_name = "includes/keyset_table.html"
        attrs = {"class": "table", "data-testid": "results"}
        row_attrs = {"data-testid": "result"}

    def __init__(self, *args, user=None, **kwargs):
        chosen = chosen_columns(user)
        if chosen:
            kwargs["exclude"] = [
                name
                for name in self.base_columns
                if name not in chosen and name != "transaction_id"
            ]
        super().__init__(*args, **kwargs)

    def render_transaction_id(self, value, record):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value)

    def render_payment_at(self, value):
        return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")

    def render_amount(self, value, record):
        return money(value, record.currency_code)

    def render_status(self, value, record):
        return badge_html(record)


def column_choices(user) -> list[tuple[str, str, bool]]:
    """The columns a user may show or hide (the number is always shown): name, label, shown."""
    chosen = chosen_columns(user)
    return [
        (name, column.verbose_name, not chosen or name in chosen)
        for name, column in TransactionTable.base_columns.items()
        if name != "transaction_id"
    ]


def chosen_columns(user) -> list[str]:
    """The columns `user` chose ([]: every column)."""
    return list(getattr(user, "list_columns", None) or [])
