import datetime as dt
import hashlib
import hmac

import pytest

from journals.models import Journal, JournalOperation, JournalTransaction
from journals.services import JournalError, journal_build
from merchants.services import merchant_secret
from tests.factories import make_transaction
from tests.journals.conftest import DAY, MORNING, at, make_op, scripted_day

EXPECTED_TRANSACTIONS = """\
TITLE;TRANSACTIONS;014213245611111;20261127;20261127040000;000001;2.0
MERCHANT_ID;PAYMENT_DATE;TRANSACTION_ID;PAYMENT_TIME;AMOUNT;CURRENCY_CODE;CAPTURE_MODE;\
CAPTURE_DAY;CAPTURE_DATE;PAYMENT_MEANS;CARD_NUMBER;RESPONSE_CODE;BANK_RESPONSE_CODE;CVV_FLAG;\
CVV_RESPONSE_CODE;AUTHORISATION_ID;COMPLEMENTARY_CODE;STATUS;ORDER_ID;CUSTOMER_ID;RETURN_CONTEXT;\
ORIGIN;SOURCE_PAYMENT_DATE;SOURCE_TRANSACTION_ID
014213245611111;20261126;000101;091502;1050;978;AUTHOR_CAPTURE;0;20261126;CB;4974.12;00;00;;;\
123456;;TO_CAPTURE;CMD-1;C42;"ctx;semi";FEED;;
014213245611111;20261126;000102;100000;2500;978;AUTHOR_CAPTURE;0;;MASTERCARD;5132.99;05;05;;;\
123456;;REFUSED;;;;FEED;;
014213245611111;20261126;000103;113000;9900;978;VALIDATION;3;20261129;CB;4974.12;00;00;;;\
123456;;TO_VALIDATE;;;;FEED;;
014213245611111;20261126;000104;120000;4000;840;AUTHOR_CAPTURE;0;20261126;CB;4974.12;00;00;;;\
123456;;CAPTURED;;;;FEED;;
014213245611111;20261126;000105;140000;700;978;AUTHOR_CAPTURE;0;20261126;CB;4974.12;00;00;;;\
123456;;TO_CAPTURE;;;;DUPLICATION;20261126;000101
014213245611111;20261119;000099;080000;300;978;VALIDATION;0;20261119;CB;4974.12;00;00;;;\
123456;;EXPIRED;;;;FEED;;
TOTAL;6;840=4000;978=14450
"""

EXPECTED_OPERATIONS = """\
TITLE;OPERATIONS;014213245611111;20261127;20261127040000;000001;2.0
MERCHANT_ID;PAYMENT_DATE;TRANSACTION_ID;OPERATION_DATE;OPERATION_TIME;OPERATION;AMOUNT;\
CURRENCY_CODE;RESPONSE_CODE;CHANNEL;ORIGIN;STATUS_BEFORE;STATUS_AFTER;USER;NEW_TRANSACTION_ID;\
ORDER_ID
014213245611111;20261126;000103;20261126;150000;VALIDATE;9000;978;00;WEB;;TO_VALIDATE;TO_CAPTURE;\
marie;;
014213245611111;20261126;000101;20261126;150500;CANCEL;50;978;00;API;CAISSE-12;TO_CAPTURE;\
TO_CAPTURE;marie;;CMD-1
014213245611111;20261126;000104;20261126;151000;CREDIT;5000;840;51;WEB;;CAPTURED;CAPTURED;marie;;
014213245611111;20261126;000104;20261126;151100;CREDIT;1000;840;00;WEB;;CAPTURED;TO_CREDIT;marie;;
014213245611111;20261126;000101;20261126;152000;DUPLICATE;700;978;00;WEB;;TO_CAPTURE;TO_CAPTURE;\
marie;000105;CMD-1
014213245611111;20261126;000101;20261126;233000;DEBIT_CAPTURE;1000;978;00;BATCH;;TO_CAPTURE;\
CAPTURED;;;CMD-1
014213245611111;20261126;000104;20261126;233100;CREDIT_CAPTURE;1000;840;00;BATCH;;TO_CREDIT;\
CAPTURED;;;
014213245611111;20261119;000099;20261126;233200;EXPIRED;300;978;00;BATCH;;TO_VALIDATE;EXPIRED;;;
014213245611111;20261126;000102;20261126;234000;CANCEL;2500;978;24;WEB;;REFUSED;REFUSED;marie;;
SUM;840;CREDIT_CAPTURE;1;1000
SUM;840;CREDIT;1;1000
SUM;840;REFUSED;1;5000
SUM;978;DEBIT_CAPTURE;1;1000
SUM;978;CANCEL;1;50
SUM;978;DUPLICATE;1;700
SUM;978;EXPIRED;1;300
SUM;978;VALIDATE;1;9000
SUM;978;REFUSED;1;2500
TOTAL;9
"""


MORNING_DATE = MORNING.date()


def build(shop, kind, day=MORNING_DATE, now=MORNING):
    return journal_build(merchant_pk=shop.pk, kind=kind, journal_date=day, now=now)[0]


def test_both_journals_of_a_scripted_day_have_the_exact_expected_content(shop):
    scripted_day(shop)

    transactions = build(shop, "TRANSACTIONS")
    operations = build(shop, "OPERATIONS")

    assert transactions.content == EXPECTED_TRANSACTIONS
    assert operations.content == EXPECTED_OPERATIONS
    assert transactions.filename == "JT_014213245611111_20261127_000001.csv"
    assert (transactions.record_count, transactions.totals) == (6, {"840": 4000, "978": 14450})
    assert operations.record_count == 9


def test_the_seal_is_the_sha256_and_the_hmac_of_the_file_with_the_shop_secret(shop):
    scripted_day(shop)
    journal = build(shop, "TRANSACTIONS")

    data = journal.content.encode()
    secret = merchant_secret(merchant=shop).encode()
    assert journal.sha256 == hashlib.sha256(data).hexdigest()
    assert journal.seal == hmac.new(secret, data, hashlib.sha256).hexdigest()
    assert journal.secret_key_version == shop.secret_key_version


def test_a_day_without_records_still_gives_two_journals_with_a_zero_total(shop):
    transactions = build(shop, "TRANSACTIONS")
    operations = build(shop, "OPERATIONS")

    assert transactions.content.splitlines()[-1] == "TOTAL;0"
    assert operations.content.splitlines()[-1] == "TOTAL;0"
    assert (transactions.sequence, operations.sequence) == (1, 1)
    assert transactions.state == operations.state == Journal.State.BUILT


def test_building_the_same_date_twice_returns_the_first_journal_and_takes_nothing_new(shop):
    make_transaction(shop)
    first, created = journal_build(
        merchant_pk=shop.pk, kind="TRANSACTIONS", journal_date=MORNING.date(), now=MORNING
    )
    make_transaction(shop)
    again, created_again = journal_build(
        merchant_pk=shop.pk, kind="TRANSACTIONS", journal_date=MORNING.date(), now=MORNING
    )

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and again.record_count == 1
    assert build(shop, "TRANSACTIONS", day=MORNING.date() + dt.timedelta(days=1)).record_count == 1


def test_a_skipped_day_is_covered_by_the_next_journal_with_the_next_sequence(shop):
    day1, day3 = dt.date(2026, 11, 25), dt.date(2026, 11, 27)
    t_a = make_transaction(shop)
    j1 = build(shop, "TRANSACTIONS", day=day1, now=at(4, 0, day=day1))
    t_b = make_transaction(shop)  # recorded on the 25th; no run on the 26th
    t_c = make_transaction(shop)  # recorded on the 26th
    j2 = build(shop, "TRANSACTIONS", day=day3, now=at(4, 0, day=day3))

    assert [j1.sequence, j2.sequence] == [1, 2]
    assert set(
        JournalTransaction.objects.filter(journal=j1).values_list("transaction", flat=True)
    ) == {t_a.pk}
    assert set(
        JournalTransaction.objects.filter(journal=j2).values_list("transaction", flat=True)
    ) == {
        t_b.pk,
        t_c.pk,
    }
    assert "TITLE;TRANSACTIONS;014213245611111;20261127;20261127040000;000002;2.0" in j2.content


def test_a_date_before_the_last_journal_is_refused_and_stores_nothing(shop):
    build(shop, "OPERATIONS", day=DAY)
    with pytest.raises(JournalError, match="later journal"):
        build(shop, "OPERATIONS", day=DAY - dt.timedelta(days=1))
    assert Journal.objects.filter(merchant=shop).count() == 1


def test_a_build_failing_midway_stores_nothing_and_loses_no_sequence(shop, monkeypatch):
    t = make_transaction(shop)
    make_op(t, "CANCEL", 100, "TO_CAPTURE", "TO_CAPTURE", created_at=at(12))
    import journals.services as services

    def explode(**kwargs):
        raise RuntimeError("worker died while writing")

    monkeypatch.setattr(services.files, "seal_hex", lambda *a: explode())
    with pytest.raises(RuntimeError):
        build(shop, "OPERATIONS")
    assert not Journal.objects.filter(merchant=shop).exists()
    assert not JournalOperation.objects.exists()

    monkeypatch.undo()
    journal = build(shop, "OPERATIONS")
    assert journal.sequence == 1 and journal.record_count == 1


def test_sequences_follow_without_gap_over_several_days_per_shop_and_kind(shop):
    for offset in range(4):
        day = DAY + dt.timedelta(days=offset)
        make_transaction(shop)
        for kind in ("TRANSACTIONS", "OPERATIONS"):
            build(shop, kind, day=day, now=at(4, day=day))
    for kind in ("TRANSACTIONS", "OPERATIONS"):
        assert list(
            Journal.objects.filter(merchant=shop, kind=kind)
            .order_by("journal_date")
            .values_list("sequence", flat=True)
        ) == [1, 2, 3, 4]


def test_a_late_record_is_found_even_after_many_journals_within_the_window(shop):
    """More journals in the late-commit window than the build reads first: the scan still
    starts before them all."""
    late = make_transaction(shop)
    for offset in range(6):
        day = DAY + dt.timedelta(days=offset)
        make_transaction(shop)
        build(shop, "TRANSACTIONS", day=day, now=MORNING)
        # As if `late` were still uncommitted: no line for it yet (SQLite cannot hold it open).
        JournalTransaction.objects.filter(transaction=late).delete()

    final = build(shop, "TRANSACTIONS", day=DAY + dt.timedelta(days=6), now=MORNING)

    assert JournalTransaction.objects.get(transaction=late).journal_id == final.pk
