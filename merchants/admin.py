from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Access, Merchant, MerchantGroup, PaymentMeans, User


class PaymentMeansInline(admin.TabularInline):
    model = PaymentMeans
    extra = 0


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["merchant_id", "name", "country", "environment", "journal_email", "is_active"]
    search_fields = ["merchant_id", "name"]
    list_filter = ["environment", "country", "is_active"]
    readonly_fields = ["secret_key_version", "created_at"]
    inlines = [PaymentMeansInline]


@admin.register(MerchantGroup)
class MerchantGroupAdmin(admin.ModelAdmin):
    list_display = ["name"]
    filter_horizontal = ["merchants"]


class AccessInline(admin.TabularInline):
    model = Access
    extra = 0
    autocomplete_fields = ["merchant"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (
        ("gestion", {"fields": ("is_bank_staff", "is_payment_server", "language")}),
    )
    list_display = ["username", "email", "is_bank_staff", "is_payment_server", "is_active"]
    inlines = [AccessInline]
