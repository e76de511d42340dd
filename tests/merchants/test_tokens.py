import hashlib
import re

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from merchants.models import Access, ApiToken
from tests.factories import UserFactory, api_key, grant, make_merchant


@pytest.fixture
def operator(db):
    user = UserFactory(username="op")
    grant(user, Access.Role.OPERATOR, merchant=make_merchant("014213245611111"))
    make_merchant("029800266211111")
    return user


NEW_PASSWORD = "A-much-longer-new-pass-42"


def _api(key):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def _new_token(client, name="script") -> str:
    page = client.post(
        "/accounts/profile/token/", {"action": "create", "name": name}
    ).content.decode()
    return re.search(r'data-testid="new-token">([0-9a-f]{40})<', page).group(1)


def test_a_token_made_on_the_profile_page_has_exactly_the_users_rights(client, operator):
    client.force_login(operator)

    key = _new_token(client)

    shops = _api(key).get("/api/v1/shops/").json()["shops"]
    assert [s["merchant_id"] for s in shops] == ["014213245611111"]
    assert _api(key).get("/api/v1/shops/029800266211111/").json()["response_code"] == "25"
    # Shown once: the profile page afterwards shows only its first characters.
    assert key not in client.get("/accounts/profile/").content.decode()


def test_several_named_tokens_work_and_one_revoked_stops_alone(client, operator):
    client.force_login(operator)
    first = _new_token(client, "accounting")
    second = _new_token(client, "shop sync")

    assert _api(first).get("/api/v1/shops/").status_code == 200
    assert _api(second).get("/api/v1/shops/").status_code == 200
    page = client.get("/accounts/profile/").content.decode()
    assert "accounting" in page and "shop sync" in page

    revoked = ApiToken.objects.get(user=operator, name="accounting")
    client.post("/accounts/profile/token/", {"action": "revoke", "token": revoked.pk})

    assert _api(first).get("/api/v1/shops/").status_code == 401
    assert _api(second).get("/api/v1/shops/").status_code == 200


def test_a_token_is_stored_hashed_and_records_its_last_use(client, operator):
    client.force_login(operator)
    key = _new_token(client)
    token = ApiToken.objects.get(user=operator)

    assert key not in (token.key_hash, token.prefix)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.last_used_at is None

    _api(key).get("/api/v1/shops/")

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_name_already_used_is_refused(client, operator):
    client.force_login(operator)
    _new_token(client, "same")

    response = client.post("/accounts/profile/token/", {"action": "create", "name": "same"})

    assert response.status_code == 400
    assert ApiToken.objects.filter(user=operator).count() == 1


def test_someone_elses_token_cannot_be_revoked(client, operator):
    other = UserFactory(username="other-op")
    api_key(other)
    theirs = ApiToken.objects.get(user=other)
    client.force_login(operator)

    client.post("/accounts/profile/token/", {"action": "revoke", "token": theirs.pk})

    assert ApiToken.objects.filter(pk=theirs.pk).exists()


def test_a_password_change_revokes_every_token(client, operator):
    keys = [api_key(operator, "a"), api_key(operator, "b")]
    client.force_login(operator)

    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "pw-for-tests-1",
            "new_password1": "A-much-longer-new-pass-42",
            "new_password2": "A-much-longer-new-pass-42",
        },
    )

    assert response.status_code == 302
    assert all(_api(k).get("/api/v1/shops/").status_code == 401 for k in keys)
    assert not ApiToken.objects.filter(user=operator).exists()


def test_a_password_reset_revokes_every_token(client, operator):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    key = api_key(operator)
    uid = urlsafe_base64_encode(force_bytes(operator.pk))
    link = f"/accounts/reset/{uid}/{default_token_generator.make_token(operator)}/"
    form_url = client.get(link)["Location"]

    response = client.post(
        form_url,
        {
            "new_password1": "A-much-longer-new-pass-42",
            "new_password2": "A-much-longer-new-pass-42",
        },
    )

    assert response.status_code == 302, response.content
    assert _api(key).get("/api/v1/shops/").status_code == 401


def test_the_payment_server_feeds_and_does_nothing_else(db, capsys):
    UserFactory(username="paymentserver", is_payment_server=True)
    make_merchant("014213245611111")
    call_command("api_token", "paymentserver")
    key = capsys.readouterr().out.strip()
    api = _api(key)

    assert api.get("/api/v1/shops/").status_code == 403
    assert api.get("/api/v1/shops/014213245611111/").json()["response_code"] == "40"
    fed = api.post(
        "/api/v1/transactions/",
        {
            "merchant_id": "014213245611111",
            "transaction_id": "1",
            "amount": "1050",
            "currency_code": "978",
            "response_code": "00",
            "payment_means": "CB",
            "card_number": "4974.12",
        },
        format="json",
    )
    assert fed.status_code in (201, 400), fed.content  # let in; the body's grammar is the feed's
    assert fed.json()["response_code"] != "40"


def test_the_language_preference_is_saved_on_the_profile(client, operator):
    client.force_login(operator)

    client.post("/accounts/profile/", {"language": "en"})

    operator.refresh_from_db()
    assert operator.language == "en"
    assert "Log out" in client.get("/").content.decode()


def test_a_token_is_refused_at_the_next_request_once_revoked_or_its_user_deactivated(operator):
    """The token's statement is compiled once per process; its row is read at every request."""
    first, second = api_key(operator, "first"), api_key(operator, "second")
    assert _api(first).get("/api/v1/shops/").status_code == 200
    assert _api(second).get("/api/v1/shops/").status_code == 200

    ApiToken.objects.filter(user=operator, name="first").delete()
    assert _api(first).get("/api/v1/shops/").status_code == 401
    assert _api(second).get("/api/v1/shops/").status_code == 200

    operator.is_active = False
    operator.save(update_fields=["is_active"])
    assert _api(second).get("/api/v1/shops/").status_code == 401


def test_a_token_authenticates_its_user_read_whole(operator, django_assert_num_queries):
    """The token and its user come from one statement, every field of both read."""
    from merchants.auth import ApiTokenAuthentication
    from merchants.models import User

    key = api_key(operator)
    ApiTokenAuthentication().authenticate_credentials(key)  # last use recorded

    with django_assert_num_queries(1):
        user, token = ApiTokenAuthentication().authenticate_credentials(key)
        assert token.user is user

    fields = [f.attname for f in User._meta.concrete_fields]
    expected = User.objects.get(pk=operator.pk)
    assert [getattr(user, f) for f in fields] == [getattr(expected, f) for f in fields]
    assert token.last_used_at is not None and token.key_hash == ApiToken.objects.get().key_hash
