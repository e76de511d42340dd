"""The results table's rows are written by core.templatetags.list_page.table_body_rows, which does
the per-column work once per page: its rows must be exactly the rows django-tables2's stock
template writes for the same table (the guard when django-tables2 changes)."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from core.templatetags.list_page import table_body_rows
from tests.factories import UserFactory, make_merchant, make_transaction
from transactions.models import Status, Transaction
from transactions.tables import TransactionTable


def _stock_rows(table, request) -> str:
    html = render_to_string("django_tables2/table.html", {"table": table}, request=request)
    body = re.search(r"<tbody[^>]*>(.*?)</tbody>", html, re.S).group(1)
    return re.sub(r">\s+<", "><", body.strip())


@pytest.mark.django_db
def test_rows_are_the_stock_templates_rows():
    shop = make_merchant()
    make_transaction(shop, amount=11319, customer_email="lea<b>@example.fr")
    make_transaction(shop, status=Status.REFUSED, order_id="")  # an empty cell: the default
    make_transaction(shop, amount=134300, currency_code="392")
    request = RequestFactory().get("/transactions/")
    request.user = UserFactory()

    def table():  # one each: a table counts its rows for their even / odd class
        return TransactionTable(Transaction.objects.select_related("merchant").order_by("id"))

    ours = re.sub(r">\s+<", "><", str(table_body_rows(table())).strip())

    assert ours == _stock_rows(table(), request)
    assert ours.count("<tr ") == 3
    assert "lea&lt;b&gt;@example.fr" in ours  # escaped like {{ cell }}
