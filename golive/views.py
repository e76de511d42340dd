"""Pages of going live: a shop's page (environment, timeline, requests, the request form with
its date picker) and bank staff's overview (pending, today, this week, history)."""

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from merchants.models import Merchant, is_bank_staff

from . import rules
from .forms import EnvironmentFilterForm, GoLiveRequestForm, RefusalForm
from .models import NEXT_ENVIRONMENT, GoLiveRequest
from .selectors import (
    environment_timeline,
    golive_bank_overview,
    golive_may_request,
    golive_open_request,
    golive_requests_of,
    golive_shops_visible_to,
    has_authorised_preproduction_payment,
)
from .services import (
    GoLiveRefused,
    golive_approve,
    golive_refuse,
    golive_request,
    golive_withdraw,
)


def _shop(request, merchant_id) -> Merchant:
    shop = golive_shops_visible_to(user=request.user).filter(merchant_id=merchant_id).first()
    if shop is None:
        raise Http404
    return shop


def _picker(now) -> dict:
    """What the date picker needs: the allowed days, and why each other day is refused."""
    allowed = rules.allowed_days(now=now, days=120)
    today = timezone.localdate(now)
    refusals = {}
    for n in range(0, 121):
        day = today + dt.timedelta(days=n)
        if day not in allowed:
            refusals[day.isoformat()] = rules.date_refusal(day, now=now) or ""
    return {
        "allowed": [d.isoformat() for d in allowed],
        "refusals_json": json.dumps(refusals, ensure_ascii=False),
        "allowed_json": json.dumps([d.isoformat() for d in allowed]),
        "next_day": allowed[0] if allowed else None,
        "first_days": allowed[:8],
        "max_day": allowed[-1] if allowed else None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def shop_golive(request, merchant_id):
    shop = _shop(request, merchant_id)
    may_request = golive_may_request(user=request.user, merchant=shop)
    step = NEXT_ENVIRONMENT.get(shop.environment)
    form = GoLiveRequestForm(request.POST or None, initial={"environment": step} if step else None)
    status = 200
    if request.method == "POST":
        if not may_request:
            raise PermissionDenied
        if form.is_valid():
            try:
                golive_request(
                    actor=request.user,
                    merchant_pk=shop.pk,
                    environment=form.cleaned_data["environment"],
                    switch_date=form.cleaned_data["switch_date"],
                )
            except GoLiveRefused as refused:
                form.add_error("switch_date" if refused.code == "12" else None, refused.message)
            else:
                messages.success(request, _("Your request is sent to the bank."))
                return redirect("golive:shop", merchant_id=shop.merchant_id)
        status = 400
    now = timezone.now()
    open_request = golive_open_request(merchant=shop)
    return render(
        request,
        "golive/shop.html",
        {
            "merchant": shop,
            "step": step and Merchant.Environment(step),
            "may_request": may_request and step is not None and open_request is None,
            "open_request": open_request,
            "may_withdraw": may_request,
            "form": form,
            "rules": rules.RULES,
            "needs_payment": step == Merchant.Environment.PRODUCTION
            and not has_authorised_preproduction_payment(merchant=shop),
            "timeline": environment_timeline(merchant=shop),
            "requests": golive_requests_of(merchant=shop)[:50],
            **_picker(now),
        },
        status=status,
    )


@login_required
@require_POST
def withdraw(request, merchant_id, pk):
    shop = _shop(request, merchant_id)
    if not GoLiveRequest.objects.filter(pk=pk, merchant=shop).exists():
        raise Http404
    try:
        golive_withdraw(actor=request.user, request_pk=pk)
    except GoLiveRefused as refused:
        if refused.code == "40":
            raise PermissionDenied from None
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The request is withdrawn."))
    return redirect("golive:shop", merchant_id=shop.merchant_id)


def _require_bank(request) -> None:
    if not is_bank_staff(request.user):
        raise PermissionDenied


@login_required
@require_GET
def overview(request):
    """Bank staff: the requests to decide and the switches to come. Merchant staff: their shops'
    environments and requests in progress, with the way to each shop's go-live page."""
    filters = EnvironmentFilterForm(request.GET or None)
    environment = filters.cleaned_data["environment"] if filters.is_valid() else ""
    if not is_bank_staff(request.user):
        shops = golive_shops_visible_to(user=request.user).order_by("merchant_id")
        if environment:
            shops = shops.filter(environment=environment)
        open_requests = {
            r.merchant_id: r
            for r in GoLiveRequest.objects.filter(merchant__in=shops, status__in=GoLiveRequest.OPEN)
        }
        return render(
            request,
            "golive/shops.html",
            {
                "filters": filters,
                "shops": [(shop, open_requests.get(shop.pk)) for shop in shops[:500]],
            },
        )
    return render(
        request,
        "golive/bank.html",
        {
            "filters": filters,
            "refusal_form": RefusalForm(),
            **golive_bank_overview(now=timezone.now(), environment=environment or None),
        },
    )


def _decide(request, pk, decide) -> None:
    if not golive_shops_visible_to(user=request.user).filter(golive_requests__pk=pk).exists():
        raise Http404
    _require_bank(request)
    try:
        done = decide()
    except GoLiveRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("Shop %(merchant_id)s: request %(status)s.")
            % {"merchant_id": done.merchant.merchant_id, "status": done.get_status_display()},
        )


@login_required
@require_POST
def approve(request, pk):
    _decide(request, pk, lambda: golive_approve(actor=request.user, request_pk=pk))
    return redirect("golive:overview")


@login_required
@require_POST
def refuse(request, pk):
    form = RefusalForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    _decide(request, pk, lambda: golive_refuse(actor=request.user, request_pk=pk, reason=reason))
    return redirect("golive:overview")
