from django.contrib import admin

from .models import AutomaticResponseAttempt, SipsRefusal, Transaction


@admin.register(Transaction)
class TransactionAdmin(admin.ModelAdmin):
    """Django's own changelist: kept read-only, and the search benchmark's baseline."""

    list_display = [
        "transaction_id",
        "merchant",
        "payment_at",
        "status",
        "amount",
        "currency_code",
        "payment_means",
        "response_code",
    ]
    list_filter = ["status", "payment_means", "currency_code", "capture_mode", "payment_date"]
    search_fields = ["transaction_id", "order_id", "customer_email", "customer_id"]
    list_select_related = ["merchant"]
    show_full_result_count = True

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SipsRefusal)
class SipsRefusalAdmin(ReadOnlyAdmin):
    """Refused Sips 2.0 responses, counted per day, reason and merchantId (docs/sips.md)."""

    list_display = ["day", "reason", "merchant_id", "count"]
    list_filter = ["reason", "day"]
    search_fields = ["merchant_id"]
    ordering = ["-day", "reason", "merchant_id"]


@admin.register(AutomaticResponseAttempt)
class AutomaticResponseAttemptAdmin(ReadOnlyAdmin):
    """Every post of an automatic response to a shop's URL."""

    list_display = ["at", "transaction", "url", "http_status", "error", "duration_ms"]
    list_filter = ["error"]
    list_select_related = ["transaction__merchant"]
    raw_id_fields = ["transaction"]
    ordering = ["-at", "-id"]
