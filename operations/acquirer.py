"""The acquirer behind a gateway (docs/acquirer.md): who answers a fresh authorisation.

A duplication, the validation of a TO_REPLAY transaction and the nightly re-authorisation
(AUTHOR) ask `acquirer_for(shop).authorise(…)`. Which gateway answers is chosen per shop
environment in settings.ACQUIRER_GATEWAYS (a dotted path per environment): the built-in simulator
answers for DEMO and PRE_PRODUCTION shops only; a PRODUCTION shop with no acquirer configured gets
AcquirerUnavailable (Sips 90 "service temporarily unavailable"), never a made-up answer.
"""

import secrets
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from core.sips import REFUSAL_CODES
from merchants.models import Merchant


@dataclass(frozen=True)
class Authorisation:
    """The acquirer's answer: Sips response code (00, 02, 05…), the bank's (CB2A), and the
    authorisation number when accepted."""

    response_code: str
    bank_response_code: str
    authorisation_id: str = ""

    @property
    def accepted(self) -> bool:
        return self.response_code == "00"


class AcquirerUnavailable(Exception):
    """No acquirer can answer now (none configured, timed out, failed): Sips code 90."""


class Acquirer(Protocol):
    def authorise(
        self,
        *,
        merchant_id: str,
        amount: int,
        currency_code: str,
        payment_means: str,
        card_reference: str,
        reference: str,
    ) -> Authorisation:
        """Ask an authorisation of `amount` (minor units, ISO 4217 numeric currency) on the card
        `card_reference` names. `reference` is unique per transaction and attempt day, so an
        acquirer that sees it twice (a retry after a lost answer) answers the first answer again.
        Raise AcquirerUnavailable (or anything: the caller treats it so) when it cannot answer."""
        ...


# Sips response codes the simulator can answer besides 00 (docs/domain.md "Response codes").
SIMULATED_REFUSALS = REFUSAL_CODES


class Simulator:
    """The Sips demo rules: the amount's last two digits, when they are a refusal code, are the
    answer (…05 → 05 refused, …02 → 02 referral); anything else is accepted with a random
    6-digit authorisation number. Answers for DEMO and PRE_PRODUCTION shops only."""

    environments = frozenset({Merchant.Environment.DEMO, Merchant.Environment.PRE_PRODUCTION})

    def __init__(self, environment: str):
        if environment not in self.environments:
            raise AcquirerUnavailable(f"the simulator does not answer for {environment}")

    def authorise(self, *, amount: int, **_request) -> Authorisation:
        code = f"{amount % 100:02d}"
        if code in SIMULATED_REFUSALS:
            return Authorisation(response_code=code, bank_response_code=code)
        return Authorisation("00", "00", f"{secrets.randbelow(10**6):06d}")


def acquirer_for(merchant: Merchant) -> Acquirer:
    """The gateway for `merchant`'s environment (settings.ACQUIRER_GATEWAYS), built with the
    environment's name; AcquirerUnavailable if none is configured."""
    path = settings.ACQUIRER_GATEWAYS.get(merchant.environment) or ""
    if not path:
        raise AcquirerUnavailable(f"no acquirer configured for {merchant.environment}")
    return import_string(path)(merchant.environment)


def authorise(*, merchant: Merchant, amount: int, currency_code: str, payment_means: str,
              card_reference: str, reference: str) -> Authorisation:  # fmt: skip
    """Ask `merchant`'s acquirer; any failure (none configured, timeout, error, a malformed
    answer) is AcquirerUnavailable, so the caller changes nothing and answers 90."""
    gateway = acquirer_for(merchant)
    try:
        answer = gateway.authorise(
            merchant_id=merchant.merchant_id,
            amount=amount,
            currency_code=currency_code,
            payment_means=payment_means,
            card_reference=card_reference,
            reference=reference,
        )
    except AcquirerUnavailable:
        raise
    except Exception as error:
        raise AcquirerUnavailable(f"{type(error).__name__}") from error
    code = getattr(answer, "response_code", "")
    if not (isinstance(code, str) and len(code) == 2 and code.isdigit()):
        raise AcquirerUnavailable("malformed answer")
    return answer
