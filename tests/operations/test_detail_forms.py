"""What the detail page includes ({% operation_forms t %}): one form per allowed operation."""

import pytest
import time_machine
from django.template import Context, Template
from django.test import RequestFactory

from tests.factories import UserFactory, grant
from tests.operations.conftest import NOW, in_status
from transactions.models import Status

TEMPLATE = Template("{% load operations %}{% operation_forms t %}")


def render(user, t):
    request = RequestFactory().get("/")
    request.user = user
    return TEMPLATE.render(Context({"request": request, "t": t, "csrf_token": "x"}))


@pytest.mark.parametrize(
    "status,kinds",
    [
        (Status.TO_VALIDATE, {"validate", "cancel", "duplicate"}),
        (Status.TO_REPLAY, {"validate", "cancel", "duplicate"}),
        (Status.TO_AUTHORIZE, {"cancel", "duplicate"}),
        (Status.REFERRAL, {"advice", "cancel", "duplicate"}),
        (Status.TO_CAPTURE, {"cancel", "duplicate"}),
        (Status.CAPTURED, {"credit", "duplicate"}),
        (Status.CREDITED, {"duplicate"}),
    ],
)
def test_an_operator_gets_a_form_per_allowed_operation(merchant, operator, status, kinds):
    t = in_status(merchant, status)

    with time_machine.travel(NOW, tick=False):
        html = render(operator, t)

    names = ("validate", "cancel", "credit", "advice", "duplicate")
    shown = {k for k in names if f"operation-{k}" in html}
    assert shown == kinds
    if status == Status.CAPTURED:
        assert 'value="100,00"' in html


def test_a_consulter_gets_none(merchant):
    consulter = UserFactory(username="consulter")
    grant(consulter, "CONSULTER", merchant=merchant)

    assert "operation-" not in render(consulter, in_status(merchant, Status.CAPTURED))


def test_no_form_is_offered_during_the_remittance_window(merchant, operator):
    t = in_status(merchant, Status.CAPTURED)

    with time_machine.travel(NOW.replace(hour=22, minute=30), tick=False):
        assert "operation-" not in render(operator, t)
