"""Cash-management operations: validate, cancel, refund (CREDIT), force (ADVICE), duplicate.

Each runs in one durable database transaction with the transaction row locked, re-checks the
table of transactions.lifecycle under the lock (docs/lifecycle.md), and records its Operation
row, accepted or refused (a refusal leaves status and amounts as they were: status_before ==
status_after). A fresh authorisation (duplication, validation of TO_REPLAY) is the acquirer's
(operations.acquirer): none available → 90, and nothing changes.
"""

import datetime as dt
import functools
import re
from dataclasses import dataclass

from django.db import transaction as db
from django.utils import timezone
from django.utils.translation import gettext as _

from core.csv import FORMULA_STARTS
from core.dates import PARIS
from core.precompiled import Precompiled
from merchants.selectors import SOME_USER, merchant_ids_of_some_user, scope_of
from operations.acquirer import AcquirerUnavailable, Authorisation, authorise
from operations.models import (
    ORIGIN_MAX_LENGTH,
    REASON_MAX_LENGTH,
    Operation,
    OperationChannel,
    OperationKind,
)
from transactions import lifecycle, sips_codes
from transactions.feed import FORBIDDEN_CHARS, FeedError, normalise_transaction_id, parse_feed_item
from transactions.models import Origin, Status, Transaction
from transactions.services import transaction_create

# Amounts are n..12 (Sips): anything longer is an invalid request, never an overflow.
MAX_AMOUNT = 10**12 - 1
# An operation's recorded amount that is the locked row's own (an advice forces the whole amount).
ROW_AMOUNT = object()
AUTHORISATION_ID = re.compile(r"[A-Za-z0-9]{1,10}")


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


in_remittance_window = lifecycle.in_remittance_window


def _check_window(now):
    closed = lifecycle.window_refusal(now)
    if closed is not None:
        raise OperationRefused(code=closed[0], message=closed[1])


def _check_amount_given(amount):
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        raise OperationRefused(code="12", message=_("The amount must be greater than zero."))


def check_origin(origin) -> str:
    """The merchant's label (Sips ans..20, `| ; : "` forbidden), refused in Sips wording (12)."""
    if origin is None or origin == "":
        return ""
    if not isinstance(origin, str) or not origin.isprintable():
        raise OperationRefused(code="12", message="ERROR IN CALL PARAMETERS STRUCTURE (origin)")
    if len(origin) > ORIGIN_MAX_LENGTH:
        raise OperationRefused(code="12", message=f"ERROR PARAMETER (origin={origin}) TOO LONG")
    if FORBIDDEN_CHARS & set(origin):
        raise OperationRefused(code="12", message="ERROR IN CALL PARAMETERS STRUCTURE (origin)")
    if origin.startswith(FORMULA_STARTS):
        # The operations journal carries it byte for byte, as the feed's free fields.
        raise OperationRefused(
            code="12",
            message=f"ERROR IN CALL PARAMETERS STRUCTURE (origin starts with {origin[0]})",
        )
    return origin


def check(t: Transaction, kind: str, amount, *, now: dt.datetime) -> None:
    """The rules of `kind` on `t` at `now` (lifecycle's table), or OperationRefused."""
    if kind != lifecycle.ADVICE:
        _check_amount_given(amount)
    refused = lifecycle.refusal(t, kind, now=now)
    if refused is not None:
        code, message = refused
        raise OperationRefused(code=code, message=message)
    ceiling = lifecycle.max_amount(t, kind)
    if kind != lifecycle.ADVICE and ceiling is not None and amount > ceiling:
        raise OperationRefused(code="51", message=lifecycle.too_high(ceiling, t.currency_code))


AMOUNT_FIELDS = ("amount", "captured_amount", "refunded_amount")


def preview(t: Transaction, kind: str, amount, *, now: dt.datetime | None = None) -> Preview:
    """The outcome of `kind` on `t`, computed without writing (the web confirmation step); a
    TO_REPLAY validation shows its accepted outcome (the acquirer is asked only on confirm)."""
    now = now or timezone.now()
    _check_window(now)
    check(t, kind, amount, now=now)
    changes = lifecycle.outcome(t, kind, amount, on_date=lifecycle.next_remittance_date(now))
    before = {f: getattr(t, f) for f in AMOUNT_FIELDS}
    after = {f: changes.get(f, before[f]) for f in AMOUNT_FIELDS}
    return Preview(t.status, changes.get("status", t.status), before, after)


def _record(
    t, kind, amount, *, code, user, channel, origin, status_before, status_after, now,
    message="", new=None, reason="",
):  # fmt: skip
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
        channel=channel,
        origin=origin,
        user=user if channel != OperationChannel.BATCH else None,
        new_transaction=new,
        message=str(message)[:255],
        reason=reason,
        created_at=now,
    )


@dataclass(frozen=True)
class TransactionKey:
    """A transaction named by its Sips key, as the API's URL names it: the operation finds and
    locks it in one statement, within what the user may see (else Transaction.DoesNotExist)."""

    merchant_id: str
    payment_date: dt.date
    transaction_id: str

    @classmethod
    def parse(cls, merchant_id: str, payment_date: str, transaction_id: str) -> "TransactionKey":
        """The URL's key (YYYY-MM-DD; the id with or without its leading zeros); ValueError for
        a key that cannot exist."""
        return cls(
            merchant_id,
            dt.date.fromisoformat(payment_date),
            normalise_transaction_id(transaction_id),
        )


# Markers of a lock statement's parameters (core.precompiled): values no row has.
_SOME_PK = -2_000_000_003
_SOME_KEY = {
    "merchant_id": "\x00merchant_id",
    "payment_date": dt.date(1, 1, 3),
    "transaction_id": "\x00transaction_id",
}


@functools.cache
def _lock_statement(scope: str, right: str, by_key: bool) -> Precompiled:
    """The transaction row locked (FOR UPDATE OF the transaction only), by its pk or its Sips
    key, restricted to the shops where the user holds `right` ("roles" scope) or not ("all"),
    with its shop: compiled once per process, run at each operation."""

    def build(**marked):
        rows = Transaction.objects.select_for_update(of=("self",))
        if scope == "roles":
            rows = rows.filter(merchant_id__in=merchant_ids_of_some_user(right))
        if by_key:
            return rows.filter(
                merchant__merchant_id=marked["merchant_id"],
                payment_date=marked["payment_date"],
                transaction_id=marked["transaction_id"],
            )
        return rows.filter(pk=marked["pk"])

    markers = dict(_SOME_KEY) if by_key else {"pk": _SOME_PK}
    if scope == "roles":
        markers["user"] = SOME_USER
    return Precompiled(build, markers=markers, related=("merchant",))


def _lock(ref, user, scope: str, right: str) -> Transaction | None:
    by_key = isinstance(ref, TransactionKey)
    values = (
        {"merchant_id": ref.merchant_id, "payment_date": ref.payment_date,
         "transaction_id": ref.transaction_id}
        if by_key else {"pk": ref.pk}
    )  # fmt: skip
    if scope == "roles":
        values["user"] = user.pk
    found = _lock_statement(scope, right, by_key).rows(**values)
    return found[0][0] if found else None


def _locked(ref, user) -> tuple[Transaction, bool]:
    """The transaction row locked (not its shop's: operations on one shop run in parallel), and
    whether `user` may operate on it — one round trip on the usual path. `ref` is a Transaction
    (its pk) or a TransactionKey: a key outside the user's view scope does not exist for them
    (Transaction.DoesNotExist, nothing locked)."""
    scope = "none" if user is None else scope_of(user)
    if scope != "none":
        t = _lock(ref, user, scope, "operate")
        if t is not None:
            return t, True
    if isinstance(ref, TransactionKey):
        t = None if scope == "none" else _lock(ref, user, scope, "view")
    else:
        t = _lock(ref, user, "all", "view")
    if t is None:
        raise Transaction.DoesNotExist("No transaction matches the given query.")
    return t, False


def check_reason(reason) -> str:
    """The person's optional reason for an operation (free text, one line, kept with it)."""
    if reason is None:
        return ""
    if not isinstance(reason, str) or not reason.replace("\t", " ").isprintable():
        raise OperationRefused(code="12", message=_("The reason must be one line of text."))
    reason = reason.strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise OperationRefused(
            code="12",
            message=_("The reason is at most %(max)d characters.") % {"max": REASON_MAX_LENGTH},
        )
    return reason


def _operate(
    kind, *, transaction, amount, user, channel, origin, now, apply, reason=""
) -> Operation:
    now = now or timezone.now()
    refusal = None
    try:
        label = check_origin(origin)
        reason = check_reason(reason)
    except OperationRefused as refused:
        refusal, label, reason = refused, "", ""
    with db.atomic(durable=True):
        t, may_operate = _locked(transaction, user)
        if amount is ROW_AMOUNT:
            amount = t.amount
        try:
            if refusal is not None:
                raise refusal
            _check_window(now)
            if not may_operate:
                raise OperationRefused(
                    code="40", message=_("You are not allowed to perform operations on this shop.")
                )
            operation = apply(t, now, label, reason)
        except OperationRefused as refused:
            refusal = refused
            refusal.operation = _record(
                t,
                kind,
                amount,
                code=refused.code,
                user=user,
                channel=channel,
                origin=label,
                status_before=t.status,
                status_after=t.status,
                now=now,
                message=refused.message,
                reason=reason,
            )
    if refusal is not None:
        raise refusal
    # The row as the service left it, for the caller's answer.
    operation.transaction = t
    return operation


def operation_refuse_input(
    *, kind: str, transaction: Transaction, user, channel: str, origin="", amount=None,
    message: str, now: dt.datetime | None = None,
) -> None:  # fmt: skip
    """Record and raise (OperationRefused, 12) the refusal of a request whose input is not
    valid (an API body its serializer refused), after the checks every operation makes first:
    the origin, the remittance window, the user's right and, when the amount given is one, the
    operation's own rules (24, 51) — the order the operation itself would have refused in."""
    amount_valid = (
        isinstance(amount, int) and not isinstance(amount, bool) and 0 < amount <= MAX_AMOUNT
    )

    def refuse(t, now, label, reason):
        if kind == OperationKind.ADVICE:
            check(t, kind, None, now=now)
        elif amount_valid:
            check(t, kind, amount, now=now)
        raise OperationRefused(code="12", message=message)

    recorded = ROW_AMOUNT if kind == OperationKind.ADVICE else amount
    _operate(
        kind, transaction=transaction, amount=recorded, user=user, channel=channel,
        origin=origin, now=now, apply=refuse,
    )  # fmt: skip


def _authorise(t: Transaction, amount: int, *, reference: str) -> Authorisation:
    try:
        return authorise(
            merchant=t.merchant,
            amount=amount,
            currency_code=t.currency_code,
            payment_means=t.payment_means,
            card_reference=f"{t.card_number}|{t.merchant.merchant_id}|{t.payment_date:%Y%m%d}"
            f"|{t.transaction_id}",
            reference=reference,
        )
    except AcquirerUnavailable:
        raise OperationRefused(
            code="90",
            message=_("Service temporarily unavailable: no acquirer answered. Nothing was done."),
        ) from None


def _amount_operation(
    kind, *, transaction, amount, user, channel, origin, now, extra=None, reason=""
):
    def apply(t: Transaction, now, label, reason):
        check(t, kind, amount, now=now)
        status_before = t.status
        moved = t.amount if kind == lifecycle.ADVICE else amount
        changes = lifecycle.outcome(t, kind, moved, on_date=lifecycle.next_remittance_date(now))
        changes.update(extra or {})
        code = "00"
        if kind == lifecycle.VALIDATE and status_before == Status.TO_REPLAY:
            # Validating a long-delayed payment asks a fresh authorisation (Annexe Q).
            answer = _authorise(t, amount, reference=f"validate-{t.pk}-{now:%Y%m%d}")
            code = answer.response_code
            fresh = lifecycle.authorisation_outcome(t, code, answer.authorisation_id)
            changes = {**changes, **fresh} if answer.accepted else fresh
            changes["bank_response_code"] = answer.bank_response_code
        for field, value in changes.items():
            setattr(t, field, value)
        t.save(update_fields=list(changes))
        return _record(
            t,
            kind,
            moved,
            code=code,
            user=user,
            channel=channel,
            origin=label,
            status_before=status_before,
            status_after=t.status,
            now=now,
            reason=reason,
        )

    return _operate(
        kind, transaction=transaction, amount=amount, user=user, channel=channel, origin=origin,
        now=now, apply=apply, reason=reason,
    )  # fmt: skip


def transaction_validate(
    *, transaction: Transaction, amount: int, user, channel: str, origin: str = "",
    now: dt.datetime | None = None, reason: str = "",
) -> Operation:  # fmt: skip
    """VALIDATE from TO_VALIDATE, 0 < amount ≤ current amount → TO_CAPTURE, captured at the
    next remittance (that evening's, or tomorrow's after 22:00); the unvalidated remainder is
    released. From TO_REPLAY the acquirer is asked first: refused → REFUSED with its code."""
    return _amount_operation(
        OperationKind.VALIDATE, transaction=transaction, amount=amount, user=user,
        channel=channel, origin=origin, now=now, reason=reason,
    )  # fmt: skip


def transaction_cancel(
    *, transaction: Transaction, amount: int, user, channel: str, origin: str = "",
    now: dt.datetime | None = None, reason: str = "",
) -> Operation:  # fmt: skip
    """CANCEL, 0 < amount ≤ current amount, from any state before the remittance takes it
    (TO_VALIDATE, TO_REPLAY, TO_AUTHORIZE, REFERRAL, TO_CAPTURE validated or not): the amount is
    lowered, nothing left → CANCELLED. On TO_CREDIT it withdraws the pending credit instead."""
    return _amount_operation(
        OperationKind.CANCEL, transaction=transaction, amount=amount, user=user,
        channel=channel, origin=origin, now=now, reason=reason,
    )  # fmt: skip


def transaction_refund(
    *, transaction: Transaction, amount: int, user, channel: str, origin: str = "",
    now: dt.datetime | None = None, reason: str = "",
) -> Operation:  # fmt: skip
    """CREDIT from CAPTURED or TO_CREDIT, 0 < amount ≤ captured − refunded → TO_CREDIT: the
    credit is sent to the bank at the next remittance (CREDIT_CAPTURE), then CREDITED if refunded
    in full, else CAPTURED."""
    return _amount_operation(
        OperationKind.CREDIT, transaction=transaction, amount=amount, user=user,
        channel=channel, origin=origin, now=now, reason=reason,
    )  # fmt: skip


def transaction_advice(
    *, transaction: Transaction, authorisation_id, user, channel: str, origin: str = "",
    now: dt.datetime | None = None, reason: str = "",
) -> Operation:  # fmt: skip
    """ADVICE (forcing) of a REFERRAL with the authorisation number the bank gave by phone
    (an..10), until its last day (creation + 30 days + delay) → TO_CAPTURE."""
    valid = isinstance(authorisation_id, str) and AUTHORISATION_ID.fullmatch(authorisation_id)
    if not valid:

        def refuse(t, now, label, reason):
            check(t, OperationKind.ADVICE, None, now=now)
            raise OperationRefused(
                code="12",
                message=_("The authorisation number is 1 to 10 letters or digits."),
            )

        return _operate(
            OperationKind.ADVICE, transaction=transaction, amount=ROW_AMOUNT, user=user,
            channel=channel, origin=origin, now=now, apply=refuse, reason=reason,
        )  # fmt: skip
    return _amount_operation(
        OperationKind.ADVICE, transaction=transaction, amount=None, user=user, channel=channel,
        origin=origin, now=now, extra={"authorisation_id": authorisation_id}, reason=reason,
    )  # fmt: skip


def _duplicate_item(src: Transaction, *, amount, new_id, capture_mode, capture_day, now,
                    answer: Authorisation) -> dict:  # fmt: skip
    local = now.astimezone(PARIS)
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
        "response_code": answer.response_code,
        # Only a code the card network's table of annexe F knows (17, 75 are Sips' own).
        "bank_response_code": (
            answer.bank_response_code
            if answer.bank_response_code in sips_codes.bank_table(src.payment_means)
            else ""
        ),
        "authorisation_id": answer.authorisation_id if answer.accepted else "",
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


def _number_taken(src: Transaction, number: str, now) -> bool:
    return Transaction.objects.filter(
        merchant_id=src.merchant_id,
        payment_date=now.astimezone(PARIS).date(),
        transaction_id=number,
    ).exists()


def _number_used(new_transaction_id) -> OperationRefused:
    """94: the shop already used this number today (found before asking the acquirer, or by
    the feed's insert when another request took it meanwhile)."""
    return OperationRefused(
        code="94",
        message=_("Transaction number %(id)s is already used today by this shop.")
        % {"id": str(new_transaction_id)},
    )


def transaction_duplicate(
    *,
    transaction: Transaction,
    amount: int,
    new_transaction_id,
    user,
    channel: str,
    origin: str = "",
    capture_mode: str | None = None,
    capture_day: int | None = None,
    now: dt.datetime | None = None,
    reason: str = "",
) -> Operation:
    """DUPLICATE any transaction with a card on file: a new transaction of `amount` today, made
    through the feed's rules, authorised by the shop's acquirer (its answer is the operation's:
    05 refused is not 00; none available → 90, nothing created), linked to its source; a number
    already used today by the shop is refused with 94. Its automatic response is any new
    transaction's (docs/sips.md, section 3): posted once committed if the shop has an automatic
    response URL (PENDING, then SENT or FAILED), UNDEFINED if it has none."""

    def apply(src: Transaction, now, label, reason):
        check(src, OperationKind.DUPLICATE, amount, now=now)
        if isinstance(capture_day, bool) or not (
            capture_day is None or (isinstance(capture_day, int) and 0 <= capture_day <= 99)
        ):
            raise OperationRefused(
                code="12", message=_("The capture delay must be between 0 and 99 days.")
            )
        asked = {"amount": amount, "new_id": new_transaction_id, "capture_mode": capture_mode,
                 "capture_day": capture_day, "now": now}  # fmt: skip
        # The feed's grammar and the number's freedom first: never an authorisation for nothing.
        try:
            number = parse_feed_item(
                _duplicate_item(src, **asked, answer=Authorisation("00", "00", "0"))
            )["transaction_id"]
        except FeedError as error:
            raise OperationRefused(code="12", message=error.message) from None
        if _number_taken(src, number, now):
            raise _number_used(new_transaction_id)
        answer = _authorise(
            src, amount, reference=f"duplicate-{src.merchant_id}-{now:%Y%m%d}-{number}"
        )
        item = _duplicate_item(src, **asked, answer=answer)
        try:
            new = transaction_create(item=item, origin=Origin.DUPLICATION, source=src, user=user)
        except FeedError as error:
            if error.response_code == "94":
                raise _number_used(new_transaction_id) from None
            raise OperationRefused(code="12", message=error.message) from None
        return _record(
            src,
            OperationKind.DUPLICATE,
            amount,
            code=answer.response_code,
            user=user,
            channel=channel,
            origin=label,
            status_before=src.status,
            status_after=src.status,
            now=now,
            new=new,
            reason=reason,
        )

    return _operate(
        OperationKind.DUPLICATE,
        transaction=transaction,
        amount=amount,
        user=user,
        channel=channel,
        origin=origin,
        now=now,
        apply=apply,
        reason=reason,
    )
