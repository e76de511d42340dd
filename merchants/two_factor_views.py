"""Pages of two-factor authentication: enrol (QR code), enter a code, backup codes, reset."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import two_factor
from .models import is_bank_staff
from .selectors import users_manageable_by


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Enrol: scan the QR code (or type the key), confirm with a code; backup codes shown once."""
    if two_factor.is_enrolled(request.user) and not two_factor.is_verified(request):
        return redirect("two-factor-verify")
    device = two_factor.enrolment_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.enrolment_confirm(request, device=device, code=form.cleaned_data["code"])
        if codes is not None:
            response = render(
                request, "merchants/two_factor_codes.html", {"codes": codes, "next": _next(request)}
            )
            response["Cache-Control"] = "no-store"
            return response
        form.add_error("code", _("This code is not right: check your phone's clock and retry."))
    return render(
        request,
        "merchants/two_factor_setup.html",
        {
            "form": form,
            "qr": two_factor.qr_svg_data_uri(device),
            "secret": two_factor.secret_base32(device),
            "next": _next(request),
        },
        status=400 if form.is_bound else 200,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """The second step of a login: a code from the app, or a backup code."""
    if two_factor.is_verified(request) or not two_factor.is_enrolled(request.user):
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.code_verify(request, code=form.cleaned_data["code"]):
            return redirect(_next(request))
        form.add_error("code", _("This code is not right."))
    return render(
        request,
        "merchants/two_factor_verify.html",
        {"form": form, "next": _next(request)},
        status=400 if form.is_bound else 200,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def home(request):
    """One's second factor: whether enrolled, and new backup codes (the old ones stop)."""
    enrolled = two_factor.is_enrolled(request.user)
    if request.method == "POST":
        if not (enrolled and two_factor.is_verified(request)):
            return redirect("two-factor-setup")
        codes = two_factor.backup_codes_renew(request.user)
        response = render(request, "merchants/two_factor_codes.html", {"codes": codes, "next": "/"})
        response["Cache-Control"] = "no-store"
        return response
    return render(
        request,
        "merchants/two_factor_home.html",
        {"enrolled": enrolled, "required": two_factor.two_factor_required(request.user)},
    )


@login_required
@require_POST
def reset(request, pk):
    """Bank staff remove a user's second factor (lost phone); audited."""
    # Outside the actor's users, the user does not exist for it (404); inside, bank staff only.
    target = get_object_or_404(users_manageable_by(actor=request.user), pk=pk)
    if not is_bank_staff(request.user):
        raise PermissionDenied
    two_factor.two_factor_reset(actor=request.user, user_pk=target.pk)
    messages.success(
        request,
        _("%(user)s's two-factor authentication is reset: they enrol again at their next login.")
        % {"user": target},
    )
    return redirect("user-detail", pk=target.pk)
