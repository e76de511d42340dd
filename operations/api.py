"""The operations API: POST an operation on a transaction; GET the operations and the
remittances, cursor-paginated."""

import datetime as dt

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_response, invalid, represent
from core.keyset import CURSOR_ERROR, Keyset, KeysetPagination, page_params, page_response
from transactions.api import transaction_json
from transactions.models import Transaction

from .filters import OperationFilter
from .models import Operation, Remittance
from .selectors import (
    OPERATIONS,
    operations_search,
    operations_visible_to,
    remittances_visible_to,
)
from .serializers import OperationRequestSerializer
from .services.requests import api_operation_request


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


class OperationView(APIView):
    """POST /api/v1/transactions/{merchant_id}/{payment_date}/{transaction_id}/{operation}/"""

    @extend_schema(
        request=OperationRequestSerializer,
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
        try:
            data = request.data
        except ParseError:
            return error_response("12", _("The body must be a JSON object."), 400)
        outcome = api_operation_request(
            user=request.user,
            kind=kind,
            merchant_id=merchant_id,
            payment_date=payment_date,
            transaction_id=transaction_id,
            data=data,
            key=request.headers.get("Idempotency-Key"),
            now=timezone.now(),
            answer=self._success,
        )
        response = Response(outcome.body, outcome.status)
        if outcome.replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    def _success(self, operation):
        # The row as the service left it (locked, updated, committed): no need to read it again.
        shown = operation.new_transaction or operation.transaction
        # 00, or the acquirer's answer to a fresh authorisation (05: done, but refused).
        return {
            "response_code": operation.response_code,
            "operation": represent(OperationSerializer, operation),
            "transaction": transaction_json(shown),
        }


class OperationPages(KeysetPagination):
    keyset = OPERATIONS


class OperationListView(generics.ListAPIView):
    """GET /api/v1/operations/: the operations page's criteria, cursor-paginated, through the
    one operations search (the filter backend and paginator describe it in the schema)."""

    serializer_class = OperationSerializer
    pagination_class = OperationPages
    filter_backends = [DjangoFilterBackend]
    filterset_class = OperationFilter

    def get_queryset(self):
        return operations_visible_to(user=self.request.user)

    def list(self, request, *args, **kwargs):
        sort, cursor, size = page_params(OPERATIONS, request.query_params)
        search = operations_search(
            user=request.user, query=request.query_params, sort=sort, cursor=cursor, size=size
        )
        if not search.valid:
            raise ValidationError(search.errors)
        if search.cursor_error:
            raise ValidationError({"cursor": [CURSOR_ERROR]})
        rows = self.get_serializer(search.page.rows, many=True).data
        return page_response(request, search.page, rows)


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


class RemittancePages(KeysetPagination):
    keyset = Keyset(
        name="remittances",
        sorts={"-remittance_date": ("remittance_date", True)},
        default_sort="-remittance_date",
        page_size=100,
        max_page_size=500,
    )


class RemittanceListView(generics.ListAPIView):
    """GET /api/v1/remittances/?date=YYYY-MM-DD&merchant_id=…: per shop, evening and currency,
    the debits and credits sent (docs/remittances.md)."""

    serializer_class = RemittanceSerializer
    pagination_class = RemittancePages

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
                return invalid({"date": [_("The date must be YYYY-MM-DD.")]})
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        rows = remittances_visible_to(user=self.request.user)
        if getattr(self, "day", None):
            rows = rows.filter(remittance_date=self.day)
        if self.request.query_params.get("merchant_id"):
            rows = rows.filter(merchant__merchant_id=self.request.query_params["merchant_id"])
        return rows
