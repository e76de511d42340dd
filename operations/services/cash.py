"""Cash-management operations: validate, cancel, refund, duplicate (docs/domain.md "Operations").

Each runs in one durable database transaction with the transaction row locked, re-checks every
rule of transactions.lifecycle under the lock, and records its Operation row, accepted or refused
(a refusal leaves status and amounts as they were: status_before == status_after).
"""

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction as db
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import PARIS
from core.money import format_amount
from core.sips import REFUSAL_CODES
from merchants.selectors import merchants_visible_to
from operations.models import Operation, OperationKind, OperationOrigin
from transactions import lifecycle, sips_codes
from transactions.feed import FeedError
from transactions.models import Origin, Transaction
from transactions.services import transaction_create

from .remittance import next_remittance_date

# Amounts are n..12 (Sips): anything longer is an invalid request, never an overflow.
MAX_AMOUNT = 10**12 - 1


class OperationRefused(Exception):
    """An operation the rules refuse, with its Sips Office response code and a user message."""

    def __init__(self, *, code: str, message: str, operation: Operation | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.operation = operation


@dataclass(frozen=True)
class Preview:
    """What an operation would do, for the confirmation step: before → after."""

    status_before: str
    status_after: str
    before: dict
    after: dict


def in_remittance_window(now: dt.datetime) -> bool:
    """22:00–23:00 Paris by default (settings.REMITTANCE_WINDOW): the batch owns the rows."""
    start, end = (dt.time.fromisoformat(t) for t in settings.REMITTANCE_WINDOW)
    local = now.astimezone(PARIS).time()
    return start <= local < end


def _check_window(now):
    if in_remittance_window(now):
        start, end = settings.REMITTANCE_WINDOW
        raise OperationRefused(
            code="99",
            message=_(
                "No operation is possible during the remittance, from %(start)s to %(end)s "
                "(Paris time). Please try again later."
            )
            % {"start": start, "end": end},
        )


def _check_amount_given(amount):
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        raise OperationRefused(code="12", message=_("The amount must be greater than zero."))


def check(t: Transaction, kind: str, amount, *, today: dt.date) -> None:
    """The rules of `kind` on `t` as it is on the Paris day `today` (lifecycle's table), or
    OperationRefused."""
    _check_amount_given(amount)
    if kind == lifecycle.VALIDATE and t.capture_date is not None and t.capture_date < today:
        # Past its last validation day it is expired, even if the nightly run has not said so yet.
        raise OperationRefused(
            code="24",
            message=_("The validation period ended on %(date)s: duplicate the transaction.")
            % {"date": t.capture_date.isoformat()},
        )
    if t.status in lifecycle.EXHAUSTED_IN.get(kind, ()):
        raise OperationRefused(
            code="51",
            message=_("The amount is too high: at most %(max)s.")
            % {"max": format_amount(0, t.currency_code)},
        )
    if kind == lifecycle.CANCEL and lifecycle.is_validated(t):
        raise OperationRefused(
            code="24",
            message=_("A validated transaction cannot be cancelled: refund it once captured."),
        )
    if not lifecycle.is_allowed(t, kind):
        raise OperationRefused(
            code="24",
            message=_("This operation is not possible on a transaction with status “%(status)s”.")
            % {"status": t.get_status_display()},
        )
    ceiling = lifecycle.max_amount(t, kind)
    if ceiling is not None and amount > ceiling:
        raise OperationRefused(
            code="51",
            message=_("The amount is too high: at most %(max)s.")
            % {"max": format_amount(ceiling, t.currency_code)},
        )


AMOUNT_FIELDS = ("amount", "captured_amount", "refunded_amount")


def preview(t: Transaction, kind: str, amount, *, now: dt.datetime | None = None) -> Preview:
    """The outcome of `kind` on `t`, computed without writing (the web confirmation step)."""
    now = now or timezone.now()
    _check_window(now)
    check(t, kind, amount, today=now.astimezone(PARIS).date())
    changes = lifecycle.outcome(t, kind, amount, on_date=next_remittance_date(now))
    before = {f: getattr(t, f) for f in AMOUNT_FIELDS}
    after = {f: changes.get(f, before[f]) for f in AMOUNT_FIELDS}
    return Preview(t.status, changes.get("status", t.status), before, after)


def _record(
    t, kind, amount, *, code, user, origin, status_before, status_after, now, message="", new=None
):
    valid = isinstance(amount, int) and not isinstance(amount, bool)
    safe_amount = amount if valid and 0 <= amount <= MAX_AMOUNT else 0
    return Operation.objects.create(
        transaction=t,
        merchant_id=t.merchant_id,
        kind=kind,
        amount=safe_amount,
        currency_code=t.currency_code,
        response_code=code,
        status_before=status_before,
        status_after=status_after,
        origin=origin,
        user=user if origin != OperationOrigin.BATCH else None,
        new_transaction=new,
        message=str(message)[:255],
        created_at=now,
    )


def _locked(pk: int, user) -> tuple[Transaction, bool]:
    """The transaction row locked (not its shop's: operations on one shop run in parallel), and
    whether `user` may operate on it — one round trip on the usual path."""
    rows = Transaction.objects.select_for_update(of=("self",)).select_related("merchant")
    if user is not None:
        operable = merchants_visible_to(user=user, right="operate")
        try:
            return rows.get(pk=pk, merchant__in=operable), True
        except Transaction.DoesNotExist:
            pass
    return rows.get(pk=pk), False


def _operate(kind, *, transaction, amount, user, origin, now, apply) -> Operation:
    now = now or timezone.now()
    refusal = None
    with db.atomic(durable=True):
        t, may_operate = _locked(transaction.pk, user)
        try:
            _check_window(now)
            if not may_operate:
                raise OperationRefused(
                    code="40", message=_("You are not allowed to perform operations on this shop.")
                )
            operation = apply(t, now)
        except OperationRefused as refused:
            refusal = refused
            refusal.operation = _record(
                t,
                kind,
                amount,
                code=refused.code,
                user=user,
                origin=origin,
                status_before=t.status,
                status_after=t.status,
                now=now,
                message=refused.message,
            )
    if refusal is not None:
        raise refusal
    return operation


def _amount_operation(kind, *, transaction, amount, user, origin, now):
    def apply(t: Transaction, now):
        check(t, kind, amount, today=now.astimezone(PARIS).date())
        changes = lifecycle.outcome(t, kind, amount, on_date=next_remittance_date(now))
        status_before = t.status
        for field, value in changes.items():
            setattr(t, field, value)
        t.save(update_fields=list(changes))
        return _record(
            t,
            kind,
            amount,
            code="00",
            user=user,
            origin=origin,
            status_before=status_before,
            status_after=t.status,
            now=now,
        )

    return _operate(
        kind, transaction=transaction, amount=amount, user=user, origin=origin, now=now, apply=apply
    )


def transaction_validate(
    *, transaction: Transaction, amount: int, user, origin: str, now: dt.datetime | None = None
) -> Operation:
    """VALIDATE from TO_VALIDATE, 0 < amount ≤ current amount → TO_CAPTURE, captured at the
    next remittance (that evening's, or tomorrow's after 22:00); the unvalidated remainder is
    released."""
    return _amount_operation(
        OperationKind.VALIDATE, transaction=transaction, amount=amount, user=user,
        origin=origin, now=now,
    )  # fmt: skip


def transaction_cancel(
    *, transaction: Transaction, amount: int, user, origin: str, now: dt.datetime | None = None
) -> Operation:
    """CANCEL from TO_VALIDATE or TO_CAPTURE, 0 < amount ≤ current amount: the amount is
    reduced; nothing left → CANCELLED."""
    return _amount_operation(
        OperationKind.CANCEL, transaction=transaction, amount=amount, user=user,
        origin=origin, now=now,
    )  # fmt: skip


def transaction_refund(
    *, transaction: Transaction, amount: int, user, origin: str, now: dt.datetime | None = None
) -> Operation:
    """REFUND from CAPTURED, 0 < amount ≤ captured − refunded: all refunded → TO_CREDIT
    (CREDITED at the next remittance), else it stays CAPTURED."""
    return _amount_operation(
        OperationKind.REFUND, transaction=transaction, amount=amount, user=user,
        origin=origin, now=now,
    )  # fmt: skip


def simulated_authorisation(amount: int) -> str:
    """The Sips demo's rule: the amount's last two digits, when they are a refusal code, are
    the answer (…05 → 05 refused); anything else is accepted (00)."""
    code = f"{amount % 100:02d}"
    return code if code in REFUSAL_CODES else "00"


def _duplicate_item(src: Transaction, *, amount, new_id, capture_mode, capture_day, now) -> dict:
    local = now.astimezone(PARIS)
    response_code = simulated_authorisation(amount)
    item = {
        "merchant_id": src.merchant.merchant_id,
        "transaction_id": new_id,
        # n3..12 in Sips: 0.50 EUR is "050".
        "amount": f"{amount:03d}" if isinstance(amount, int) and amount >= 0 else amount,
        "currency_code": src.currency_code,
        "capture_mode": capture_mode or src.capture_mode,
        "capture_day": src.capture_day if capture_day is None else capture_day,
        "payment_means": src.payment_means,
        "card_number": src.card_number,
        "response_code": response_code,
        # Only a code the card network's table of annexe F knows (17, 75 are Sips' own).
        "bank_response_code": (
            response_code if response_code in sips_codes.bank_table(src.payment_means) else ""
        ),
        "authorisation_id": f"{secrets.randbelow(10**6):06d}" if response_code == "00" else "",
        "payment_date": f"{local:%Y%m%d}",
        "payment_time": f"{local:%H%M%S}",
        "customer_id": src.customer_id,
        "customer_email": src.customer_email,
        "customer_ip_address": src.customer_ip_address,
        "order_id": src.order_id,
        "caddie": src.caddie,
        "return_context": src.return_context,
    }
    return {k: v for k, v in item.items() if v not in ("", None)}


def transaction_duplicate(
    *,
    transaction: Transaction,
    amount: int,
    new_transaction_id,
    user,
    origin: str,
    capture_mode: str | None = None,
    capture_day: int | None = None,
    now: dt.datetime | None = None,
) -> Operation:
    """DUPLICATE any transaction with a card on file: a new transaction of `amount` today, made
    through the feed's validation, new (simulated) authorisation, automatic response UNDEFINED,
    linked to its source; a number already used today by the shop is refused with 94."""

    def apply(src: Transaction, now):
        _check_amount_given(amount)
        if not lifecycle.can_duplicate(src):
            raise OperationRefused(
                code="24", message=_("This transaction has no card on file to duplicate.")
            )
        if isinstance(capture_day, bool) or not (
            capture_day is None or (isinstance(capture_day, int) and 0 <= capture_day <= 99)
        ):
            raise OperationRefused(
                code="12", message=_("The capture delay must be between 0 and 99 days.")
            )
        item = _duplicate_item(
            src,
            amount=amount,
            new_id=new_transaction_id,
            capture_mode=capture_mode,
            capture_day=capture_day,
            now=now,
        )
        try:
            new = transaction_create(item=item, origin=Origin.DUPLICATION, source=src, user=user)
        except FeedError as error:
            if error.response_code == "94":
                raise OperationRefused(
                    code="94",
                    message=_("Transaction number %(id)s is already used today by this shop.")
                    % {"id": str(new_transaction_id)},
                ) from None
            raise OperationRefused(code="12", message=error.message) from None
        operation = _record(
            src,
            OperationKind.DUPLICATE,
            amount,
            code="00",
            user=user,
            origin=origin,
            status_before=src.status,
            status_after=src.status,
            now=now,
            new=new,
        )
        return operation

    return _operate(
        OperationKind.DUPLICATE,
        transaction=transaction,
        amount=amount,
        user=user,
        origin=origin,
        now=now,
        apply=apply,
    )
