from django.contrib import admin

from .models import Operation, Remittance


class ReadOnly(admin.ModelAdmin):
    """History: bank staff read it, nobody writes it by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Operation)
class OperationAdmin(ReadOnly):
    list_display = [
        "created_at",
        "kind",
        "merchant",
        "amount",
        "currency_code",
        "response_code",
        "channel",
        "origin",
        "user",
    ]
    list_filter = ["kind", "channel", "response_code"]
    list_select_related = ["merchant", "user"]


@admin.register(Remittance)
class RemittanceAdmin(ReadOnly):
    list_display = [
        "remittance_date",
        "merchant",
        "currency_code",
        "debit_count",
        "debit_amount",
        "credit_count",
        "credit_amount",
        "sent_to_bank",
    ]
    list_filter = ["sent_to_bank", "currency_code"]
    list_select_related = ["merchant"]
