from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from gestion.api import error_response

from .models import Transaction
from .services import FeedRejected, transactions_feed


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
            "customer_id",
            "customer_email",
            "customer_ip_address",
            "order_id",
            "caddie",
            "return_context",
            "automatic_response_status",
            "origin",
            "source",
            "created_at",
        ]

    def get_source(self, obj) -> dict | None:
        if obj.source_id is None:
            return None
        src = obj.source
        return {
            "merchant_id": src.merchant.merchant_id,
            "payment_date": src.payment_date.isoformat(),
            "transaction_id": src.transaction_id,
        }


class FeedView(APIView):
    """POST /api/v1/transactions/: the payment server feeds one transaction or a list of them."""

    permission_classes = [IsPaymentServer]

    @extend_schema(
        request={"application/json": {"type": "object"}},
        responses={
            201: OpenApiResponse(description='{"response_code": "00", "transaction": {…}}'),
            400: OpenApiResponse(description='{"response_code": "30", "message": "…"}'),
            409: OpenApiResponse(description="94 Transaction already processed"),
        },
        summary="Feed transactions (payment server only)",
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
            body = {"response_code": "00", "transaction": TransactionSerializer(stored[0]).data}
        return Response(body, status=status.HTTP_201_CREATED)
