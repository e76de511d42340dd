"""Schemathesis against the OpenAPI schema: every operation, a bounded number of generated
requests each (GESTION_FUZZ_EXAMPLES, default 15), as an operator of a shop and as the payment
server; no answer may be a 5xx, and every answer must be one the schema documents."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import UserFactory, api_key, grant, make_merchant, make_transaction

EXAMPLES = int(os.environ.get("GESTION_FUZZ_EXAMPLES", "15"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _schema():
    from gestion.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


schema = _schema()


@pytest.fixture
def keys(db):
    # The app is called straight through WSGI, not Django's test client: as that client does,
    # keep the test's database connection open across requests (its transaction holds the data).
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield _keys()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _keys():
    shop = make_merchant("014213245611111")
    operator = UserFactory(username="fuzz-operator")
    grant(operator, "OPERATOR", merchant=shop)
    make_transaction(shop)
    feeder = UserFactory(username="fuzz-feed", is_payment_server=True)
    return {"person": api_key(operator), "feed": api_key(feeder)}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_no_operation_answers_a_server_error_or_off_schema(case, keys):
    feeding = case.operation.definition.raw.get("operationId") == "transactions_feed"
    who = "feed" if feeding else "person"
    case.call_and_validate(headers={"Authorization": f"Token {keys[who]}"}, checks=CHECKS)
