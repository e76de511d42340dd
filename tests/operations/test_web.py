"""The operation pages (form → confirmation → done once) and the operations list."""

import csv
import io
import re

import pytest
import time_machine
from django.contrib.messages import get_messages

from operations.models import Operation
from tests.factories import UserFactory, grant, make_merchant
from tests.operations.conftest import NOW, in_status, paris
from transactions.models import Status, Transaction


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def web(client, operator):
    client.force_login(operator)
    return client


def detail(t):
    return f"/transactions/{t.merchant.merchant_id}/{t.payment_date:%Y-%m-%d}/{t.transaction_id}/"


def page(t, kind):
    return f"{detail(t)}{kind}/"


def token_of(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def test_the_form_prefills_the_maximum_as_the_user_writes_it(web, merchant, operator):
    t = in_status(merchant, Status.CAPTURED, amount=123456)
    t.refunded_amount = 1206
    t.save()

    french = web.get(page(t, "refund")).content.decode()
    operator.language = "en"
    operator.save()
    english = web.get(page(t, "refund")).content.decode()

    assert 'value="1\u202f222,50"' in french
    assert 'value="1,222.50"' in english


def test_preview_shows_before_and_after_and_changes_nothing(web, merchant):
    t = in_status(merchant, Status.CAPTURED)

    response = web.post(page(t, "refund"), {"amount": "12,50", "step": "preview"})

    html = response.content.decode()
    assert response.status_code == 200
    assert '0,00\u00a0€</td><td class="num">12,50\u00a0€' in html.replace("\n", "")
    assert 'name="amount" value="1250"' in html
    t.refresh_from_db()
    assert t.refunded_amount == 0
    assert not Operation.objects.exists()


def test_the_total_refund_preview_says_to_credit(web, merchant):
    t = in_status(merchant, Status.CAPTURED)

    response = web.post(page(t, "refund"), {"amount": "100", "step": "preview"})

    assert "To credit" in response.content.decode() or "À créditer" in response.content.decode()


def test_confirming_performs_it_and_goes_to_the_detail_page_with_a_message(web, merchant):
    t = in_status(merchant, Status.CAPTURED)
    preview = web.post(page(t, "refund"), {"amount": "12,50", "step": "preview"})

    response = web.post(
        page(t, "refund"), {"amount": "1250", "token": token_of(preview), "step": "confirm"}
    )

    assert response.status_code == 302 and response["Location"] == detail(t)
    t.refresh_from_db()
    assert (t.status, t.refunded_amount) == (Status.TO_CREDIT, 1250)
    op = Operation.objects.get(transaction=t)
    assert (op.channel, op.kind, op.amount) == ("WEB", "CREDIT", 1250)
    assert "12,50" in [str(m) for m in get_messages(response.wsgi_request)][0]


def test_a_double_submit_performs_once(web, merchant):
    t = in_status(merchant, Status.CAPTURED)
    preview = web.post(page(t, "refund"), {"amount": "10", "step": "preview"})
    confirm = {"amount": "1000", "token": token_of(preview), "step": "confirm"}

    first = web.post(page(t, "refund"), confirm)
    second = web.post(page(t, "refund"), confirm)

    assert first["Location"] == second["Location"] == detail(t)
    t.refresh_from_db()
    assert t.refunded_amount == 1000
    assert Operation.objects.filter(transaction=t).count() == 1


def test_a_token_replayed_with_another_amount_does_nothing(web, merchant):
    t = in_status(merchant, Status.CAPTURED)
    preview = web.post(page(t, "refund"), {"amount": "10", "step": "preview"})
    web.post(page(t, "refund"), {"amount": "1000", "token": token_of(preview), "step": "confirm"})

    web.post(page(t, "refund"), {"amount": "5000", "token": token_of(preview), "step": "confirm"})

    t.refresh_from_db()
    assert t.refunded_amount == 1000


@pytest.mark.parametrize("typed", ["abc", "12.5.0", "-3", "0", "12,505"])
def test_a_bad_amount_is_a_form_error(web, merchant, typed):
    t = in_status(merchant, Status.CAPTURED)

    response = web.post(page(t, "refund"), {"amount": typed, "step": "preview"})

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not Operation.objects.exists()


def test_an_amount_over_the_maximum_is_refused_before_confirmation(web, merchant):
    t = in_status(merchant, Status.CAPTURED)

    response = web.post(page(t, "refund"), {"amount": "100,01", "step": "preview"})

    assert "100,00" in response.content.decode()
    assert 'name="token"' not in response.content.decode()


def test_a_refusal_at_confirmation_is_shown_and_recorded(web, merchant, operator):
    t = in_status(merchant, Status.CAPTURED)
    preview = web.post(page(t, "refund"), {"amount": "80", "step": "preview"})
    Transaction.objects.filter(pk=t.pk).update(refunded_amount=5000)  # someone else refunded

    response = web.post(
        page(t, "refund"), {"amount": "8000", "token": token_of(preview), "step": "confirm"}
    )

    assert response["Location"] == page(t, "credit")
    assert Operation.objects.get(transaction=t).response_code == "51"
    assert "50,00" in str(list(get_messages(response.wsgi_request))[0])


def test_an_operation_not_allowed_in_the_status_shows_no_form(web, merchant):
    t = in_status(merchant, Status.TO_CAPTURE)

    html = web.get(page(t, "refund")).content.decode()

    assert 'data-testid="not-allowed"' in html
    assert 'data-testid="operation-form"' not in html


def test_a_consulter_gets_403_and_outside_the_scope_404(client, merchant):
    consulter = UserFactory(username="consulter")
    grant(consulter, "CONSULTER", merchant=merchant)
    client.force_login(consulter)
    mine = in_status(merchant, Status.CAPTURED)
    other = in_status(make_merchant(), Status.CAPTURED)

    assert client.get(page(mine, "refund")).status_code == 403
    assert client.post(page(mine, "refund"), {"amount": "1", "step": "preview"}).status_code == 403
    assert client.get(page(other, "refund")).status_code == 404


def test_duplicating_from_the_web_creates_the_new_transaction(web, merchant):
    t = in_status(merchant, Status.CAPTURED)
    form = web.get(page(t, "duplicate")).content.decode()
    assert 'value="100,00"' in form
    preview = web.post(
        page(t, "duplicate"),
        {"amount": "25", "transaction_id": "31", "capture_mode": "AUTHOR_CAPTURE",
         "capture_day": "0", "step": "preview"},
    )  # fmt: skip

    response = web.post(
        page(t, "duplicate"),
        {"amount": "2500", "token": token_of(preview), "transaction_id": "000031",
         "capture_mode": "AUTHOR_CAPTURE", "capture_day": "0", "step": "confirm"},
    )  # fmt: skip

    new = Transaction.objects.get(source=t)
    assert (new.transaction_id, new.amount) == ("000031", 2500)
    assert response["Location"] == detail(new)


# --- the operations page ------------------------------------------------------------------------


def _refund(web, t, amount="1"):
    preview = web.post(page(t, "refund"), {"amount": amount, "step": "preview"})
    web.post(page(t, "refund"), {"amount": "100", "token": token_of(preview), "step": "confirm"})


def test_the_operations_page_is_scoped_filtered_and_exports_csv(web, merchant, operator):
    other = in_status(make_merchant(), Status.CAPTURED)
    bank = UserFactory(username="bank", is_bank_staff=True)
    from operations.services import transaction_refund

    transaction_refund(transaction=other, amount=100, user=bank, channel="WEB", now=NOW)
    mine = in_status(merchant, Status.CAPTURED)
    _refund(web, mine)
    in_status(merchant, Status.TO_CAPTURE)

    html = web.get("/operations/").content.decode()
    assert html.count('data-testid="operation"') == 1
    assert f"· {mine.transaction_id}</a>" in html and f"· {other.transaction_id}</a>" not in html
    assert (
        web.get("/operations/?kind=CANCEL").content.decode().count('data-testid="operation"') == 0
    )
    assert (
        web.get("/operations/?user=operator&channel=WEB&response_code=00&date_from=2026-11-26")
        .content.decode()
        .count('data-testid="operation"')
        == 1
    )
    export = web.get("/operations/?export=csv")
    rows = list(
        csv.reader(
            io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")), delimiter=";"
        )
    )
    assert rows[0][0] == "created_at" and len(rows) == 2
    assert rows[1][3:7] == [mine.transaction_id, "Remboursement", "1,00", "EUR"]


def test_the_operations_page_pages_by_keyset_with_a_constant_query_count(
    web, merchant, operator, django_assert_max_num_queries
):
    from operations import views
    from operations.services import transaction_refund

    ts = [in_status(merchant, Status.CAPTURED) for _ in range(7)]
    for t in ts:
        for _ in range(2):
            transaction_refund(transaction=t, amount=1, user=operator, channel="API", now=NOW)
    views.PAGE_SIZE, old = 5, views.PAGE_SIZE
    try:
        seen, url = [], "/operations/"
        while url:
            with django_assert_max_num_queries(4):
                html = web.get(url).content.decode()
            seen += re.findall(r'<tr data-testid="operation"', html)
            nxt = re.search(r'href="(\?[^"]*cursor=[^"]+)" rel="next"', html)
            url = "/operations/" + nxt.group(1).replace("&amp;", "&") if nxt else None
    finally:
        views.PAGE_SIZE = old
    assert len(seen) == 14


def test_during_the_remittance_window_the_form_says_so_before_confirmation(
    client, operator, merchant
):
    t = in_status(merchant, Status.CAPTURED)

    with time_machine.travel(paris(2026, 11, 26, 22, 10), tick=False):
        # Logged in that evening: a morning session would have expired (12 h) by 22:10.
        client.force_login(operator)
        response = client.post(page(t, "refund"), {"amount": "10", "step": "preview"})

    html = response.content.decode()
    assert "22:00" in html and 'name="token"' not in html


def test_forcing_a_referral_on_the_web_asks_the_phone_authorisation_number(web, merchant):
    t = in_status(merchant, Status.REFERRAL)

    form = web.get(page(t, "advice")).content.decode()
    bad = web.post(page(t, "advice"), {"authorisation_id": "12 34", "step": "preview"})
    preview = web.post(page(t, "advice"), {"authorisation_id": "TEL4711", "step": "preview"})
    response = web.post(
        page(t, "advice"),
        {"amount": str(t.amount), "authorisation_id": "TEL4711", "token": token_of(preview),
         "step": "confirm"},
    )  # fmt: skip

    assert 'name="authorisation_id"' in form
    assert bad.status_code == 200 and "TEL" not in bad.content.decode()
    assert response.status_code == 302 and response["Location"] == detail(t)
    t.refresh_from_db()
    assert (t.status, t.authorisation_id) == (Status.TO_CAPTURE, "TEL4711")
    op = Operation.objects.get(transaction=t, response_code="00")
    assert (op.kind, op.channel, op.amount) == ("ADVICE", "WEB", 10000)


def test_the_operations_headers_sort_both_ways_and_page_sizes_are_checked(web, merchant):
    first, second = in_status(merchant, Status.CAPTURED), in_status(merchant, Status.CAPTURED)
    _refund(web, first)
    _refund(web, second)

    newest = web.get("/operations/")
    oldest = web.get(f"/operations/{newest.context['pager'].headers['created_at'].url}")

    assert [o.transaction_id for o in newest.context["page"].rows] == [second.pk, first.pk]
    assert [o.transaction_id for o in oldest.context["page"].rows] == [first.pk, second.pk]
    assert 'aria-sort="ascending"' in oldest.content.decode()
    assert "Page 1" in oldest.content.decode()
    assert web.get("/operations/?page_size=7").status_code == 400
