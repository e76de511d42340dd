"""merchant_ids_visible_to: the shops of merchants_visible_to, as a filter a cash operation's lock
takes at every call (its SQL compiled once per right): the same shops for every kind of user."""

import pytest

from merchants.models import Merchant
from merchants.selectors import merchant_ids_visible_to, merchants_visible_to
from tests.factories import UserFactory, grant, make_group, make_merchant

pytestmark = pytest.mark.django_db


def shops_by_ids(user, right):
    ids = merchant_ids_visible_to(user=user, right=right)
    shops = Merchant.objects.all() if ids is None else Merchant.objects.filter(pk__in=ids)
    return set(shops.values_list("merchant_id", flat=True))


def shops_by_selector(user, right):
    return set(merchants_visible_to(user=user, right=right).values_list("merchant_id", flat=True))


def test_every_kind_of_user_sees_the_same_shops_both_ways():
    a, b, c, d = (make_merchant(f"09900000000010{n}") for n in range(4))
    group = make_group("Chaîne", b, c)
    by_shop, by_group, consulter, nobody = (
        UserFactory(username=name) for name in ("shop-op", "group-op", "consult", "nobody")
    )
    grant(by_shop, "OPERATOR", merchant=a)
    grant(by_group, "OPERATOR", group=group)
    grant(by_group, "CONSULTER", merchant=d)
    grant(consulter, "CONSULTER", merchant=a)
    inactive = UserFactory(username="gone", is_active=False)
    grant(inactive, "OPERATOR", merchant=a)
    staff = UserFactory(username="bank", is_bank_staff=True)
    feed = UserFactory(username="feed", is_payment_server=True)

    expected = {
        (by_shop, "operate"): {a.merchant_id},
        (by_group, "operate"): {b.merchant_id, c.merchant_id},
        (by_group, "view"): {b.merchant_id, c.merchant_id, d.merchant_id},
        (consulter, "operate"): set(),
        (consulter, "view"): {a.merchant_id},
        (nobody, "view"): set(),
        (inactive, "operate"): set(),
        (staff, "operate"): {m.merchant_id for m in (a, b, c, d)},
        (feed, "view"): set(),
    }
    # Twice over: the second pass reuses the SQL compiled for another user.
    for _ in range(2):
        for (user, right), shops in expected.items():
            assert shops_by_selector(user, right) == shops, (user.username, right)
            assert shops_by_ids(user, right) == shops, (user.username, right)
