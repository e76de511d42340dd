"""An operation requested through the API, start to finish: the one service its view calls.

The body goes through its input serializer (operations/serializers.py), the operation runs
through operation_perform on the transaction's key (found in the caller's scope and locked in one
statement), all inside `idempotent` when the client sent an Idempotency-Key (the web's
confirmation goes through `idempotent` too).
Every answer that is not a success is the API's error envelope (core/api.py).
"""

import datetime as dt
from collections.abc import Callable

from django.utils.translation import gettext as _

from core.api import error_body, errors_message, plain_errors
from core.pan import contains_pan_anywhere
from transactions.models import Transaction
from transactions.selectors import transaction_get

from ..models import Operation, OperationChannel
from ..serializers import OperationRequestSerializer
from .cash import OperationRefused, TransactionKey, operation_refuse_input
from .idempotency import Committed, IdempotencyConflict, Outcome, idempotent, request_fingerprint
from .perform import operation_kind, operation_perform

# Sips Office response code → HTTP status of the refusal (README, "Cash-management operations").
HTTP_STATUS = {
    "12": 400, "40": 403, "25": 404, "24": 409, "94": 409, "51": 422, "90": 503, "99": 503,
}  # fmt: skip


def refusal(code: str, message: str, errors=None) -> Outcome:
    return Outcome(
        HTTP_STATUS.get(code, 400), error_body(code, message, errors), retryable=code == "99"
    )


def api_operation_request(
    *,
    user,
    kind: str,
    merchant_id: str,
    payment_date: str,
    transaction_id: str,
    data,
    key: str | None,
    now: dt.datetime,
    answer: Callable[[Operation], dict],
) -> Outcome:
    """POST /api/v1/transactions/{key}/{operation}/ with `data` (the parsed body) and the
    Idempotency-Key `key`; `answer` renders a done operation. The Outcome's body is the answer
    (replayed: the first one again)."""
    if contains_pan_anywhere(data):
        # Refused before anything is recorded: an operation's message never repeats it.
        return refusal("12", _("A card number is not accepted in an operation's request."))
    if key is not None and not 1 <= len(key) <= 255:
        return refusal("12", _("The Idempotency-Key must be 1 to 255 characters."))
    body = data if isinstance(data, dict) else None

    def find() -> Transaction:
        return transaction_get(
            user=user,
            merchant_id=merchant_id,
            payment_date=payment_date,
            transaction_id=transaction_id,
            fields=("id",),
        )

    def perform() -> Outcome:
        try:
            # Found and locked by the operation itself, in one statement (its view scope kept).
            t = TransactionKey.parse(merchant_id, payment_date, transaction_id)
        except ValueError:
            return refusal("25", _("Transaction not found."))
        code = operation_kind(kind)
        request = OperationRequestSerializer(data=data, context={"kind": code})
        errors = None
        try:
            if request.is_valid():
                operation = operation_perform(
                    kind=code,
                    transaction=t,
                    user=user,
                    channel=OperationChannel.API,
                    origin=request.validated_data.get("origin"),
                    amount=request.validated_data.get("amount"),
                    authorisation_id=request.validated_data.get("authorisation_id"),
                    new_transaction_id=request.validated_data.get("transaction_id"),
                    capture_mode=request.validated_data.get("capture_mode"),
                    capture_day=request.validated_data.get("capture_day"),
                    now=now,
                )
            else:
                errors = plain_errors(request.errors)
                raw = body or {}
                operation_refuse_input(
                    kind=code,
                    transaction=t,
                    user=user,
                    channel=OperationChannel.API,
                    origin=raw.get("origin"),
                    amount=raw.get("amount"),
                    message=errors_message(errors),
                    now=now,
                )
        except OperationRefused as refused:
            return refusal(refused.code, refused.message, errors if refused.code == "12" else None)
        except Transaction.DoesNotExist:
            return refusal("25", _("Transaction not found."))
        try:
            return Outcome(200, answer(operation))
        except Exception as error:
            # Committed: a retry with the key must not do it again; its replay names it.
            raise Committed({"response_code": "00", "operation": {"id": operation.pk}}) from error

    def replay(first) -> Outcome:
        try:
            find()
        except Transaction.DoesNotExist:
            # The stored answer is the caller's only while the transaction still is.
            return refusal("25", _("Transaction not found."))
        return Outcome(first.status, first.body, replayed=True)

    fingerprint = request_fingerprint(
        "API", kind, merchant_id, payment_date, transaction_id.zfill(6), body
    )
    try:
        return idempotent(
            user=user,
            key=None if key is None else f"api:{key}",
            fingerprint=fingerprint,
            now=now,
            perform=perform,
            replay=replay,
        )
    except IdempotencyConflict as conflict:
        if conflict.mismatch:
            return Outcome(
                422,
                error_body("12", _("This Idempotency-Key was already used for another request.")),
            )
        return refusal("99", _("The first request with this Idempotency-Key is still running."))
