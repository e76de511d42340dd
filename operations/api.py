"""The operations API: POST an operation on a transaction; GET the operations and the
remittances, cursor-paginated."""

import datetime as dt

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.pagination import StrictCursorPagination
from core.pan import contains_pan_anywhere
from gestion.api import error_response
from transactions.api import TransactionSerializer
from transactions.models import Transaction
from transactions.selectors import transaction_get

from .filters import OperationFilter
from .models import Operation, OperationChannel, Remittance
from .selectors import operations_visible_to, remittances_visible_to
from .services import OperationRefused
from .services.idempotency import (
    IdempotencyConflict,
    Replay,
    idempotency_begin,
    idempotency_finish,
    request_fingerprint,
)
from .services.perform import operation_perform

# Sips Office response code → HTTP status of the refusal (README, "Cash-management operations").
HTTP_STATUS = {
    "12": 400, "40": 403, "25": 404, "24": 409, "94": 409, "51": 422, "90": 503, "99": 503,
}  # fmt: skip


def _key(t: Transaction | None) -> dict | None:
    return None if t is None else t.sips_key()


class OperationSerializer(serializers.ModelSerializer):
    user = serializers.SerializerMethodField()
    transaction = serializers.SerializerMethodField()
    new_transaction = serializers.SerializerMethodField()

    class Meta:
        model = Operation
        fields = [
            "id",
            "kind",
            "amount",
            "currency_code",
            "response_code",
            "message",
            "status_before",
            "status_after",
            "channel",
            "origin",
            "user",
            "created_at",
            "transaction",
            "new_transaction",
        ]

    def get_user(self, obj) -> str | None:
        return obj.user.get_username() if obj.user_id else None

    def get_transaction(self, obj) -> dict:
        return _key(obj.transaction)

    def get_new_transaction(self, obj) -> dict | None:
        return _key(obj.new_transaction) if obj.new_transaction_id else None


def _refusal(code: str, message: str) -> tuple[int, dict]:
    return HTTP_STATUS.get(code, 400), {"response_code": code, "message": str(message)}


class OperationView(APIView):
    """POST /api/v1/transactions/{merchant_id}/{payment_date}/{transaction_id}/{operation}/"""

    @extend_schema(
        request={"application/json": {"type": "object"}},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
        responses={
            200: OpenApiResponse(description='{"response_code": "00", "operation", "transaction"}'),
            400: OpenApiResponse(description="12 invalid request"),
            403: OpenApiResponse(description="40 not allowed for this user"),
            404: OpenApiResponse(description="25 transaction not found"),
            409: OpenApiResponse(description="24 incompatible status, 94 number already used"),
            422: OpenApiResponse(description="51 amount too high; Idempotency-Key reused"),
            503: OpenApiResponse(description="99 temporary problem (remittance window)"),
        },
        summary="Validate, cancel, refund (credit), force (advice) or duplicate a transaction",
        operation_id="transaction_operation",
    )
    def post(self, request, merchant_id, payment_date, transaction_id, kind):
        if getattr(request.user, "language", ""):
            translation.activate(request.user.language)
        now = timezone.now()
        try:
            data = request.data
        except ParseError:
            return error_response("12", _("The body must be a JSON object."), 400)
        body = data if isinstance(data, dict) else None
        if contains_pan_anywhere(data):
            # Refused before anything is recorded: an operation's message never repeats it.
            return error_response(
                "12", _("A card number is not accepted in an operation's request."), 400
            )
        key = request.headers.get("Idempotency-Key")
        claim = None
        if key is not None:
            if not 1 <= len(key) <= 255:
                return error_response(
                    "12", _("The Idempotency-Key must be 1 to 255 characters."), 400
                )
            fingerprint = request_fingerprint(
                "API", kind, merchant_id, payment_date, transaction_id.zfill(6), body
            )
            try:
                claim = idempotency_begin(
                    user=request.user, key=f"api:{key}", fingerprint=fingerprint, now=now
                )
            except IdempotencyConflict as conflict:
                if conflict.mismatch:
                    return error_response(
                        "12", _("This Idempotency-Key was already used for another request."), 422
                    )
                return error_response(
                    "99", _("The first request with this Idempotency-Key is still running."), 503
                )
            if isinstance(claim, Replay):
                if not self._may_see(request, merchant_id, payment_date, transaction_id):
                    # The stored answer is the caller's only while the transaction still is.
                    status, answer = _refusal("25", _("Transaction not found."))
                    return Response(answer, status)
                response = Response(claim.body, claim.status)
                response["Idempotent-Replayed"] = "true"
                return response
        try:
            outcome = self._perform(request, merchant_id, payment_date, transaction_id,
                                    kind, body, now)  # fmt: skip
        except BaseException:
            # Nothing was committed: the client may retry with the same key.
            if claim is not None:
                idempotency_finish(record=claim, status=500, body={}, retryable=True)
            raise
        if isinstance(outcome, Operation):
            try:
                status, answer = 200, self._success(outcome)
            except BaseException:
                # The operation is committed: the key must never be freed now, or a retry with
                # it would perform the operation a second time. Its replay names the operation.
                if claim is not None:
                    idempotency_finish(
                        record=claim,
                        status=200,
                        body={"response_code": "00", "operation": {"id": outcome.pk}},
                        retryable=False,
                    )
                raise
        else:
            status, answer = outcome
        if claim is not None:
            idempotency_finish(
                record=claim, status=status, body=answer, retryable=answer["response_code"] == "99"
            )
        return Response(answer, status)

    @staticmethod
    def _may_see(request, merchant_id, payment_date, transaction_id) -> bool:
        try:
            transaction_get(
                user=request.user,
                merchant_id=merchant_id,
                payment_date=payment_date,
                transaction_id=transaction_id,
            )
        except Transaction.DoesNotExist:
            return False
        return True

    def _perform(self, request, merchant_id, payment_date, transaction_id, kind, body, now):
        try:
            t = transaction_get(
                user=request.user,
                merchant_id=merchant_id,
                payment_date=payment_date,
                transaction_id=transaction_id,
            )
        except Transaction.DoesNotExist:
            return _refusal("25", _("Transaction not found."))
        body = body if body is not None else {}
        try:
            operation = operation_perform(
                kind=kind.upper(),
                transaction=t,
                user=request.user,
                channel=OperationChannel.API,
                origin=body.get("origin"),
                amount=body.get("amount"),
                authorisation_id=body.get("authorisation_id"),
                new_transaction_id=body.get("transaction_id"),
                capture_mode=body.get("capture_mode"),
                capture_day=body.get("capture_day"),
                now=now,
            )
        except OperationRefused as refused:
            return _refusal(refused.code, refused.message)
        return operation

    def _success(self, operation):
        # The row as the service left it (locked, updated, committed): no need to read it again.
        shown = operation.new_transaction or operation.transaction
        # 00, or the acquirer's answer to a fresh authorisation (05: done, but refused).
        return {
            "response_code": operation.response_code,
            "operation": dict(OperationSerializer(operation).data),
            "transaction": dict(TransactionSerializer(shown).data),
        }


class OperationCursor(StrictCursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50
    max_page_size = 500
    page_size_query_param = "page_size"


class OperationListView(generics.ListAPIView):
    """GET /api/v1/operations/: the operations page's criteria, cursor-paginated."""

    serializer_class = OperationSerializer
    pagination_class = OperationCursor
    filter_backends = [DjangoFilterBackend]
    filterset_class = OperationFilter

    def get_queryset(self):
        return operations_visible_to(user=self.request.user)


class RemittanceSerializer(serializers.ModelSerializer):
    merchant_id = serializers.CharField(source="merchant.merchant_id")
    date = serializers.DateField(source="remittance_date")

    class Meta:
        model = Remittance
        fields = [
            "id",
            "merchant_id",
            "date",
            "currency_code",
            "debit_count",
            "debit_amount",
            "credit_count",
            "credit_amount",
            "sent_to_bank",
        ]


class RemittanceCursor(StrictCursorPagination):
    ordering = ("-remittance_date", "-id")
    page_size = 100
    max_page_size = 500
    page_size_query_param = "page_size"


class RemittanceListView(generics.ListAPIView):
    """GET /api/v1/remittances/?date=YYYY-MM-DD&merchant_id=…: per shop, evening and currency,
    the debits and credits sent (docs/remittances.md)."""

    serializer_class = RemittanceSerializer
    pagination_class = RemittanceCursor

    @extend_schema(
        parameters=[
            OpenApiParameter("date", str, description="Paris date of the remittance, YYYY-MM-DD"),
            OpenApiParameter("merchant_id", str),
        ]
    )
    def get(self, request, *args, **kwargs):
        day = request.query_params.get("date", "")
        if day:
            try:
                self.day = dt.date.fromisoformat(day)
            except ValueError:
                return error_response("12", _("The date must be YYYY-MM-DD."), 400)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        rows = remittances_visible_to(user=self.request.user)
        if getattr(self, "day", None):
            rows = rows.filter(remittance_date=self.day)
        if self.request.query_params.get("merchant_id"):
            rows = rows.filter(merchant__merchant_id=self.request.query_params["merchant_id"])
        return rows
