"""What the deployment serves: a CSP on every page, self-hosted API docs, /health/."""

import re

import pytest
from django.test import Client

from tests.factories import UserFactory


@pytest.mark.parametrize("url", ["/accounts/login/", "/api/v1/docs/", "/health/", "/transactions/"])
def test_every_answer_carries_a_content_security_policy(db, url):
    response = Client().get(url)

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_pages_of_the_back_office_allow_no_inline_style_or_script(db):
    client = Client()
    client.force_login(UserFactory(username="csp-bank", is_bank_staff=True))

    policy = client.get("/transactions/")["Content-Security-Policy"]

    assert "unsafe-inline" not in policy


def test_the_api_docs_load_no_third_party_asset(db):
    response = Client().get("/api/v1/docs/")
    html = response.content.decode()

    assert response.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    assert all(s.startswith("/") for s in sources), sources
    assert "<script>" not in html  # no inline script: the CSP would refuse it
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in sources


def test_the_redoc_bundle_is_served_from_our_static_files(db):
    from django.contrib.staticfiles import finders

    assert finders.find("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js")


def test_health_answers_ok_with_each_check_named(db):
    response = Client().get("/health/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200, response.content
    body = response.json()
    names = " ".join(body)
    assert "Database" in names and "Broker" in names and "Disk" in names


def test_health_says_unavailable_when_the_broker_is_unreachable(db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    from health_check.views import HealthCheckView

    from core.health import Broker

    view = HealthCheckView.as_view(checks=["health_check.checks.Database", Broker])
    from django.test import RequestFactory

    response = view(RequestFactory().get("/health/", HTTP_ACCEPT="application/json"))
    import asyncio

    if asyncio.iscoroutine(response):
        response = asyncio.run(response)

    assert response.status_code == 500
    assert "Broker" in response.content.decode()
