"""Two-factor authentication: who must, enrolment, codes, backup codes, reset, the API."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from merchants.models import Access, AuditRecord
from tests.factories import UserFactory, api_key, grant, make_merchant

pytestmark = pytest.mark.real_two_factor
PASSWORD = "pw-for-tests-1"


def _code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def _login(client, username):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


def _enrol(client, user) -> list[str]:
    client.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page = client.post("/accounts/two-factor/setup/", {"code": _code(device)})
    assert page.status_code == 200, page.content
    return re.findall(r"<li><code>([^<]+)</code></li>", page.content.decode())


@pytest.fixture
def bank(db):
    return UserFactory(username="bank-2fa", is_bank_staff=True)


@pytest.mark.parametrize("who", ["bank", "useradmin", "enforced shop"])
def test_those_who_must_are_sent_to_enrolment_and_reach_nothing_else(db, who):
    shop = make_merchant()
    shop.two_factor_required = who == "enforced shop"
    shop.save()
    user = UserFactory(username="must", is_bank_staff=(who == "bank"))
    if who != "bank":
        role = Access.Role.USER_ADMIN if who == "useradmin" else Access.Role.CONSULTER
        grant(user, role, merchant=shop)
    client = Client()

    response = _login(client, "must")

    assert response.status_code == 302
    for url in ("/", "/transactions/", "/users/", "/admin/", "/accounts/profile/"):
        answer = client.get(url)
        assert answer.status_code == 302, url
        assert answer["Location"].startswith("/accounts/two-factor/setup/"), url
    assert client.get("/api/v1/shops/").status_code == 403


def test_a_consulter_of_an_ordinary_shop_is_not_required(db):
    grant(UserFactory(username="free"), Access.Role.CONSULTER, merchant=make_merchant())
    client = Client()
    _login(client, "free")

    assert client.get("/transactions/").status_code == 200


def test_enrolment_draws_the_qr_code_locally_and_gives_backup_codes(bank):
    client = Client()
    _login(client, "bank-2fa")

    page = client.get("/accounts/two-factor/setup/").content.decode()

    assert 'src="data:image/svg+xml' in page
    # Drawn here: an image inlined as data, no request to a QR service.
    assert re.search(r'<img src="(data:[^"]+)"[^>]*data-testid="qr"', page)
    codes = _enrol(client, bank)
    assert len(codes) == 10
    assert client.get("/transactions/").status_code == 200


def test_a_wrong_code_is_refused_at_enrolment(bank):
    client = Client()
    _login(client, "bank-2fa")
    client.get("/accounts/two-factor/setup/")

    response = client.post("/accounts/two-factor/setup/", {"code": "000000"})

    assert response.status_code == 400
    assert not TOTPDevice.objects.filter(user=bank, confirmed=True).exists()


def test_the_next_login_asks_for_a_code_and_refuses_a_wrong_one(bank):
    first = Client()
    _login(first, "bank-2fa")
    _enrol(first, bank)
    device = TOTPDevice.objects.get(user=bank, confirmed=True)
    client = Client()

    with time_machine.travel(timezone.now(), tick=True) as traveller:
        _login(client, "bank-2fa")
        assert client.get("/transactions/")["Location"].startswith("/accounts/two-factor/verify/")
        wrong = client.post("/accounts/two-factor/verify/", {"code": "123456"})
        assert wrong.status_code == 400
        assert client.get("/transactions/").status_code == 302

        # django-otp slows guessing down (a wait after a wrong code) and takes each time step's
        # code once (the enrolment used this one): the next step's code.
        traveller.shift(dt.timedelta(seconds=31))
        right = client.post("/accounts/two-factor/verify/", {"code": _code(device), "next": "/"})
        assert right.status_code == 302
        assert client.get("/transactions/").status_code == 200


def test_a_backup_code_works_once(bank):
    first = Client()
    _login(first, "bank-2fa")
    codes = _enrol(first, bank)

    one, two = Client(), Client()
    _login(one, "bank-2fa")
    assert one.post("/accounts/two-factor/verify/", {"code": codes[0]}).status_code == 302
    _login(two, "bank-2fa")
    assert two.post("/accounts/two-factor/verify/", {"code": codes[0]}).status_code == 400
    assert StaticToken.objects.filter(device__user=bank).count() == 9


def test_an_open_redirect_through_next_is_refused(bank):
    client = Client()
    _login(client, "bank-2fa")
    codes = _enrol(client, bank)
    other = Client()
    _login(other, "bank-2fa")

    response = other.post(
        "/accounts/two-factor/verify/", {"code": codes[1], "next": "https://evil.example/"}
    )

    assert response["Location"] == "/"


def test_bank_staff_reset_a_users_second_factor_and_it_is_audited(bank):
    user = UserFactory(username="lost-phone", is_bank_staff=True)
    client = Client()
    _login(client, "lost-phone")
    _enrol(client, user)
    staff = Client()
    _login(staff, "bank-2fa")
    _enrol(staff, bank)

    response = staff.post(f"/users/{user.pk}/two-factor/reset/")

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    record = AuditRecord.objects.get(action="TWO_FACTOR_RESET", object_id=str(user.pk))
    assert record.actor == bank
    again = Client()
    _login(again, "lost-phone")
    assert again.get("/")["Location"].startswith("/accounts/two-factor/setup/")


def test_a_user_admin_cannot_reset_a_second_factor(db):
    shop = make_merchant()
    admin = UserFactory(username="ua-2fa")
    grant(admin, Access.Role.USER_ADMIN, merchant=shop)
    target = UserFactory(username="target-2fa")
    grant(target, Access.Role.CONSULTER, merchant=shop)
    TOTPDevice.objects.create(user=target, name="authenticator", confirmed=True)
    client = Client()
    _login(client, "ua-2fa")
    _enrol(client, admin)

    assert client.post(f"/users/{target.pk}/two-factor/reset/").status_code == 403
    assert TOTPDevice.objects.filter(user=target).exists()


def test_the_api_stays_token_based(bank):
    key = api_key(bank)
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert api.get("/api/v1/shops/").status_code == 200


def test_a_session_opened_before_the_rule_is_held_to_it(bank):
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    # A session made without this version's login (no two-factor marks in it).
    store = SessionStore()
    store[SESSION_KEY] = str(bank.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    store[HASH_SESSION_KEY] = bank.get_session_auth_hash()
    store.create()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key

    response = client.get("/transactions/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/setup/")
