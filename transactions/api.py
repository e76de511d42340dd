import datetime as dt

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_response, invalid, represent
from core.keyset import CURSOR_ERROR, page_link, page_params
from merchants.permissions import IsPersonAccount

from . import lifecycle, sips2, sips_codes
from .feed import FeedError, feed_request_schema
from .filters import ApiTransactionFilter
from .models import Transaction
from .selectors import TRANSACTIONS, transaction_get, transactions_search
from .services import FeedRejected, sips2_response_ingest, transactions_feed


class IsPaymentServer(permissions.BasePermission):
    """The feed right: only the payment-server account (and it has no other)."""

    message = "Not allowed for this user."

    def has_permission(self, request, view):
        return bool(
            request.user and request.user.is_authenticated and request.user.is_payment_server
        )


class TransactionSerializer(serializers.ModelSerializer):
    merchant_id = serializers.CharField(source="merchant.merchant_id")
    source = serializers.SerializerMethodField()
    labels = serializers.SerializerMethodField(
        help_text="Each code's meaning (annexes T, F, K, U) in the request's language"
    )
    possible_operations = serializers.SerializerMethodField()

    class Meta:
        model = Transaction
        fields = [
            "merchant_id",
            "transaction_id",
            "payment_date",
            "payment_at",
            "status",
            "origin_amount",
            "amount",
            "captured_amount",
            "refunded_amount",
            "credited_amount",
            "currency_code",
            "capture_mode",
            "capture_day",
            "capture_date",
            "payment_means",
            "card_number",
            "response_code",
            "bank_response_code",
            "cvv_flag",
            "cvv_response_code",
            "authorisation_id",
            "complementary_code",
            "complementary_info",
            "payment_certificate",
            "transaction_condition",
            "security_indicator",
            "mpi_cavv",
            "mpi_cavv_algorithm",
            "mpi_eci",
            "mpi_tx_status",
            "mpi_xid",
            "transaction_reference",
            "holder_authent_status",
            "guarantee_indicator",
            "pan_expiry_date",
            "payment_mean_type",
            "customer_id",
            "customer_email",
            "customer_ip_address",
            "order_id",
            "caddie",
            "return_context",
            "data",
            "receipt_complement",
            "merchant_country",
            "language",
            "merchant_language",
            "order_validity",
            "transmission_at",
            "automatic_response_status",
            "origin",
            "source",
            "created_at",
            "labels",
            "possible_operations",
        ]

    def get_labels(self, obj) -> dict[str, str]:
        return sips_codes.code_labels(obj)

    def get_possible_operations(self, obj) -> dict[str, int | None]:
        """Annexe N code → the most it may move now (null: no ceiling), from the lifecycle."""
        return lifecycle.operations_possible(obj, now=timezone.now())

    def get_source(self, obj) -> dict | None:
        if obj.source_id is None:
            return None
        return obj.source.sips_key()


def transaction_json(transaction: Transaction) -> dict:
    """One transaction as the feed and the operations answer it (fields built once per
    process: core.api.represent)."""
    return represent(TransactionSerializer, transaction)


class OperationSerializer(serializers.Serializer):
    kind = serializers.CharField()
    amount = serializers.IntegerField()
    currency_code = serializers.CharField()
    response_code = serializers.CharField()
    status_before = serializers.CharField()
    status_after = serializers.CharField()
    channel = serializers.CharField()
    origin = serializers.CharField()
    user = serializers.SerializerMethodField()
    message = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_user(self, obj) -> str | None:
        return obj.user.get_username() if obj.user_id else None


class TransactionDetailSerializer(TransactionSerializer):
    operations = serializers.SerializerMethodField()

    class Meta(TransactionSerializer.Meta):
        fields = [*TransactionSerializer.Meta.fields, "operations"]

    def get_operations(self, obj) -> list[dict]:
        ops = obj.operations.select_related("user").order_by("created_at", "id")
        return [represent(OperationSerializer, op) for op in ops]


SEARCH_PARAMETERS = [
    OpenApiParameter("merchant_id", str, description="One or several merchant_id, comma-separated"),
    OpenApiParameter("transaction_id", str, description="With or without leading zeros"),
    OpenApiParameter("payment_date_from", dt.date, description="Paris date, YYYY-MM-DD"),
    OpenApiParameter("payment_date_to", dt.date, description="Paris date, YYYY-MM-DD"),
    OpenApiParameter("status", str, many=True, description="Repeat for several statuses"),
    OpenApiParameter("amount_min", int, description="Minor units"),
    OpenApiParameter("amount_max", int, description="Minor units"),
    OpenApiParameter("currency_code", str, description="ISO 4217 numeric, e.g. 978"),
    OpenApiParameter("payment_means", str),
    OpenApiParameter("card_number", str, description="1234.56, 1234 (first 4) or .56 (last 2)"),
    OpenApiParameter("customer_id", str),
    OpenApiParameter("customer_email", str),
    OpenApiParameter("order_id", str),
    OpenApiParameter("response_code", str, description="Annexe T"),
    OpenApiParameter("bank_response_code", str, description="Annexe F"),
    OpenApiParameter("cvv_response_code", str, description="Annexe K"),
    OpenApiParameter("capture_mode", str),
    OpenApiParameter("automatic_response_status", str),
    OpenApiParameter("origin", str),
    OpenApiParameter("cursor", str, description="The cursor of a `next` or `previous` link"),
    OpenApiParameter("page_size", int, description=f"1 to {TRANSACTIONS.max_page_size}"),
    OpenApiParameter("sort", str, enum=list(TRANSACTIONS.sorts), description="Indexed keys only"),
]


class FeedView(APIView):
    """/api/v1/transactions/: POST, the payment server feeds transactions; GET, merchants search.

    The two share a URL (the Sips-style resource) but not an audience: POST is the payment
    server's only right, GET is refused to it.
    """

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsPaymentServer()]
        return [IsPersonAccount()]

    @extend_schema(
        operation_id="transactions_list",
        parameters=SEARCH_PARAMETERS,
        responses={
            200: OpenApiResponse(
                description='{"results": [transaction…], "next": url|null, "previous": url|null}'
            ),
        },
        summary="Search transactions in your scope, newest first (cursor pagination)",
    )
    def get(self, request):
        query = request.query_params.copy()
        if "merchant_id" in query:
            query["merchant_id"] = " ".join(query.getlist("merchant_id"))
        sort, cursor, size = page_params(TRANSACTIONS, request.query_params)
        search = transactions_search(
            user=request.user,
            query=query,
            sort=sort,
            cursor=cursor,
            size=size,
            count=False,
            filterset_class=ApiTransactionFilter,
            related=("merchant", "source__merchant"),
        )
        if not search.valid:
            return invalid(search.errors)
        if search.cursor_error:
            return invalid({"cursor": [CURSOR_ERROR]})
        page = search.page
        return Response(
            {
                "results": TransactionSerializer(page.rows, many=True).data,
                "next": page_link(request, page.next_cursor),
                "previous": page_link(request, page.previous_cursor),
            }
        )

    @extend_schema(
        request={"application/json": feed_request_schema(settings.FEED_BULK_MAX)},
        responses={
            201: OpenApiResponse(description='{"response_code": "00", "transaction": {…}}'),
            400: OpenApiResponse(description='{"response_code": "30", "message": "…"}'),
            409: OpenApiResponse(description="94 Transaction already processed"),
        },
        summary="Feed transactions (payment server only)",
        operation_id="transactions_feed",
    )
    def post(self, request):
        data = request.data
        bulk = isinstance(data, list)
        items = data if bulk else [data]
        try:
            stored = transactions_feed(items=items, user=request.user)
        except FeedRejected as rejected:
            first = rejected.errors[0][1]
            http_status = (
                status.HTTP_409_CONFLICT
                if all(e.response_code == "94" for _, e in rejected.errors)
                else status.HTTP_400_BAD_REQUEST
            )
            if not bulk:
                return error_response(first.response_code, first.message, http_status)
            return error_response(
                first.response_code,
                first.message,
                http_status,
                errors=[
                    {"index": i, "response_code": e.response_code, "message": e.message}
                    for i, e in rejected.errors
                ],
            )
        if bulk:
            body = {
                "response_code": "00",
                "count": len(stored),
                "transactions": TransactionSerializer(stored, many=True).data,
            }
        else:
            body = {"response_code": "00", "transaction": transaction_json(stored[0])}
        return Response(body, status=status.HTTP_201_CREATED)


class TransactionDetailView(APIView):
    """GET /api/v1/transactions/{merchant_id}/{payment_date}/{transaction_id}/ with operations."""

    permission_classes = [IsPersonAccount]

    @extend_schema(
        responses={
            200: TransactionDetailSerializer,
            404: OpenApiResponse(description='{"response_code": "25", "message": "…"}'),
        },
        summary="One transaction and its operations",
    )
    def get(self, request, merchant_id, payment_date, transaction_id):
        try:
            transaction = transaction_get(
                user=request.user,
                merchant_id=merchant_id,
                payment_date=payment_date,
                transaction_id=transaction_id,
            )
        except Transaction.DoesNotExist:
            raise NotFound("Transaction not found.") from None
        return Response(represent(TransactionDetailSerializer, transaction))


class SipsV2ResponseView(APIView):
    """POST /sips/v2/response/: a Sips 2.0 automatic response (sealed form), see docs/sips.md.

    No account: the seal, made with the shop's secret key, is the proof of origin."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [FormParser, MultiPartParser]

    @extend_schema(
        request={
            "application/x-www-form-urlencoded": {
                "type": "object",
                "properties": {
                    name: {"type": "string"}
                    for name in (
                        "Data",
                        "Seal",
                        "Encode",
                        "InterfaceVersion",
                        "keyVersion",
                        "SealAlgorithm",
                    )
                },
            }
        },
        responses={
            201: OpenApiResponse(description='{"response_code": "00", "transaction": {…}}'),
            200: OpenApiResponse(description="The same response again: nothing stored twice"),
            400: OpenApiResponse(description='{"response_code": "30", "message": "…"}'),
            403: OpenApiResponse(description="63 Security error (seal, key version)"),
            409: OpenApiResponse(description="94 Transaction already processed"),
        },
        summary="Receive a Sips 2.0 automatic response (sealed)",
    )
    def post(self, request):
        try:
            stored, created = sips2_response_ingest(form=request.data)
        except sips2.SipsRefused as refused:
            return error_response(refused.response_code, refused.message, refused.http_status)
        except FeedError as error:
            http_status = 409 if error.response_code == "94" else error.http_status
            return error_response(error.response_code, error.message, http_status)
        return Response(
            {"response_code": "00", "transaction": transaction_json(stored)},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
