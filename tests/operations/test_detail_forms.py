"""What the detail page includes ({% operation_forms t %}): one form per allowed operation."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from tests.factories import UserFactory, grant
from tests.operations.conftest import in_status
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
        (Status.TO_CAPTURE, {"cancel", "duplicate"}),
        (Status.CAPTURED, {"refund", "duplicate"}),
        (Status.CREDITED, {"duplicate"}),
    ],
)
def test_an_operator_gets_a_form_per_allowed_operation(merchant, operator, status, kinds):
    t = in_status(merchant, status)

    html = render(operator, t)

    shown = {k for k in ("validate", "cancel", "refund", "duplicate") if f"operation-{k}" in html}
    assert shown == kinds
    if status == Status.CAPTURED:
        assert 'value="100,00"' in html


def test_a_consulter_gets_none(merchant):
    consulter = UserFactory(username="consulter")
    grant(consulter, "CONSULTER", merchant=merchant)

    assert "operation-" not in render(consulter, in_status(merchant, Status.CAPTURED))
