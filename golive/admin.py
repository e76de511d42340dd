"""Bank staff's console: go-live requests and environment changes, read-only (they change only
through golive.services: the go-live pages, the API and the 10:00 run)."""

from django.contrib import admin

from .models import EnvironmentChange, GoLiveRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GoLiveRequest)
class GoLiveRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "merchant",
        "from_environment",
        "environment",
        "switch_date",
        "status",
        "requested_by_username",
        "decided_by_username",
        "done_at",
    ]
    list_filter = ["status", "environment", "merchant__environment"]
    search_fields = ["merchant__merchant_id", "merchant__name"]
    ordering = ["-requested_at", "-id"]


@admin.register(EnvironmentChange)
class EnvironmentChangeAdmin(ReadOnlyAdmin):
    list_display = [
        "merchant",
        "from_environment",
        "environment",
        "at",
        "requested_by_username",
        "approved_by_username",
    ]
    list_filter = ["environment"]
    search_fields = ["merchant__merchant_id", "merchant__name"]
    ordering = ["-at", "-id"]
