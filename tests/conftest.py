import os
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from tests.browser import browser  # noqa: F401  (the Playwright fixture, for every test)
from tests.clock import CLOCK_ENV, parse_instant, start_shifted_clock
from tests.factories import UserFactory, api_key, make_merchant

_CLOCK = pytest.StashKey[tuple]()  # (instant, traveller) of a shifted run


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        metavar="INSTANT",
        default=os.environ.get(CLOCK_ENV) or None,
        help=(
            "run the whole suite on a clock that starts at INSTANT and ticks from there "
            "(ISO 8601 with its UTC offset, e.g. 2027-10-31T22:30:00+01:00); "
            f"also read from ${CLOCK_ENV}"
        ),
    )


def pytest_configure(config):
    value = config.getoption("--clock")
    if not value:
        return
    try:
        instant = parse_instant(value)
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from exc
    config.stash[_CLOCK] = (instant, start_shifted_clock(instant))


def pytest_report_header(config):
    shifted = config.stash.get(_CLOCK, None)
    if shifted is None:
        return "clock: real"
    instant, _ = shifted
    paris = instant.astimezone(ZoneInfo("Europe/Paris"))
    return (
        f"clock: shifted, the suite starts at {instant.isoformat()} "
        f"({paris:%A %Y-%m-%d %H:%M:%S %Z} in Paris) and ticks"
    )


def pytest_unconfigure(config):
    shifted = config.stash.get(_CLOCK, None)
    if shifted is not None:
        shifted[1].stop()


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
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(payment_server)}")
    return client


@pytest.fixture(autouse=True)
def force_login_with_second_factor(request, monkeypatch):
    """Client.force_login gives a session verified by a second factor to the users who must
    have one (bank staff, user administrators, users of a shop requiring it), as a real login
    with a code would: tests of other things need not type codes. The two-factor tests
    themselves (marker `real_two_factor`) log in the real way."""
    if "real_two_factor" in request.keywords:
        return
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from merchants.two_factor import SESSION_ENROLLED, TOTP_NAME, two_factor_required

        if not two_factor_required(user):
            return
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session[SESSION_ENROLLED] = True
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def eager_tasks():
    """Celery tasks run in the test's process as they are enqueued."""
    from gestion.celery import app

    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def empty_cache():
    """Django's cache (the home page's 30-day figures) starts empty in every test: a test's rows
    are rolled back, its cached figures must go with them."""
    from django.core.cache import cache

    from transactions.selectors import trend_memo_clear

    cache.clear()
    trend_memo_clear()
    yield
