"""Operations done safely: the confirmation names the transaction and says what its button does,
a reason is kept with the operation, the banner says what happened, the detail page says why an
operation is not offered, and the operations list checks its criteria (docs/lifecycle.md)."""

import pytest
import time_machine
from django.contrib.messages import get_messages

from operations.models import REASON_MAX_LENGTH, Operation
from operations.services import OperationRefused
from operations.services.perform import operation_perform
from tests.operations.conftest import NOW, in_status
from tests.operations.test_web import detail, page, token_of
from transactions.models import Status


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def web(client, operator):
    client.force_login(operator)
    return client


def _preview(web, t, amount="12,50", kind="refund"):
    return web.post(page(t, kind), {"amount": amount, "step": "preview"})


def test_the_confirmation_names_the_transaction_and_its_button_says_what_it_does(web, merchant):
    t = in_status(merchant, Status.CAPTURED, customer_email="lea.durand@example.fr")

    html = _preview(web, t, "20").content.decode()

    assert f'data-testid="confirm-number">{t.transaction_id}<' in html
    assert merchant.merchant_id in html and merchant.name in html
    assert "lea.durand@example.fr" in html
    assert 'class="danger" data-testid="confirm-button">Rembourser 20,00\u00a0€</button>' in html
    # "Annuler" would read as the cancellation operation: going back says so.
    assert ">Annuler<" not in html
    assert 'data-testid="go-back">Revenir sans rien faire<' in html


def test_the_button_speaks_english_to_an_english_user(web, merchant, operator):
    operator.language = "en"
    operator.save()
    t = in_status(merchant, Status.TO_VALIDATE)

    html = _preview(web, t, "20", kind="validate").content.decode()

    assert 'data-testid="confirm-button">Validate €20.00</button>' in html
    assert "Go back without doing anything" in html


def test_the_reason_is_kept_and_shown_on_the_detail_and_the_list(web, merchant):
    t = in_status(merchant, Status.CAPTURED)
    preview = _preview(web, t)

    response = web.post(
        page(t, "refund"),
        {"amount": "1250", "token": token_of(preview), "step": "confirm",
         "reason": "  Colis retourné  "},
    )  # fmt: skip

    assert response.status_code == 302
    assert Operation.objects.get(transaction=t).reason == "Colis retourné"
    assert "Colis retourné" in web.get(detail(t)).content.decode()
    assert "Colis retourné" in web.get("/operations/").content.decode()


def test_the_banner_says_what_happened(web, merchant):
    t = in_status(merchant, Status.CAPTURED)
    preview = _preview(web, t)

    response = web.post(
        page(t, "refund"), {"amount": "1250", "token": token_of(preview), "step": "confirm"}
    )

    said = [str(m) for m in get_messages(response.wsgi_request)][0]
    assert said.startswith("Remboursement de 12,50\u00a0€ enregistré")
    assert "effectué" not in said


@pytest.mark.parametrize("reason", ["x" * (REASON_MAX_LENGTH + 1), "two\nlines"])
def test_a_bad_reason_is_refused_and_changes_nothing(merchant, operator, reason):
    t = in_status(merchant, Status.CAPTURED)

    with pytest.raises(OperationRefused) as refused:
        operation_perform(kind="CREDIT", transaction=t, user=operator, channel="WEB",
                          amount=100, now=NOW, reason=reason)  # fmt: skip

    assert refused.value.code == "12"
    t.refresh_from_db()
    assert (t.status, t.refunded_amount) == (Status.CAPTURED, 0)
    assert Operation.objects.get(transaction=t).response_code == "12"


def test_the_detail_says_why_an_operation_is_not_offered(web, merchant):
    t = in_status(merchant, Status.CAPTURED)

    html = web.get(detail(t)).content.decode()

    assert 'data-testid="not-offered"' in html
    # Cancelling a captured payment: the table has no such cell; validating neither.
    assert 'data-operation="CANCEL"><strong>Annuler</strong>' in html
    assert "n’est pas possible sur une transaction au statut" in html or "not possible" in html
    # A refund is offered, so it is not in the list of reasons.
    assert 'data-operation="CREDIT"><strong>' not in html


def test_a_refunded_in_full_payment_says_nothing_is_left(web, merchant):
    t = in_status(merchant, Status.CAPTURED, captured_amount=10000, refunded_amount=10000)

    html = web.get(detail(t)).content.decode()

    assert 'data-operation="CREDIT"><strong>Remboursement</strong>' in html


@pytest.mark.parametrize(
    "query, field",
    [
        ("date_from=2026-11-20&date_to=2026-11-01", "date_to"),
        ("transaction_id=12a", "transaction_id"),
    ],
)
def test_the_operations_list_says_what_is_wrong_in_its_criteria(web, merchant, query, field):
    in_status(merchant, Status.CAPTURED)

    html = web.get(f"/operations/?{query}").content.decode()

    assert f'id="id_{field}_error"' in html
    assert f'aria-describedby="id_{field}_error"' in html
    assert 'data-testid="form-errors"' in html
    assert "operations-table" not in html


def test_the_operations_list_has_an_empty_state_that_says_what_to_try(web, merchant):
    html = web.get("/operations/?kind=ADVICE").content.decode()

    assert 'data-testid="empty-state"' in html
    assert "operations-table" not in html
