import django_tables2 as tables
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from core.money import format_amount

from .models import Operation


class OperationTable(tables.Table):
    created_at = tables.Column(verbose_name=_("Date"))
    merchant = tables.Column(verbose_name=_("Shop"), accessor="merchant__merchant_id")
    transaction = tables.Column(verbose_name=_("Transaction"), empty_values=())
    kind = tables.Column(verbose_name=_("Operation"))
    amount = tables.Column(verbose_name=_("Amount"), attrs={"td": {"class": "num"}})
    response_code = tables.Column(verbose_name=_("Code"))
    status = tables.Column(verbose_name=_("Status before → after"), empty_values=())
    channel = tables.Column(verbose_name=_("Channel"))
    origin = tables.Column(verbose_name=_("Origin"), default="—")
    user = tables.Column(verbose_name=_("User"), accessor="user__username", default="—")
    reason = tables.Column(verbose_name=_("Reason"), default="—")

    class Meta:
        model = Operation
        fields = []
        sequence = [
            "created_at", "merchant", "transaction", "kind", "amount", "response_code",
            "status", "channel", "origin", "user", "reason",
        ]  # fmt: skip
        orderable = False
        # Sortable headers for the list's indexed sorts (core.list_page).
        template_name = "includes/keyset_table.html"
        attrs = {"class": "table", "data-testid": "operations-table"}
        row_attrs = {"data-testid": "operation"}

    def render_created_at(self, value):
        return localtime(value).strftime("%Y-%m-%d %H:%M:%S")

    def render_transaction(self, record):

        t = record.transaction
        return format_html(
            '<a href="{}">{} · {}</a>',
            t.get_absolute_url(),
            t.payment_date.isoformat(),
            t.transaction_id,
        )

    def render_amount(self, record):
        return format_amount(record.amount, record.currency_code)

    def render_status(self, record):
        return f"{record.get_status_before_display()} → {record.get_status_after_display()}"
