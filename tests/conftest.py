import pytest
from django.conf import settings
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory, make_merchant


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL's row locks: skipped on the embedded SQLite.
    Tests marked `redis` need a real Celery worker on Redis: skipped on the filesystem broker."""
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        skip_redis = pytest.mark.skip(reason="needs Redis (set CELERY_BROKER_URL=redis://…)")
        for item in items:
            if "redis" in item.keywords:
                item.add_marker(skip_redis)
    if connection.settings_dict["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://…)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def shop(db):
    return make_merchant("014213245611111", name="Boutique Démo Paris")


@pytest.fixture
def payment_server(db):
    return UserFactory(username="paymentserver", is_payment_server=True)


@pytest.fixture
def feed_client(payment_server):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=payment_server)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
