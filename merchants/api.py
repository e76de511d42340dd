"""The shops a user may see, read-only for merchant staff; bank staff may change settings."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_response, invalid

from .models import Merchant, is_bank_staff
from .selectors import merchants_visible_to
from .services import MERCHANT_SETTINGS, merchant_update


class ShopSerializer(serializers.ModelSerializer):
    payment_means = serializers.SerializerMethodField()

    class Meta:
        model = Merchant
        fields = [
            "merchant_id",
            "name",
            "country",
            "environment",
            "journal_email",
            "is_active",
            "secret_key_version",
            "payment_means",
        ]
        read_only_fields = fields

    def get_payment_means(self, obj) -> list[dict]:
        return [
            {"means": p.means, "contract_number": p.contract_number}
            for p in obj.payment_means.all()
        ]


class ShopSettingsSerializer(serializers.ModelSerializer):
    """What a PATCH may change (MERCHANT_SETTINGS), each field by the model's own rules; the
    service checks them again as a whole and audits the change."""

    class Meta:
        model = Merchant
        fields = list(MERCHANT_SETTINGS)


class ShopListView(APIView):
    """GET /api/v1/shops/: the shops in the caller's scope."""

    @extend_schema(
        operation_id="shops_list",
        summary="The shops in my scope",
        responses=inline_serializer(
            "ShopList",
            {"response_code": serializers.CharField(), "shops": ShopSerializer(many=True)},
        ),
    )
    def get(self, request):
        shops = (
            merchants_visible_to(user=request.user)
            .prefetch_related("payment_means")
            .order_by("merchant_id")
        )
        environment = request.query_params.get("environment")
        if environment:
            if environment not in Merchant.Environment.values:
                return error_response("12", "environment: DEMO, PRE_PRODUCTION or PRODUCTION.", 400)
            shops = shops.filter(environment=environment)
        return Response({"response_code": "00", "shops": ShopSerializer(shops, many=True).data})


class ShopDetailView(APIView):
    """GET/PATCH /api/v1/shops/<merchant_id>/: PATCH is bank staff's (docs/domain.md: the journal
    address is changed by the adviser, never by the merchant)."""

    def _shop(self, request, merchant_id) -> Merchant:
        try:
            return (
                merchants_visible_to(user=request.user)
                .prefetch_related("payment_means")
                .get(merchant_id=merchant_id)
            )
        except Merchant.DoesNotExist:
            raise NotFound("Shop not found.") from None

    @extend_schema(
        operation_id="shops_retrieve",
        summary="One shop's settings",
        responses={
            200: inline_serializer(
                "ShopAnswer", {"response_code": serializers.CharField(), "shop": ShopSerializer()}
            ),
            404: OpenApiResponse(description='{"response_code": "25"}: not in your scope'),
        },
    )
    def get(self, request, merchant_id):
        shop = self._shop(request, merchant_id)
        return Response({"response_code": "00", "shop": ShopSerializer(shop).data})

    @extend_schema(
        operation_id="shops_partial_update",
        summary="Change a shop's settings (bank staff only)",
        request=ShopSettingsSerializer(partial=True),
        responses={
            200: OpenApiResponse(description='{"response_code": "00", "shop": {…}}'),
            403: OpenApiResponse(description='{"response_code": "40"}: not bank staff'),
        },
    )
    def patch(self, request, merchant_id):
        shop = self._shop(request, merchant_id)
        if not is_bank_staff(request.user):
            raise PermissionDenied("Only bank staff may change a shop's settings.")
        if not isinstance(request.data, dict):
            return error_response("30", "ERROR IN CALL PARAMETERS STRUCTURE (body)", 400)
        unknown = sorted(set(request.data) - set(MERCHANT_SETTINGS))
        if unknown:
            return error_response(
                "12",
                f"INVALID KEYWORD IN PARAMETER ({unknown[0]})",
                400,
                {unknown[0]: ["INVALID KEYWORD IN PARAMETER"]},
            )
        given = ShopSettingsSerializer(shop, data=request.data, partial=True)
        if not given.is_valid():
            return invalid(given.errors)
        try:
            shop = merchant_update(actor=request.user, merchant_pk=shop.pk, changes=request.data)
        except ValidationError as error:
            return invalid(error.message_dict if hasattr(error, "error_dict") else error.messages)
        return Response({"response_code": "00", "shop": ShopSerializer(shop).data})
