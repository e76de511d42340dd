"""core.precompiled: a statement compiled once, run with each call's values, gives what the ORM
gives (every field through its converters, the related row cached, nothing kept between
calls)."""

import datetime as dt

import pytest

from core.precompiled import Precompiled
from tests.factories import make_merchant, make_transaction
from transactions.models import Transaction

BY_KEY = Precompiled(
    lambda merchant_id, payment_date: Transaction.objects.filter(
        merchant__merchant_id=merchant_id, payment_date=payment_date
    ).order_by("transaction_id"),
    markers={"merchant_id": "\x00merchant", "payment_date": dt.date(1, 1, 5)},
    related=("merchant",),
)


def _fields(instance):
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_rows_are_the_orms_instances_with_their_relation_cached(db, django_assert_num_queries):
    shop = make_merchant()
    day = dt.date(2026, 11, 20)
    made = [make_transaction(shop, payment_date=day) for _ in range(2)]
    make_transaction(shop, payment_date=day + dt.timedelta(days=1))
    make_transaction(make_merchant(), payment_date=day)

    with django_assert_num_queries(1):
        rows = BY_KEY.rows(merchant_id=shop.merchant_id, payment_date=day)
        merchants = [t.merchant for t, _m in rows]

    expected = Transaction.objects.select_related("merchant").filter(pk__in=[t.pk for t in made])
    expected = sorted(expected, key=lambda t: t.transaction_id)
    assert [_fields(t) for t, _m in rows] == [_fields(t) for t in expected]
    assert [_fields(m) for m in merchants] == [_fields(t.merchant) for t in expected]
    assert all(t.merchant is m for t, m in rows)
    assert not any(t.get_deferred_fields() for t, _m in rows)


def test_each_call_reads_the_rows_again(db):
    shop = make_merchant()
    day = dt.date(2026, 11, 20)
    assert BY_KEY.rows(merchant_id=shop.merchant_id, payment_date=day) == []

    make_transaction(shop, payment_date=day)

    assert len(BY_KEY.rows(merchant_id=shop.merchant_id, payment_date=day)) == 1


def test_a_marker_the_statement_does_not_use_is_refused(db):
    unused = Precompiled(
        lambda pk, other: Transaction.objects.filter(pk=pk), markers={"pk": -7, "other": "\x00o"}
    )

    with pytest.raises(ValueError, match="other"):
        unused.rows(pk=1, other="x")
