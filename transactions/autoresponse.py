"""Automatic responses out: each new transaction posted, sealed, to its shop's URL (docs/sips.md).

A Celery task (tasks.automatic_response_send) makes one attempt at a time through
`automatic_response_deliver`, which records it; a failure is tried again after the next delay of
settings.AUTOMATIC_RESPONSE_RETRY_DELAYS (about a day in all), then the status is FAILED. A 2xx
makes it SENT (docs/sips.md: only the merchant's "200" proves the response arrived).
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merchants.models import Merchant
from merchants.services import merchant_secret

from . import outbound, sips2
from .models import AutomaticResponseAttempt, AutomaticResponseStatus, DeliveryError, Transaction


@dataclass(frozen=True)
class Outcome:
    status: str
    retry_in: int | None = None  # seconds before the next attempt, None: no more attempts


def automatic_response_form(transaction_: Transaction) -> dict[str, str]:
    """What is posted: the Sips 2.0 form, Data sealed with HMAC-SHA-256 and the shop's key."""
    merchant = transaction_.merchant
    data = sips2.data_for(transaction_)
    return {
        "Data": data,
        "Seal": sips2.seal(data, merchant_secret(merchant=merchant), sips2.HMAC_SHA_256),
        "SealAlgorithm": sips2.HMAC_SHA_256,
        "InterfaceVersion": sips2.INTERFACE_VERSION,
        "keyVersion": str(merchant.secret_key_version),
        "Encode": "",
    }


def automatic_response_deliver(
    *, transaction_pk: int, round: int = 0, number: int = 0, now: dt.datetime | None = None
) -> Outcome:
    """One attempt to post a transaction's automatic response; records it and sets the status.

    Idempotent: a SENT response, or an attempt already recorded (the broker delivered the task
    twice), is not posted again."""
    tx = Transaction.objects.select_related("merchant").get(pk=transaction_pk)
    url = tx.merchant.automatic_response_url
    if tx.automatic_response_status == AutomaticResponseStatus.SENT:
        return Outcome(AutomaticResponseStatus.SENT)
    if not url:
        Transaction.objects.filter(pk=tx.pk).update(
            automatic_response_status=AutomaticResponseStatus.UNDEFINED
        )
        return Outcome(AutomaticResponseStatus.UNDEFINED)
    if AutomaticResponseAttempt.objects.filter(transaction=tx, round=round, number=number).exists():
        return Outcome(tx.automatic_response_status)
    at = now or timezone.now()
    result = outbound.post_form(
        url, automatic_response_form(tx), timeout=settings.AUTOMATIC_RESPONSE_TIMEOUT
    )
    delays = settings.AUTOMATIC_RESPONSE_RETRY_DELAYS
    if not result.error:
        status, retry_in = AutomaticResponseStatus.SENT, None
    elif number < len(delays):
        status, retry_in = AutomaticResponseStatus.PENDING, delays[number]
    else:
        status, retry_in = AutomaticResponseStatus.FAILED, None
    try:
        with transaction.atomic(durable=True):
            locked = Transaction.objects.select_for_update().get(pk=tx.pk)
            AutomaticResponseAttempt.objects.create(
                transaction=locked,
                round=round,
                number=number,
                url=url[:511],
                at=at,
                duration_ms=result.duration_ms,
                http_status=result.http_status,
                error=result.error,
                detail=result.detail,
            )
            if locked.automatic_response_status != AutomaticResponseStatus.SENT:
                locked.automatic_response_status = status
                locked.save(update_fields=["automatic_response_status"])
    except IntegrityError:
        # The same attempt, recorded meanwhile by a twin of this task.
        return Outcome(tx.automatic_response_status)
    return Outcome(status, retry_in)


class ResendRefused(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def automatic_response_resend(*, transaction_pk: int, user) -> int:
    """An operator asks for the automatic response again: a new round of attempts; → round."""
    with transaction.atomic(durable=True):
        tx = (
            Transaction.objects.select_for_update()
            .select_related("merchant")
            .get(pk=transaction_pk)
        )
        if not tx.merchant.automatic_response_url:
            raise ResendRefused(_("This shop has no automatic response URL."))
        last = tx.automatic_response_attempts.aggregate(last=Max("round"))["last"]
        round = 0 if last is None else last + 1
        tx.automatic_response_status = AutomaticResponseStatus.PENDING
        tx.save(update_fields=["automatic_response_status"])
        from .tasks import automatic_response_send

        transaction.on_commit(
            lambda: automatic_response_send.delay(transaction_pk=tx.pk, round=round)
        )
    return round


# ----------------------------------------------------------- diagnosis (docs/sips.md)

CHECKLIST = [
    _("The URL must be reachable from the internet: no login, password or firewall in the way."),
    _("Use the standard ports (80 for http, 443 for https) or a port between 80 and 9999."),
    _("The page must answer 200 itself: no redirect, no cookie, nothing that needs a browser."),
    _(
        "Your script must read the Data field and check its Seal with your secret key; pass "
        "your own data in caddie or return_context, never in session variables of the URL."
    ),
    _("Check your server's access logs for our calls."),
]


def diagnosis(*, transaction: Transaction, attempts: list) -> list[str]:
    """What the last attempt says about the merchant's side, in docs/sips.md's terms (most likely
    first), then its checklist; nothing when there is no URL or nothing went wrong."""
    if not attempts or attempts[0].succeeded:
        return []
    last = attempts[0]
    hints = {
        DeliveryError.DNS: _(
            "The host name of the URL does not resolve: check the address; it must be known "
            "on the internet."
        ),
        DeliveryError.FORBIDDEN_ADDRESS: _(
            "The URL leads to a private or local address: it must be reachable from the internet."
        ),
        DeliveryError.REFUSED: _(
            "Your server refused the connection: is it running, is the port open, does a "
            "firewall block us?"
        ),
        DeliveryError.TLS: _(
            "The secure connection failed: your server's certificate must be valid for this "
            "host name."
        ),
        DeliveryError.TIMEOUT: _(
            "Your page did not answer in time: it must answer quickly, without waiting for "
            "anything else."
        ),
        DeliveryError.REDIRECT: _(
            "Your page answered with a redirect: it must answer 200 itself, without redirecting."
        ),
        DeliveryError.NETWORK: _("The connection broke before your page answered."),
    }
    if last.error == DeliveryError.NON_2XX:
        if last.http_status in (401, 403):
            hint = _("Your page asks for a login or refuses us: the URL must be open to us.")
        elif last.http_status == 404:
            hint = _("Your page was not found (404): check the URL.")
        else:
            hint = _(
                "Your page failed (HTTP %(status)s): your script must read Data and check the "
                "Seal with your secret key; look at its error log."
            ) % {"status": last.http_status}
    else:
        hint = hints.get(last.error, _("The delivery failed."))
    return [str(hint), *(str(c) for c in CHECKLIST)]


def shops_failing(*, merchants, last: int) -> list[tuple[Merchant, list[Transaction]]]:
    """Shops (among `merchants`) whose last `last` delivered-or-failed automatic responses all
    failed, with those transactions."""
    failing = []
    shops = merchants.exclude(automatic_response_url="").order_by("merchant_id")
    for shop in shops:
        recent = list(
            Transaction.objects.filter(
                merchant=shop,
                automatic_response_status__in=[
                    AutomaticResponseStatus.SENT,
                    AutomaticResponseStatus.FAILED,
                ],
            ).order_by("-payment_at", "-id")[:last]
        )
        if len(recent) == last and all(
            t.automatic_response_status == AutomaticResponseStatus.FAILED for t in recent
        ):
            for t in recent:
                t.merchant = shop
            failing.append((shop, recent))
    return failing
