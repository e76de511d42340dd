from django.contrib import admin

from .models import Operation


@admin.register(Operation)
class OperationAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "merchant",
        "amount",
        "currency_code",
        "response_code",
        "origin",
        "user",
    ]
    list_filter = ["kind", "origin", "response_code"]
    list_select_related = ["merchant", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
