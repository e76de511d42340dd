"""Pages for merchant staff: their profile and API token, their users (USER_ADMIN), a shop."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language

from . import services
from .forms import (
    AccessGrantForm,
    ApiTokenForm,
    AutomaticResponseUrlForm,
    JournalEmailForm,
    ProfileForm,
    UserCreateForm,
)
from .models import Merchant, User, is_bank_staff
from .selectors import (
    accesses_visible_to,
    manageable_points,
    merchants_visible_to,
    user_has_right,
    users_manageable_by,
)

# ---------------------------------------------------------------- session and profile


@require_GET
@login_required
def keepalive(request):
    """The idle warning's "stay logged in": a request is activity (merchants.middleware)."""
    return HttpResponse(status=204)


def _profile_page(request, form, *, new_token=None, token_form=None, status=200):
    response = render(
        request,
        "merchants/profile.html",
        {
            "form": form,
            "tokens": request.user.api_tokens.order_by("-created_at", "-pk"),
            "token_form": token_form or ApiTokenForm(),
            "new_token": new_token,
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def language_switch(request):
    """The header's language buttons: Django's set_language (the cookie), and for a logged-in
    user the choice saved to the profile too, so that it holds at the next login, on any device."""
    code = request.POST.get("language", "")
    if request.user.is_authenticated and code in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, language=code)
    return set_language(request)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    form = ProfileForm(request.POST or None, initial={"language": user.language})
    if request.method == "POST" and form.is_valid():
        services.user_set_language(user=user, language=form.cleaned_data["language"])
        messages.success(request, _("Your preferences are saved."))
        return redirect("profile")
    return _profile_page(request, form, status=400 if form.is_bound else 200)


@never_cache
@login_required
@require_POST
def profile_token(request):
    """Create a named token (its key shown this once), or revoke one of one's own tokens."""
    preferences = ProfileForm(initial={"language": request.user.language})
    if request.POST.get("action") == "revoke":
        try:
            token_pk = int(request.POST.get("token", ""))
        except ValueError:
            token_pk = None
        if token_pk is not None and services.api_token_revoke(user=request.user, token_pk=token_pk):
            messages.success(request, _("The API token is revoked."))
        return redirect("profile")
    token_form = ApiTokenForm(request.POST)
    if not token_form.is_valid():
        return _profile_page(request, preferences, token_form=token_form, status=400)
    try:
        _token, key = services.api_token_create(
            user=request.user, name=token_form.cleaned_data["name"]
        )
    except services.TokenRefused as refused:
        token_form.add_error("name", refused.message)
        return _profile_page(request, preferences, token_form=token_form, status=400)
    return _profile_page(request, preferences, new_token=key)


# ---------------------------------------------------------------- users (USER_ADMIN)


def _require_user_admin(user) -> None:
    if not manageable_points(user=user)[0].exists():
        raise PermissionDenied


def _managed_user(request, pk) -> User:
    """A user of the actor's scope; any other is unknown here (404, ids cannot be probed)."""
    return get_object_or_404(users_manageable_by(actor=request.user), pk=pk)


def _send_invitation(request, user: User) -> None:
    """Enqueue the invitation once the account is committed: a mail server down delays the
    e-mail (the task retries), it never fails the creation."""
    from .tasks import send_invitation

    kwargs = {
        "user_pk": user.pk,
        "inviter_pk": request.user.pk,
        "site": f"{request.scheme}://{request.get_host()}",
        "language": translation.get_language() or "",
    }
    transaction.on_commit(lambda: send_invitation.delay(**kwargs), robust=True)


@login_required
@require_GET
def user_list(request):
    _require_user_admin(request.user)
    accesses = (
        accesses_visible_to(actor=request.user).select_related("merchant", "group").order_by("pk")
    )
    users = (
        users_manageable_by(actor=request.user)
        .prefetch_related(Prefetch("accesses", queryset=accesses))
        .order_by("username", "pk")
    )
    # Their shops' automatic-response URLs are theirs to set too (bank staff: the console).
    shops = (
        []
        if is_bank_staff(request.user)
        else merchants_visible_to(user=request.user, right="manage_users").order_by("merchant_id")[
            :100
        ]
    )
    return render(request, "merchants/user_list.html", {"users": users, "shops": shops})


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request):
    _require_user_admin(request.user)
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user,
                username=data["username"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
                **data["point"],
            )
        except services.UserAdminRefused as refused:
            form.add_error(None, refused.message)
        else:
            _send_invitation(request, user)
            messages.success(
                request, _("%(user)s is created and invited by e-mail.") % {"user": user}
            )
            return redirect("user-detail", pk=user.pk)
    return render(
        request,
        "merchants/user_create.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


def _accesses_shown(request, target: User):
    return (
        accesses_visible_to(actor=request.user)
        .filter(user=target)
        .select_related("merchant", "group")
        .order_by("pk")
    )


@login_required
@require_GET
def user_detail(request, pk):
    target = _managed_user(request, pk)
    return render(
        request,
        "merchants/user_detail.html",
        {
            "target": target,
            "accesses": _accesses_shown(request, target),
            "grant_form": AccessGrantForm(actor=request.user),
            "is_self": target.pk == request.user.pk,
            "failed_logins": _failed_logins(target),
            "may_switch": services.user_account_changeable(actor=request.user, user=target),
        },
    )


def _refused(request, refused) -> HttpResponse:
    return render(request, "merchants/refused.html", {"message": refused.message}, status=403)


@login_required
@require_POST
def user_grant(request, pk):
    target = _managed_user(request, pk)
    form = AccessGrantForm(request.POST, actor=request.user)
    if not form.is_valid():
        return render(
            request,
            "merchants/user_detail.html",
            {
                "target": target,
                "accesses": _accesses_shown(request, target),
                "grant_form": form,
                "failed_logins": _failed_logins(target),
            },
            status=400,
        )
    try:
        services.access_grant(
            actor=request.user,
            user=target,
            role=form.cleaned_data["role"],
            **form.cleaned_data["point"],
        )
    except services.UserAdminRefused as refused:
        return _refused(request, refused)
    messages.success(request, _("The role is given."))
    return redirect("user-detail", pk=target.pk)


@login_required
@require_POST
def user_revoke(request, pk, access_pk):
    target = _managed_user(request, pk)
    access = get_object_or_404(
        accesses_visible_to(actor=request.user).filter(user=target), pk=access_pk
    )
    try:
        services.access_revoke(actor=request.user, access_pk=access.pk)
    except services.UserAdminRefused as refused:
        return _refused(request, refused)
    messages.success(request, _("The role is taken back."))
    return redirect("user-detail", pk=target.pk)


def _failed_logins(target: User) -> int:
    from .auth import account_failures, axes_username

    return account_failures(axes_username(None, {"username": target.get_username()}))[0]


@login_required
@require_POST
def user_unlock(request, pk):
    """End an account's lockout and slow-down (its failed logins are cleared), audited."""
    target = _managed_user(request, pk)
    try:
        services.login_unlock(actor=request.user, user_pk=target.pk)
    except services.UserAdminRefused as refused:
        return _refused(request, refused)
    messages.success(request, _("%(user)s may log in again.") % {"user": target})
    return redirect("user-detail", pk=target.pk)


@login_required
@require_http_methods(["GET", "POST"])
def user_deactivate(request, pk):
    """GET: what deactivating means, to confirm. POST: done (audited)."""
    target = _managed_user(request, pk)
    if request.method == "GET":
        if not target.is_active:
            return redirect("user-detail", pk=target.pk)
        if not services.user_account_changeable(actor=request.user, user=target):
            raise PermissionDenied
        return render(request, "merchants/user_deactivate.html", {"target": target})
    try:
        services.user_deactivate(actor=request.user, user_pk=target.pk)
    except services.UserAdminRefused as refused:
        return _refused(request, refused)
    messages.success(request, _("%(user)s can no longer log in.") % {"user": target})
    return redirect("users")


@login_required
@require_POST
def user_reactivate(request, pk):
    target = _managed_user(request, pk)
    try:
        services.user_reactivate(actor=request.user, user_pk=target.pk)
    except services.UserAdminRefused as refused:
        return _refused(request, refused)
    messages.success(
        request,
        _("%(user)s may log in again (API tokens have to be created anew).") % {"user": target},
    )
    return redirect("user-detail", pk=target.pk)


# ---------------------------------------------------------------- a shop's settings


@login_required
@require_http_methods(["GET", "POST"])
def shop_detail(request, merchant_id):
    """A shop's settings, read-only for merchant staff; bank staff change the journal address."""
    try:
        merchant = merchants_visible_to(user=request.user).get(merchant_id=merchant_id)
    except Merchant.DoesNotExist:
        raise Http404 from None
    form = JournalEmailForm(request.POST or None, initial={"journal_email": merchant.journal_email})
    if request.method == "POST":
        if not is_bank_staff(request.user):
            # docs/domain.md: a merchant asks its adviser; the form is not even shown to it.
            raise PermissionDenied
        if form.is_valid():
            services.merchant_update(
                actor=request.user,
                merchant_pk=merchant.pk,
                changes={"journal_email": form.cleaned_data["journal_email"]},
            )
            messages.success(request, _("The journal address is changed."))
            return redirect(reverse("shop-detail", args=[merchant.merchant_id]))
    return render(
        request,
        "merchants/shop_detail.html",
        {
            "merchant": merchant,
            "payment_means": merchant.payment_means.order_by("means"),
            "form": form if is_bank_staff(request.user) else None,
            "may_set_url": user_has_right(
                user=request.user, merchant=merchant, right="manage_users"
            ),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def shop_automatic_response(request, merchant_id):
    """Bank staff or the shop's user administrators set its automatic-response URL (for anyone
    else the setting does not exist: 404, like a user outside a user administrator's scope)."""
    try:
        merchant = merchants_visible_to(user=request.user, right="manage_users").get(
            merchant_id=merchant_id
        )
    except Merchant.DoesNotExist:
        raise Http404 from None
    form = AutomaticResponseUrlForm(
        request.POST or None, initial={"automatic_response_url": merchant.automatic_response_url}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.merchant_set_automatic_response_url(
                actor=request.user,
                merchant_pk=merchant.pk,
                url=form.cleaned_data["automatic_response_url"],
            )
        except ValidationError as error:
            form.add_error("automatic_response_url", error.messages)
        else:
            messages.success(request, _("The automatic response URL is changed."))
            return redirect(reverse("shop-autoresponse", args=[merchant.merchant_id]))
    return render(
        request,
        "merchants/shop_autoresponse.html",
        {"merchant": merchant, "form": form},
        status=400 if form.is_bound else 200,
    )
