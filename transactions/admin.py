from django.contrib import admin

from .models import Transaction


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
