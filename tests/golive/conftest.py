import datetime as dt

import pytest
import time_machine

from core.dates import PARIS
from merchants.models import Access
from tests.factories import UserFactory, grant, make_merchant, make_transaction

# Tuesday 8 June 2027, 11:00 Paris: the next possible go-live is Wednesday 9 June at 10:00.
NOW = dt.datetime(2027, 6, 8, 11, 0, tzinfo=PARIS)
NEXT_DAY = dt.date(2027, 6, 9)
FRIDAY = dt.date(2027, 6, 11)


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=True):
        yield NOW


@pytest.fixture
def preprod(db, at_now):
    """A pre-production shop with one authorised payment: ready to ask for production."""
    shop = make_merchant("014213245611111", name="Boutique Recette", environment="PRE_PRODUCTION")
    make_transaction(shop, response_code="00")
    return shop


@pytest.fixture
def demo(db, at_now):
    return make_merchant("014213245611112", name="Boutique Démo")


@pytest.fixture
def people(db, preprod, demo):
    """Who's who: the shops' USER_ADMIN (English), a consulter, an operator, the bank (two
    advisers), and another shop's USER_ADMIN."""
    admin = UserFactory(username="useradmin", email="admin@shop.test", language="en")
    grant(admin, Access.Role.USER_ADMIN, merchant=preprod)
    grant(admin, Access.Role.USER_ADMIN, merchant=demo)
    consulter = UserFactory(username="consulter", email="consulter@shop.test", language="fr")
    grant(consulter, Access.Role.CONSULTER, merchant=preprod)
    operator = UserFactory(username="operator", email="operator@shop.test")
    grant(operator, Access.Role.OPERATOR, merchant=preprod)
    bank = UserFactory(username="adviser", email="adviser@bank.test", is_bank_staff=True)
    other_shop = make_merchant(name="Autre")
    stranger = UserFactory(username="stranger", email="stranger@other.test")
    grant(stranger, Access.Role.USER_ADMIN, merchant=other_shop)
    return {
        "admin": admin,
        "consulter": consulter,
        "operator": operator,
        "bank": bank,
        "stranger": stranger,
    }
