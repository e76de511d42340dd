"""Server-Timing and the floor page (core/timing.py): the figures bench/search.py and
bench/home.py set each page against."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import MiddlewareNotUsed
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory

from core.timing import ServerTimingMiddleware, floor
from tests.factories import UserFactory


def _two_queries(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.execute("SELECT 2")
    return HttpResponse("ok")


@pytest.mark.django_db
def test_the_header_counts_the_queries_and_times_them(settings):
    settings.SERVER_TIMING = True
    response = ServerTimingMiddleware(_two_queries)(RequestFactory().get("/"))

    header = response["Server-Timing"]
    found = re.fullmatch(r'db;dur=([\d.]+);desc="(\d+) queries", app;dur=([\d.]+)', header)
    assert found, header
    db, count, app = float(found[1]), int(found[2]), float(found[3])
    assert count == 2
    assert 0 < db <= app


def test_off_by_default_the_middleware_is_not_used(settings):
    settings.SERVER_TIMING = False
    with pytest.raises(MiddlewareNotUsed):
        ServerTimingMiddleware(_two_queries)


@pytest.mark.django_db
def test_the_floor_page_is_the_layout_behind_the_login():
    request = RequestFactory().get("/server-timing/floor/")
    request.user = AnonymousUser()
    assert floor(request).status_code == 302

    request.user = UserFactory()
    response = floor(request)
    assert response.status_code == 200
    assert b"<nav" in response.content
