import datetime as dt

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.views import APIView

from core.keyset import Keyset, KeysetPagination

from .models import Journal
from .selectors import journal_get, journals_visible_to
from .views import journal_file_response


class JournalSerializer(serializers.ModelSerializer):
    merchant_id = serializers.CharField(source="merchant.merchant_id")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Journal
        fields = [
            "id",
            "merchant_id",
            "kind",
            "sequence",
            "journal_date",
            "generated_at",
            "filename",
            "record_count",
            "totals",
            "sha256",
            "seal",
            "secret_key_version",
            "state",
            "sent_at",
            "download_url",
        ]

    def get_download_url(self, obj) -> str:
        url = reverse("api-journal-download", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class NewestFirst(KeysetPagination):
    """Keyset pagination on the primary key: no COUNT(*), stable under new journals."""

    keyset = Keyset(name="journals", sorts={"-id": ("id", True)}, default_sort="-id", page_size=100)


class JournalListView(generics.ListAPIView):
    """GET /api/v1/journals/: the journals of the caller's shops (?merchant_id=, ?kind=, ?date=)."""

    serializer_class = JournalSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        journals = journals_visible_to(user=self.request.user)
        params = self.request.query_params
        if params.get("merchant_id"):
            journals = journals.filter(merchant__merchant_id=params["merchant_id"])
        if params.get("kind"):
            journals = journals.filter(kind=params["kind"].upper())
        if params.get("date"):
            try:
                day = dt.date.fromisoformat(params["date"])
            except ValueError as exc:
                raise serializers.ValidationError({"date": ["YYYY-MM-DD."]}) from exc
            journals = journals.filter(journal_date=day)
        return journals


class JournalDownloadView(APIView):
    """GET /api/v1/journals/<id>/download/: the file as stored and sealed."""

    @extend_schema(
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
        summary="Download a journal file (headers X-Journal-SHA256, X-Journal-Seal)",
    )
    def get(self, request, pk: int):
        try:
            journal = journal_get(user=request.user, pk=pk)
        except Journal.DoesNotExist as exc:
            raise Http404 from exc
        return journal_file_response(journal)
