import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from tests.factories import UserFactory, grant, make_merchant, make_transaction
from transactions.models import Status


@pytest.fixture
def operator(db):
    return UserFactory(username="operator")


def test_the_home_page_needs_a_login(client, db):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_login_page_is_french_by_default_and_english_on_request(client, db):
    assert "Se connecter" in client.get("/accounts/login/").content.decode()

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert "Log in" in client.get("/accounts/login/").content.decode()


@time_machine.travel(dt.datetime(2026, 11, 27, 0, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))))
def test_home_shows_yesterdays_figures_for_the_users_shops_only(client, operator):
    # Stated: 30 s after a Paris midnight, when "yesterday" is the day that has just ended.
    mine = make_merchant("014213245611111", name="Ma boutique")
    theirs = make_merchant("029800266211111", name="Pas la mienne")
    grant(operator, "OPERATOR", merchant=mine)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    noon = timezone.make_aware(dt.datetime.combine(yesterday, dt.time(12)))
    make_transaction(mine, amount=1050, payment_at=noon, payment_date=yesterday)
    make_transaction(mine, amount=2000, payment_at=noon, payment_date=yesterday)
    make_transaction(
        mine, amount=999, payment_at=noon, payment_date=yesterday, status=Status.REFUSED
    )
    make_transaction(theirs, amount=7777, payment_at=noon, payment_date=yesterday)
    client.force_login(operator)

    page = client.get("/").content.decode()

    assert "Ma boutique" in page
    assert "Pas la mienne" not in page
    assert "30,50\u00a0€" in page  # the accepted amount, as a French reader writes it
    assert "66,7\u00a0%" in page  # 2 accepted of 3
    assert "77,77" not in page


def test_a_users_saved_language_wins(client, operator):
    operator.language = "en"
    operator.save()
    client.force_login(operator)

    page = client.get("/").content.decode()

    assert "Log out" in page
