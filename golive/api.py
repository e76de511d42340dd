"""Going live through the API (docs/go-live.md): a shop's requests, asking, approving, refusing.

Answers follow the house envelope: {"response_code": "00", …}, or {"response_code", "message"}
with the rule's wording; 25 (404) for a shop or request outside the caller's scope.
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_response, invalid
from merchants.models import Merchant

from . import rules
from .models import NEXT_ENVIRONMENT, GoLiveRequest
from .selectors import environment_timeline, golive_requests_of, golive_shops_visible_to
from .services import (
    GoLiveRefused,
    golive_approve,
    golive_refuse,
    golive_request,
    golive_withdraw,
)

_HTTP = {"12": 400, "24": 409, "25": 404, "40": 403}
_REFUSALS = {
    400: OpenApiResponse(description='{"response_code": "12", "message": the rule\'s wording}'),
    403: OpenApiResponse(description='{"response_code": "40"}: not allowed for this user'),
    404: OpenApiResponse(description='{"response_code": "25"}: not in your scope'),
    409: OpenApiResponse(description='{"response_code": "24"}: not in this state'),
}


class GoLiveAskSerializer(serializers.Serializer):
    """The body of a go-live request."""

    environment = serializers.ChoiceField(choices=["PRE_PRODUCTION", "PRODUCTION"])
    date = serializers.DateField(input_formats=["iso-8601"], help_text="YYYY-MM-DD")


class GoLiveRefusalSerializer(serializers.Serializer):
    """The body of a refusal: the reason the shop is told (the service refuses a blank one)."""

    reason = serializers.CharField(required=False, allow_blank=True, default="")


class GoLiveRequestSerializer(serializers.ModelSerializer):
    merchant_id = serializers.CharField(source="merchant.merchant_id")
    date = serializers.DateField(source="switch_date")
    requested_by = serializers.CharField(source="requested_by_username")
    decided_by = serializers.CharField(source="decided_by_username")

    class Meta:
        model = GoLiveRequest
        fields = [
            "id",
            "merchant_id",
            "from_environment",
            "environment",
            "date",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "reason",
            "done_at",
            "late_by_seconds",
        ]
        read_only_fields = fields


def _refused(refused: GoLiveRefused) -> Response:
    return error_response(refused.code, refused.message, _HTTP.get(refused.code, 400))


def _shop(request, merchant_id) -> Merchant | None:
    return golive_shops_visible_to(user=request.user).filter(merchant_id=merchant_id).first()


def _not_found() -> Response:
    return error_response("25", "Shop not found.", 404)


class GoLiveListView(APIView):
    """GET: the shop's environment, its next step and first possible date, its requests and its
    timeline. POST {"environment", "date"}: ask for the next step (USER_ADMIN or bank staff)."""

    @extend_schema(
        operation_id="golive_list",
        summary="A shop's environment, go-live requests and timeline",
        responses={
            200: inline_serializer(
                "GoLiveList",
                {
                    "response_code": serializers.CharField(),
                    "merchant_id": serializers.CharField(),
                    "environment": serializers.CharField(),
                    "next_environment": serializers.CharField(allow_null=True),
                    "next_date": serializers.DateField(),
                    "requests": GoLiveRequestSerializer(many=True),
                    "timeline": serializers.ListField(child=serializers.DictField()),
                },
            ),
            404: _REFUSALS[404],
        },
    )
    def get(self, request, merchant_id):
        shop = _shop(request, merchant_id)
        if shop is None:
            return _not_found()
        now = timezone.now()
        return Response(
            {
                "response_code": "00",
                "merchant_id": shop.merchant_id,
                "environment": shop.environment,
                "next_environment": NEXT_ENVIRONMENT.get(shop.environment),
                "next_date": rules.next_allowed_day(now=now).isoformat(),
                "requests": GoLiveRequestSerializer(
                    golive_requests_of(merchant=shop), many=True
                ).data,
                "timeline": [
                    {
                        "environment": row["environment"],
                        "since": row["since"],
                        "requested_by": row["by"],
                        "approved_by": row["approved_by"],
                    }
                    for row in environment_timeline(merchant=shop)
                ],
            }
        )

    @extend_schema(
        operation_id="golive_request",
        summary="Ask for the shop's next environment on a date",
        request=GoLiveAskSerializer,
        responses={
            201: inline_serializer(
                "GoLiveAsked",
                {
                    "response_code": serializers.CharField(),
                    "id": serializers.IntegerField(),
                    "request": GoLiveRequestSerializer(),
                },
            ),
            **_REFUSALS,
        },
    )
    def post(self, request, merchant_id):
        shop = _shop(request, merchant_id)
        if shop is None:
            return _not_found()
        data = request.data if isinstance(request.data, dict) else None
        if data is None:
            return error_response("30", "ERROR IN CALL PARAMETERS STRUCTURE (body)", 400)
        unknown = sorted(set(data) - {"environment", "date"})
        if unknown:
            return error_response(
                "12",
                f"INVALID KEYWORD IN PARAMETER ({unknown[0]})",
                400,
                {unknown[0]: ["INVALID KEYWORD IN PARAMETER"]},
            )
        ask = GoLiveAskSerializer(data=data)
        if not ask.is_valid():
            return invalid(ask.errors)
        try:
            created = golive_request(
                actor=request.user,
                merchant_pk=shop.pk,
                environment=ask.validated_data["environment"],
                switch_date=ask.validated_data["date"],
            )
        except GoLiveRefused as refused:
            return _refused(refused)
        return Response(
            {
                "response_code": "00",
                "id": created.pk,
                "request": GoLiveRequestSerializer(created).data,
            },
            201,
        )


_DECIDED = {
    200: inline_serializer(
        "GoLiveDecided",
        {"response_code": serializers.CharField(), "request": GoLiveRequestSerializer()},
    ),
    **_REFUSALS,
}


class _Decision(APIView):
    # The body a decision reads (None: none).
    input_serializer: type[serializers.Serializer] | None = None

    def _call(self, request, pk, data) -> GoLiveRequest:
        raise NotImplementedError

    def post(self, request, merchant_id, pk):
        shop = _shop(request, merchant_id)
        if shop is None or not GoLiveRequest.objects.filter(pk=pk, merchant=shop).exists():
            return error_response("25", "Go-live request not found.", 404)
        data = {}
        if self.input_serializer is not None:
            given = self.input_serializer(data=request.data)
            if not given.is_valid():
                return invalid(given.errors)
            data = given.validated_data
        try:
            done = self._call(request, pk, data)
        except GoLiveRefused as refused:
            return _refused(refused)
        return Response({"response_code": "00", "request": GoLiveRequestSerializer(done).data})


class GoLiveApproveView(_Decision):
    """Bank staff approve a pending request: the switch happens at 10:00 Paris on its date."""

    @extend_schema(
        operation_id="golive_approve",
        summary="Approve a go-live (bank staff)",
        request=None,
        responses=_DECIDED,
    )
    def post(self, request, merchant_id, pk):
        return super().post(request, merchant_id, pk)

    def _call(self, request, pk, data):
        return golive_approve(actor=request.user, request_pk=pk)


class GoLiveRefuseView(_Decision):
    """Bank staff refuse a pending request with {"reason": …}."""

    @extend_schema(
        operation_id="golive_refuse",
        summary="Refuse a go-live with a reason (bank staff)",
        request=GoLiveRefusalSerializer,
        responses=_DECIDED,
    )
    def post(self, request, merchant_id, pk):
        return super().post(request, merchant_id, pk)

    input_serializer = GoLiveRefusalSerializer

    def _call(self, request, pk, data):
        return golive_refuse(actor=request.user, request_pk=pk, reason=data["reason"])


class GoLiveWithdrawView(_Decision):
    """The shop's USER_ADMIN (or bank staff) withdraws a request not approved yet."""

    @extend_schema(
        operation_id="golive_withdraw",
        summary="Withdraw a go-live request",
        request=None,
        responses=_DECIDED,
    )
    def post(self, request, merchant_id, pk):
        return super().post(request, merchant_id, pk)

    def _call(self, request, pk, data):
        return golive_withdraw(actor=request.user, request_pk=pk)
