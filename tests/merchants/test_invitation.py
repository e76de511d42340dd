"""The invitation of a new user: an e-mail sent by a task once the account is committed, so a
mail server that fails never fails the creation; one account per e-mail address, case ignored."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction

from merchants.models import Access, User
from tests.factories import UserFactory, grant, make_merchant


class DownSmtpBackend(BaseEmailBackend):
    calls = 0

    def send_messages(self, email_messages):
        DownSmtpBackend.calls += 1
        raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")


@pytest.fixture
def ua(client, db):
    shop = make_merchant()
    admin = UserFactory(username="ua")
    grant(admin, Access.Role.USER_ADMIN, merchant=shop)
    client.force_login(admin)
    client.shop = shop
    return client


def _create(client, username="newbie", email="newbie@shop.test"):
    return client.post(
        "/users/new/",
        {
            "username": username,
            "email": email,
            "role": "CONSULTER",
            "point": f"shop:{client.shop.pk}",
        },
    )


def test_nothing_is_sent_before_the_account_is_committed(
    ua, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _create(ua)
    assert response.status_code == 302
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["newbie@shop.test"]]
    assert "/accounts/reset/" in mail.outbox[0].body


def test_a_mail_server_down_does_not_fail_the_creation(
    ua, eager_tasks, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.DownSmtpBackend"
    DownSmtpBackend.calls = 0
    with django_capture_on_commit_callbacks(execute=True):
        response = _create(ua)
    assert response.status_code == 302
    newbie = User.objects.get(username="newbie")
    assert list(newbie.accesses.values_list("role", flat=True)) == ["CONSULTER"]
    assert DownSmtpBackend.calls > 1  # tried, and retried


def test_the_invitation_follows_the_inviters_language(
    ua, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _create(ua)
    french = mail.outbox[0]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ua.cookies["django_language"] = "en"
        _create(ua, username="other", email="other@shop.test")
    assert french.subject != mail.outbox[0].subject


@pytest.mark.django_db
def test_the_database_refuses_a_second_account_with_the_same_address_in_another_case():
    UserFactory(username="a", email="Same@Shop.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="b", email="same@shop.TEST")
    # Accounts without an address (the payment server's, say) are not concerned.
    User.objects.create(username="c", email="")
    User.objects.create(username="d", email="")
