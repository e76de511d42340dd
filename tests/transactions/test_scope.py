import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import UserFactory, grant, make_group, make_merchant, make_transaction
from transactions.models import Transaction
from transactions.selectors import transaction_get, transactions_visible_to


@pytest.fixture
def world(db):
    mine, sister, other = make_merchant(), make_merchant(), make_merchant()
    return {
        "mine": mine,
        "sister": sister,
        "other": other,
        "group": make_group("G", mine, sister),
        "t_mine": make_transaction(mine),
        "t_sister": make_transaction(sister),
        "t_other": make_transaction(other),
    }


def _get(user, t, right="view"):
    return transaction_get(
        user=user,
        merchant_id=t.merchant.merchant_id,
        payment_date=t.payment_date,
        transaction_id=str(int(t.transaction_id)),  # typed without its zeros
        right=right,
    )


def test_a_shop_role_sees_that_shop_only(world):
    user = UserFactory()
    grant(user, "CONSULTER", merchant=world["mine"])

    assert set(transactions_visible_to(user=user)) == {world["t_mine"]}
    assert _get(user, world["t_mine"]) == world["t_mine"]
    with pytest.raises(Transaction.DoesNotExist):
        _get(user, world["t_other"])


def test_a_group_role_sees_every_shop_of_the_group(world):
    user = UserFactory()
    grant(user, "OPERATOR", group=world["group"])

    assert set(transactions_visible_to(user=user)) == {world["t_mine"], world["t_sister"]}
    assert _get(user, world["t_sister"], right="operate") == world["t_sister"]


def test_a_consulter_may_read_but_not_operate(world):
    user = UserFactory()
    grant(user, "CONSULTER", merchant=world["mine"])

    with pytest.raises(PermissionDenied):
        _get(user, world["t_mine"], right="operate")


def test_bank_staff_see_everything_and_the_payment_server_nothing(world):
    bank = UserFactory(is_bank_staff=True)
    feed = UserFactory(is_payment_server=True)

    assert transactions_visible_to(user=bank).count() == 3
    assert not transactions_visible_to(user=feed).exists()


def test_a_user_admin_alone_does_not_see_transactions(world):
    user = UserFactory()
    grant(user, "USER_ADMIN", merchant=world["mine"])

    assert not transactions_visible_to(user=user).exists()


def test_one_transaction_is_found_in_exactly_the_scope_of_the_lists(world):
    """transaction_get filters with the precompiled scope (merchant_ids_visible_to): for every
    kind of user it reaches exactly what transactions_visible_to lists."""
    users = [UserFactory(is_bank_staff=True), UserFactory(is_payment_server=True), UserFactory()]
    grant(group_user := UserFactory(), "OPERATOR", group=world["group"])
    grant(shop_user := UserFactory(), "CONSULTER", merchant=world["other"])
    grant(admin_only := UserFactory(), "USER_ADMIN", merchant=world["mine"])
    users += [group_user, shop_user, admin_only]
    every = [world["t_mine"], world["t_sister"], world["t_other"]]
    for user in users:
        found = set()
        for t in every:
            try:
                found.add(_get(user, t))
            except Transaction.DoesNotExist:
                pass
        assert found == set(transactions_visible_to(user=user)), user
    assert _get(users[0], world["t_other"]) == world["t_other"]
