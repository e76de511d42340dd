"""The bank staff console's pages: every change goes through a service or leaves an audit row."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.db import models
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .forms import SecretKeyForm
from .models import Access, AuditRecord, Merchant, MerchantGroup, PaymentMeans, User
from .services import (
    MERCHANT_SETTINGS,
    audit_record,
    login_unlock,
    merchant_create,
    merchant_rotate_secret,
    merchant_set_secret,
    merchant_update,
)


def _form_changes(form) -> dict[str, tuple]:
    """field → (old, new) for what the form changed, as the form saw it (initial vs cleaned)."""
    return {
        name: (form.initial.get(name), form.cleaned_data.get(name))
        for name in form.changed_data
        if name not in ("password", "password1", "password2")
    }


class AuditedAdmin(admin.ModelAdmin):
    """Records every add, change and delete made through this page, inlines included."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            obj=obj,
            action=AuditRecord.Action.CHANGE if change else AuditRecord.Action.CREATE,
            changes=_form_changes(form),
        )

    def delete_model(self, request, obj):
        audit_record(actor=request.user, obj=obj, action=AuditRecord.Action.DELETE)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit_record(actor=request.user, obj=obj, action=AuditRecord.Action.DELETE)
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        changed = [
            f
            for f in formset.forms
            if f.instance.pk and f.has_changed() and f not in getattr(formset, "deleted_forms", [])
        ]
        before = {f.instance.pk: _form_changes(f) for f in changed}
        deleted = [str(f.instance) for f in getattr(formset, "deleted_forms", []) if f.instance.pk]
        instances = formset.save()
        parent = form.instance
        for text in deleted:
            audit_record(
                actor=request.user,
                obj=parent,
                action=AuditRecord.Action.CHANGE,
                changes={formset.model._meta.model_name: (text, "")},
            )
        for obj in instances:
            if obj.pk in before:
                changes = {
                    f"{formset.model._meta.model_name}.{name}": values
                    for name, values in before[obj.pk].items()
                }
            else:
                changes = {formset.model._meta.model_name: ("", str(obj))}
            audit_record(
                actor=request.user, obj=parent, action=AuditRecord.Action.CHANGE, changes=changes
            )


class PaymentMeansInline(admin.StackedInline):
    model = PaymentMeans
    extra = 0


@admin.register(Merchant)
class MerchantAdmin(AuditedAdmin):
    list_display = ["merchant_id", "name", "country", "environment", "journal_email", "is_active"]
    search_fields = ["merchant_id", "name"]
    list_filter = ["environment", "country", "is_active"]
    readonly_fields = ["secret_key_version", "created_at"]
    inlines = [PaymentMeansInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    change_form_template = "admin/merchants/merchant/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        # merchant_id is the shop's identity at the payment server: set once, at creation. The
        # environment starts at DEMO and moves only by going live (docs/go-live.md).
        fixed = [*self.readonly_fields, "environment"]
        return [*fixed, "merchant_id"] if obj else fixed

    def save_model(self, request, obj, form, change):
        if change:
            changes = {n: form.cleaned_data[n] for n in form.changed_data if n in MERCHANT_SETTINGS}
            merchant_update(actor=request.user, merchant_pk=obj.pk, changes=changes)
            obj.refresh_from_db()
            return
        created, secret = merchant_create(
            merchant_id=form.cleaned_data["merchant_id"],
            name=form.cleaned_data["name"],
            country=form.cleaned_data["country"],
            environment=Merchant.Environment.DEMO,
            journal_email=form.cleaned_data.get("journal_email", ""),
            actor=request.user,
        )
        if not form.cleaned_data.get("is_active", True):
            merchant_update(
                actor=request.user, merchant_pk=created.pk, changes={"is_active": False}
            )
        # The inlines were bound to `obj`: make it the stored shop.
        for field in created._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False
        request._gestion_new_secret = secret

    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(request, "_gestion_new_secret", None)
        if secret:
            return self._secret_page(request, obj, secret)
        return super().response_add(request, obj, post_url_continue)

    def get_urls(self):
        return [
            path(
                "<int:pk>/rotate-secret/",
                self.admin_site.admin_view(self.rotate_secret_view),
                name="merchants_merchant_rotate_secret",
            ),
            path(
                "<int:pk>/set-secret/",
                self.admin_site.admin_view(self.set_secret_view),
                name="merchants_merchant_set_secret",
            ),
            *super().get_urls(),
        ]

    def _secret_page(self, request, merchant, secret):
        response = render(
            request,
            "admin/merchants/merchant/secret_shown_once.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": merchant,
                "secret": secret,
                "title": _("New secret key"),
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    def rotate_secret_view(self, request, pk):
        merchant = get_object_or_404(Merchant, pk=pk)
        if not self.has_change_permission(request, merchant):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        if request.method == "POST":
            merchant, secret = merchant_rotate_secret(merchant_pk=merchant.pk, actor=request.user)
            messages.success(
                request,
                _("Secret key rotated: version %(version)d.")
                % {"version": merchant.secret_key_version},
            )
            return self._secret_page(request, merchant, secret)
        return render(
            request,
            "admin/merchants/merchant/rotate_secret.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": merchant,
                "title": _("Rotate the secret key"),
                "change_url": reverse("admin:merchants_merchant_change", args=[merchant.pk]),
            },
        )

    def set_secret_view(self, request, pk):
        """Install the key and key version the payment server gave the shop (Sips 2.0)."""
        merchant = get_object_or_404(Merchant, pk=pk)
        if not self.has_change_permission(request, merchant):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = SecretKeyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                merchant = merchant_set_secret(
                    merchant_pk=merchant.pk,
                    secret=form.cleaned_data["secret"],
                    version=form.cleaned_data["version"],
                    actor=request.user,
                )
            except ValidationError as error:
                form.add_error("secret", error)
            else:
                messages.success(
                    request,
                    _("Secret key set: version %(version)d.")
                    % {"version": merchant.secret_key_version},
                )
                return redirect(reverse("admin:merchants_merchant_change", args=[merchant.pk]))
        return render(
            request,
            "admin/merchants/merchant/set_secret.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": merchant,
                "form": form,
                "title": _("Set the secret key"),
                "change_url": reverse("admin:merchants_merchant_change", args=[merchant.pk]),
            },
        )


@admin.register(MerchantGroup)
class MerchantGroupAdmin(AuditedAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    filter_horizontal = ["merchants"]


class AccessInline(admin.StackedInline):
    model = Access
    extra = 0
    autocomplete_fields = ["merchant", "group"]


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (
        ("gestion", {"fields": ("is_bank_staff", "is_payment_server", "language")}),
    )
    list_display = ["username", "email", "is_bank_staff", "is_payment_server", "is_active"]
    list_filter = ["is_bank_staff", "is_payment_server", "is_active"]
    inlines = [AccessInline]
    actions = ["unlock_logins"]

    @admin.action(description=_lazy("Unlock the login of the selected users"))
    def unlock_logins(self, request, queryset):
        """django-axes' failures of each username cleared through the audited service, rather
        than by deleting the console's "Axes" rows by hand."""
        cleared = 0
        for user in queryset:
            cleared += login_unlock(actor=request.user, user_pk=user.pk)
        self.message_user(
            request,
            _("Logins unlocked: %(users)d; failed attempts cleared: %(failures)d.")
            % {"users": queryset.count(), "failures": cleared},
            messages.SUCCESS,
        )

    def get_readonly_fields(self, request, obj=None):
        # Bank staff are not superusers: superuser status and raw permissions stay out of reach.
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions", "groups"]
        return fields

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            audit_record(
                actor=request.user,
                obj=self.get_object(request, id),
                action=AuditRecord.Action.CHANGE,
                changes={"password": ("***", "*** (changed)")},
            )
        return response


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    """The history of changes: bank staff read it; nobody edits it."""

    list_display = [
        "at",
        "actor_username",
        "action",
        "object_type",
        "object_repr",
        "field",
        "old_value",
        "new_value",
    ]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "object_repr", "actor_username", "field"]
    date_hierarchy = "at"
    ordering = ["-at", "-id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
