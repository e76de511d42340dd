"""The bank staff console: Django's admin, open to bank staff only (the flag, not is_staff)."""

from functools import update_wrapper

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from .models import is_bank_staff


class BankConsoleSite(admin.AdminSite):
    site_header = _("gestion · bank staff console")
    site_title = _("Bank staff console")
    index_title = _("Shops, groups, users and their history")

    def has_permission(self, request):
        user = request.user
        return is_bank_staff(user)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            # A merchant user is told no (403) rather than sent to a second login page.
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, inner)

    def login(self, request, extra_context=None):
        """One login page for everyone (with its lockout): the site's own."""
        if request.user.is_authenticated:
            if self.has_permission(request):
                from django.shortcuts import redirect

                return redirect("admin:index")
            raise PermissionDenied
        return redirect_to_login(request.GET.get("next") or request.get_full_path())
