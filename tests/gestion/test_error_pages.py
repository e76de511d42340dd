"""The error pages: inside the layout with its navigation, translated, and the 500 page
rendered without the database (core/errors.py)."""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import connection
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path

from core import errors
from gestion.urls import urlpatterns as real_patterns
from tests.factories import UserFactory, grant, make_merchant


def _forbidden(request):
    raise PermissionDenied


def _bad(request):
    raise SuspiciousOperation("bad")


def _broken(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("tests/forbidden/", _forbidden),
    path("tests/bad/", _bad),
    path("tests/broken/", _broken),
    *real_patterns,
]
handler400 = "gestion.urls.handler400"
handler403 = "gestion.urls.handler403"
handler404 = "gestion.urls.handler404"
handler500 = "gestion.urls.handler500"


@pytest.fixture
def signed_in(client, db):
    user = UserFactory(username="operator")
    grant(user, "OPERATOR", merchant=make_merchant())
    client.force_login(user)
    return client


@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize(
    "url, status, french, english",
    [
        ("/tests/bad/", 400, "Cette demande n’a pas pu être lue", "This request could not be read"),
        ("/tests/forbidden/", 403, "Vous n’avez pas accès à cette page", "You may not see"),
        ("/nowhere/", 404, "Page introuvable", "Page not found"),
    ],
)  # fmt: skip
def test_an_error_page_is_translated_and_keeps_the_navigation(
    signed_in, status, url, french, english
):
    response = signed_in.get(url)
    html = response.content.decode()
    assert response.status_code == status
    assert french in html
    assert 'class="mainnav"' in html and 'href="/operations/"' in html
    assert f'data-status="{status}"' in html

    signed_in.cookies["django_language"] = "en"
    english_html = signed_in.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert english in english_html


@override_settings(ROOT_URLCONF=__name__)
def test_the_api_keeps_its_error_body(signed_in):
    response = signed_in.get("/api/v1/nowhere/")
    assert response.status_code == 404
    assert response.json()["response_code"] == "25"


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_an_unexpected_error_shows_the_500_page(signed_in):
    signed_in.raise_request_exception = False
    response = signed_in.get("/tests/broken/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Un problème est survenu de notre côté" in html
    assert 'class="mainnav"' in html


def test_the_500_page_reads_nothing_from_the_database(db):
    request = RequestFactory().get("/somewhere/")  # no user, no session: as after a failure
    with CaptureQueriesContext(connection) as queries:
        response = errors.server_error(request)
    assert response.status_code == 500
    assert "Un problème est survenu de notre côté" in response.content.decode()
    assert 'href="/transactions/"' in response.content.decode()
    assert len(queries) == 0
