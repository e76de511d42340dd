import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from journals.models import Journal
from journals.services import journal_build
from merchants.models import Merchant
from tests.factories import UserFactory, grant, make_merchant, make_transaction
from tests.journals.conftest import MORNING


@pytest.fixture
def world(shop):
    other = make_merchant(name="Other shop")
    make_transaction(shop)
    make_transaction(other)
    built = {}
    for merchant in (shop, other):
        for kind in ("TRANSACTIONS", "OPERATIONS"):
            built[merchant.merchant_id, kind] = journal_build(
                merchant_pk=merchant.pk, kind=kind, journal_date=MORNING.date(), now=MORNING
            )[0]
    consulter = UserFactory(username="consulter")
    grant(consulter, "CONSULTER", merchant=shop)
    return {"shop": shop, "other": other, "journals": built, "consulter": consulter}


def test_the_journals_page_lists_the_users_shops_journals_only(
    client, world, django_assert_max_num_queries
):
    client.force_login(world["consulter"])
    with django_assert_max_num_queries(12):
        response = client.get("/journals/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "JT_014213245611111_20261127_000001.csv" in html
    assert "JO_014213245611111_20261127_000001.csv" in html
    assert world["other"].merchant_id not in html.split('data-testid="journals"')[1]
    assert 'href="/journals/"' in html  # the nav link


def test_a_merchant_user_downloads_the_sealed_file_of_their_shop(client, world):
    journal = world["journals"]["014213245611111", "TRANSACTIONS"]
    client.force_login(world["consulter"])
    response = client.get(f"/journals/{journal.pk}/download/")

    assert response.status_code == 200
    assert response.content == journal.content.encode()
    assert response["X-Journal-Seal"] == journal.seal
    assert journal.filename in response["Content-Disposition"]


def test_another_shops_journal_does_not_exist_for_the_user(client, world):
    journal = world["journals"][world["other"].merchant_id, "TRANSACTIONS"]
    client.force_login(world["consulter"])
    assert client.get(f"/journals/{journal.pk}/download/").status_code == 404


def test_a_user_without_any_role_sees_no_journal(client, world):
    client.force_login(UserFactory(username="nobody"))
    response = client.get("/journals/")
    assert "JT_" not in response.content.decode()


def test_the_api_lists_the_users_journals_with_a_download_link(world):
    api = APIClient()
    api.force_authenticate(world["consulter"])
    response = api.get("/api/v1/journals/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert {(r["merchant_id"], r["kind"], r["sequence"]) for r in rows} == {
        ("014213245611111", "TRANSACTIONS", 1),
        ("014213245611111", "OPERATIONS", 1),
    }
    row = next(r for r in rows if r["kind"] == "TRANSACTIONS")
    download = api.get(row["download_url"])
    assert download.status_code == 200
    assert download.content == world["journals"]["014213245611111", "TRANSACTIONS"].content.encode()
    assert row["seal"] == world["journals"]["014213245611111", "TRANSACTIONS"].seal


def test_the_api_answers_404_with_code_25_outside_scope_and_12_on_a_bad_date(world):
    api = APIClient()
    api.force_authenticate(world["consulter"])
    other = world["journals"][world["other"].merchant_id, "OPERATIONS"]

    response = api.get(f"/api/v1/journals/{other.pk}/download/")
    assert response.status_code == 404 and response.json()["response_code"] == "25"
    response = api.get("/api/v1/journals/?date=27/11/2026")
    assert response.status_code == 400 and response.json()["response_code"] == "12"
    assert api.get("/api/v1/journals/?kind=operations").json()["results"][0]["kind"] == "OPERATIONS"


def test_bank_staff_resend_a_sent_journal_from_the_admin(client, world):
    journal = world["journals"]["014213245611111", "OPERATIONS"]
    Journal.objects.filter(pk=journal.pk).update(state="SENT")
    staff = UserFactory(username="bank", is_bank_staff=True)
    client.force_login(staff)

    listing = client.get("/admin/journals/journal/")
    assert listing.status_code == 200 and "SENT" in listing.content.decode()
    response = client.post(
        "/admin/journals/journal/",
        {"action": "resend", "_selected_action": [journal.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert (
        len(mail.outbox) == 1 and mail.outbox[0].attachments[0].get_filename() == journal.filename
    )
    journal.refresh_from_db()
    assert journal.state == "SENT" and journal.attempts == 1


def test_the_command_builds_and_sends_and_says_what_it_did(shop, capsys):
    Merchant.objects.filter(pk=shop.pk).update(environment="PRODUCTION")
    make_transaction(shop)
    call_command("build_journals", "--date", "2026-11-27", "--merchant", shop.merchant_id)
    out = capsys.readouterr().out

    assert "014213245611111 TRANSACTIONS 2026-11-27 #000001: 1 records, built, SENT" in out
    assert "014213245611111 OPERATIONS 2026-11-27 #000001: 0 records, built, SENT" in out
    assert len(mail.outbox) == 2

    call_command("build_journals", "--date", "2026-11-27", "--merchant", shop.merchant_id)
    assert "already built, SENT" in capsys.readouterr().out
    assert len(mail.outbox) == 2


def test_the_command_refuses_bad_input_clearly(shop):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("build_journals", "--date", "27/11/2026")
    with pytest.raises(CommandError, match="No shop with merchant_id 999"):
        call_command("build_journals", "--merchant", "999")
    assert not Journal.objects.exists()


def test_the_command_refuses_a_date_before_the_last_journal_and_builds_nothing(shop, capsys):
    Merchant.objects.filter(pk=shop.pk).update(environment="PRODUCTION")
    call_command("build_journals", "--date", "2026-11-27", "--merchant", shop.merchant_id)
    with pytest.raises(CommandError, match="1 shop"):
        call_command("build_journals", "--date", "2026-11-26", "--merchant", shop.merchant_id)

    assert "A later journal (2026-11-27) exists already" in capsys.readouterr().err
    assert not Journal.objects.filter(journal_date="2026-11-26").exists()
