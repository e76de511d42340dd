"""The one search box (transactions.search_box), the date presets and chips, status badges, the
columns chosen per user, previous/next on the detail page, and "my exports"."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.utils import timezone, translation

from tests.factories import UserFactory, grant, make_merchant, make_transaction
from transactions import search_box
from transactions.badges import badge
from transactions.models import ExportStatus, Status, Transaction, TransactionExport

PARIS = ZoneInfo("Europe/Paris")


def at(day, hour=12):
    return dt.datetime(2026, 11, day, hour, tzinfo=PARIS)


# --- Reading the box ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "kind", "criteria"),
    [
        ("123", "fr", "number", {"transaction_id": "000123"}),
        ("004539", "en", "number", {"transaction_id": "004539"}),
        ("Lea.Durand59@Example.fr", "fr", "email", {"customer_email": "Lea.Durand59@Example.fr"}),
        ("CMD-20261127", "fr", "order", {"order_id": "CMD-20261127"}),
        ("4539.07", "fr", "card", {"card_first_digits": "4539", "card_last_digits": "07"}),
        (
            "4539 **** **** **07",
            "en",
            "card",
            {"card_first_digits": "4539", "card_last_digits": "07"},
        ),
        ("**07", "fr", "card", {"card_last_digits": "07"}),
        ("•••• 07", "en", "card", {"card_last_digits": "07"}),
        ("*1207", "fr", "card", {"card_last_digits": "07"}),
        ("4539 ****", "fr", "card", {"card_first_digits": "4539"}),
    ],
)
def test_the_box_reads_numbers_emails_orders_and_cards(text, language, kind, criteria):
    first = search_box.read(text, language=language)[0]

    assert (first.kind, first.criteria) == (kind, criteria)


@pytest.mark.parametrize(
    ("text", "language", "minor", "currency"),
    [
        ("113,19 €", "fr", 11319, "978"),
        ("113,19 €", "en", 11319, "978"),  # pasted from a French page while browsing in English
        ("113.19", "fr", 11319, "978"),
        ("€113.19", "en", 11319, "978"),
        ("1234567", "fr", 123456700, "978"),  # 7 digits: not a number, never cut to 6
        ("1 343 ¥", "fr", 1343, "392"),
        ("JPY 1343", "en", 1343, "392"),
        ("12.50 USD", "en", 1250, "840"),
        ("1.234,50 €", "fr", 123450, "978"),
    ],
)
def test_the_box_reads_amounts_as_people_write_them(text, language, minor, currency):
    first = search_box.read(text, language=language)[0]

    assert (first.kind, first.minor, first.currency) == ("amount", minor, currency)


def test_an_amount_without_currency_is_in_the_one_chosen_else_euros():
    assert search_box.read("12.50", currency="840")[0].currency == "840"
    assert search_box.read("12.50", currency="")[0].currency == "978"
    assert search_box.read("12.50", currency="XXX")[0].currency == "978"


def test_ambiguous_digits_offer_the_other_readings():
    kinds = [r.kind for r in search_box.read("4539", language="fr")]

    assert kinds == ["number", "card", "amount", "order"]


@pytest.mark.parametrize("text", ["Lea Durand", "x" * 65, "12,50 € $", "a|b c"])
def test_what_no_criterion_takes_is_refused(text):
    with pytest.raises(ValueError):
        search_box.read(text, language="fr")


def test_an_empty_box_reads_nothing():
    assert search_box.read("   ") == []


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        ("today", dt.date(2026, 3, 3), dt.date(2026, 3, 3)),
        ("yesterday", dt.date(2026, 3, 2), dt.date(2026, 3, 2)),
        ("7d", dt.date(2026, 2, 25), dt.date(2026, 3, 3)),
        ("30d", dt.date(2026, 2, 2), dt.date(2026, 3, 3)),
        ("month", dt.date(2026, 3, 1), dt.date(2026, 3, 3)),
    ],
)
def test_date_presets_are_paris_days(period, start, end):
    assert search_box.period_days(period, today=dt.date(2026, 3, 3)) == (start, end)


def test_today_is_the_paris_day_not_the_utc_one():
    # 23:30 UTC on 2 March is already 3 March in Paris.
    with time_machine.travel(dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC), tick=False):
        assert search_box.period_days("today") == (dt.date(2026, 3, 3), dt.date(2026, 3, 3))


# --- The box on the list page --------------------------------------------------------------------


@pytest.fixture
def world(db):
    mine, other = make_merchant("014213245611111"), make_merchant("029800266211111")
    user = UserFactory(username="consult", language="en")
    grant(user, "CONSULTER", merchant=mine)
    rows = {
        "lea": make_transaction(
            mine,
            transaction_id="004711",
            payment_at=at(27, 9),
            amount=11319,
            customer_email="lea.durand59@example.fr",
            customer_id="Client-42",
            order_id="CMD-20261127-0042",
            card_number="4539.07",
        ),
        "yen": make_transaction(
            mine, transaction_id="000002", payment_at=at(27, 10), amount=11319, currency_code="392"
        ),
        "other_day": make_transaction(
            mine, transaction_id="000003", payment_at=at(26, 10), order_id="CMD-20261126-0001"
        ),
        "outside": make_transaction(
            other,
            transaction_id="004711",
            payment_at=at(27, 9),
            amount=11319,
            customer_email="lea.durand59@example.fr",
            order_id="CMD-20261127-0042",
        ),
    }
    return {"user": user, "mine": mine, **rows}


def found(response):
    return {r.pk for r in response.context["page"].rows}


def login(client, user, language):
    user.language = language
    user.save()
    client.force_login(user)
    return client


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("4711", {"lea"}),
        ("LEA.Durand59@Example.FR", {"lea"}),
        ("CMD-20261127", {"lea"}),
        ("CMD-2026112", {"lea", "other_day"}),
        ("**07", {"lea"}),
        ("4539.07", {"lea"}),
        ("113,19 €", {"lea"}),  # 113 19 ¥ is not 113,19 €
        ("113.19", {"lea"}),
        ("11319 ¥", {"yen"}),
    ],
)
def test_the_box_finds_within_scope(client, world, language, q, expected):
    response = login(client, world["user"], language).get("/transactions/", {"q": q})

    assert response.status_code == 200
    assert found(response) == {world[name].pk for name in expected}


def test_email_and_customer_criteria_ignore_case_and_order_is_a_prefix(client, world):
    client = login(client, world["user"], "en")

    by_email = client.get("/transactions/", {"customer_email": "Lea.Durand59@EXAMPLE.fr"})
    by_customer = client.get("/transactions/", {"customer_id": "client-42"})
    by_order = client.get("/transactions/", {"order_id": "CMD-20261127"})

    assert found(by_email) == found(by_customer) == found(by_order) == {world["lea"].pk}


def test_an_amount_range_without_currency_no_longer_matches_other_currencies(client, world):
    client = login(client, world["user"], "en")

    euros = client.get("/transactions/", {"amount_min": "110", "amount_max": "120"})
    yen = client.get(
        "/transactions/", {"amount_min": "11000", "amount_max": "12000", "currency_code": "392"}
    )

    assert found(euros) == {world["lea"].pk}
    assert found(yen) == {world["yen"].pk}


def test_an_unreadable_box_is_a_form_error_in_the_users_terms(client, world):
    response = login(client, world["user"], "fr").get("/transactions/", {"q": "Lea Durand"})

    assert response.status_code == 400
    assert "numéro de transaction" in response.content.decode()


def test_other_readings_are_offered_as_links(client, world):
    response = login(client, world["user"], "en").get("/transactions/", {"q": "4539"})

    kinds = [a["kind"] for a in response.context["alternatives"]]
    assert [str(k) for k in kinds] == ["card digits", "amount", "order reference"]
    card = client.get(response.context["alternatives"][0]["url"].replace("?", "/transactions/?"))
    assert found(card) == {world["lea"].pk}


def test_presets_and_chips(client, world):
    client = login(client, world["user"], "en")
    with time_machine.travel(at(27, 15), tick=False):
        today = client.get("/transactions/", {"period": "today", "payment_means": "CB"})
        yesterday = client.get("/transactions/", {"period": "yesterday"})

    assert found(today) == {world["lea"].pk, world["yen"].pk}
    assert found(yesterday) == {world["other_day"].pk}
    chips = {(c.label, c.value): c.remove_url for c in today.context["chips"]}
    assert {label for label, _value in chips} == {"Period", "Payment means"}
    assert chips[("Period", "Today")] == "?payment_means=CB"
    assert 'aria-current="true">Today<' in today.content.decode()


def test_a_status_chip_removes_only_its_value(client, world):
    client = login(client, world["user"], "en")

    response = client.get("/transactions/", {"status": ["CAPTURED", "REFUSED"]})

    chips = {c.value: c.remove_url for c in response.context["chips"]}
    assert chips["Refused"] == "?status=CAPTURED"


# --- Status badges -------------------------------------------------------------------------------


def row(**fields):
    values = {
        "status": Status.CAPTURED,
        "origin_amount": 10000,
        "amount": 10000,
        "captured_amount": 10000,
        "refunded_amount": 0,
        "currency_code": "978",
    }
    values.update(fields)
    return Transaction(**values)


def test_badges_mean_something_and_neutral_states_are_not_red():
    assert badge(row()).tone == "success"
    assert badge(row(status=Status.REFUSED, captured_amount=0)).tone == "danger"
    assert badge(row(status=Status.TO_VALIDATE, captured_amount=0)).tone == "warning"
    for status in (Status.CANCELLED, Status.EXPIRED, Status.CREDITED, Status.ENDED):
        assert badge(row(status=status)).tone == "neutral"


@translation.override("en")
def test_a_partly_refunded_payment_says_so_with_what_remains():
    b = badge(row(status=Status.TO_CREDIT, refunded_amount=2000))

    assert (str(b.partial), b.remaining) == ("partially refunded", 8000)
    assert badge(row(status=Status.CREDITED, refunded_amount=10000)).partial == ""


@translation.override("en")
def test_a_partly_cancelled_payment_says_so_with_what_remains():
    b = badge(row(status=Status.TO_CAPTURE, amount=7000, captured_amount=0))

    assert (str(b.partial), b.remaining) == ("partially cancelled", 7000)
    assert badge(row(status=Status.CANCELLED, amount=0, captured_amount=0)).partial == ""


def test_list_and_detail_show_the_same_badge(client, world):
    lea = world["lea"]
    Transaction.objects.filter(pk=lea.pk).update(
        status=Status.TO_CREDIT, captured_amount=11319, refunded_amount=1319
    )
    client = login(client, world["user"], "fr")

    listing = client.get("/transactions/", {"q": "4711"}).content.decode()
    detail = client.get(lea.get_absolute_url()).content.decode()

    for page in (listing, detail):
        assert 'class="badge badge-neutral" data-status="TO_CREDIT">À créditer<' in page
        assert "partiellement remboursée" in page
        assert "100,00\u00a0€ restants" in page


# --- Columns chosen per user ---------------------------------------------------------------------


def test_the_columns_a_user_chooses_are_kept_and_shown(client, world):
    client = login(client, world["user"], "en")

    saved = client.post(
        "/transactions/columns/",
        {"columns": ["amount", "status", "no_such_column"], "next": "?q=4711"},
    )
    listing = client.get("/transactions/", {"q": "4711"})

    assert saved.status_code == 302 and saved["Location"] == "/transactions/?q=4711"
    world["user"].refresh_from_db()
    assert world["user"].list_columns == ["amount", "status"]
    shown = [c.name for c in listing.context["table"].columns]
    assert shown == ["transaction_id", "status", "amount"]
    # None ticked: every column again.
    client.post("/transactions/columns/", {"next": "https://evil.example/"})
    world["user"].refresh_from_db()
    assert world["user"].list_columns == []
    assert len(client.get("/transactions/").context["table"].columns) == 10


# --- Previous / next on the detail page ----------------------------------------------------------


def test_the_detail_page_links_the_previous_and_next_rows_of_the_search(client, world):
    client = login(client, world["user"], "en")
    listing = client.get("/transactions/", {"payment_means": "CB"})
    rows = listing.context["page"].rows  # newest first: yen, lea, other_day
    assert [r.pk for r in rows] == [world[n].pk for n in ("yen", "lea", "other_day")]

    # Opened from the list (the browser names it in the Referer).
    detail = client.get(
        rows[1].get_absolute_url(),
        headers={"referer": "http://testserver/transactions/?payment_means=CB"},
    )

    assert detail.context["next_url"].startswith(world["other_day"].get_absolute_url())
    assert detail.context["previous_url"].startswith(world["yen"].get_absolute_url())
    assert detail.context["search_url"] == "?payment_means=CB"
    last = client.get(detail.context["next_url"])
    assert last.context["next_url"] is None
    assert last.context["previous_url"].startswith(world["lea"].get_absolute_url())
    assert last.context["search_url"] == "?payment_means=CB"


def test_a_referer_from_elsewhere_gives_no_neighbours(client, world):
    response = login(client, world["user"], "en").get(
        world["lea"].get_absolute_url(),
        headers={"referer": "http://evil.example/transactions/?payment_means=CB"},
    )

    assert "next_url" not in response.context


def test_a_detail_page_not_opened_from_a_search_has_no_neighbours(client, world):
    response = login(client, world["user"], "en").get(world["lea"].get_absolute_url())

    assert "next_url" not in response.context
    assert 'data-testid="neighbours"' not in response.content.decode()


# --- My exports ----------------------------------------------------------------------------------


def test_my_exports_lists_only_the_users_exports_with_their_state(client, world):
    someone = UserFactory(username="someone")
    now = timezone.now()
    TransactionExport.objects.create(
        owner=world["user"], status=ExportStatus.RUNNING, rows_expected=200_000, rows_done=50_000
    )
    TransactionExport.objects.create(
        owner=world["user"],
        status=ExportStatus.DONE,
        rows_done=150_000,
        finished_at=now,
        expires_at=now + dt.timedelta(hours=48),
        file="exports/transactions-1.csv",
    )
    TransactionExport.objects.create(owner=someone, status=ExportStatus.FAILED)

    page = login(client, world["user"], "en").get("/transactions/exports/")

    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="export"') == 2
    assert 'data-status="RUNNING"' in html and "(25 %)" in html
    assert 'data-status="DONE"' in html and "Download" in html
    assert "FAILED" not in html


# --- The indexes behind the box (PostgreSQL) -----------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("query", "index"),
    [
        ({"customer_email": "Lea.Durand59@Example.fr"}, "transaction_email_ci_by_time"),
        ({"customer_id": "CLIENT-42"}, "transaction_customer_ci"),
        ({"order_id": "CMD-20261127"}, "transaction_order_prefix"),
    ],
)
def test_each_box_criterion_reads_its_index_on_postgresql(world, query, index):
    from transactions.filters import TransactionFilter

    filterset = TransactionFilter(query, queryset=Transaction.objects.all())
    assert filterset.is_valid()
    sql, params = filterset.qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())

    assert index in plan
