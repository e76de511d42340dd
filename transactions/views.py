import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.charts import Bar, bar_chart
from core.dates import DATE_RANGE_VALIDATORS
from core.keyset import count_capped
from core.list_page import PAGE_SIZES, list_page
from core.money import currency, format_amount
from core.storage import open_stream
from core.templatetags.money import percent
from merchants.selectors import merchant_ids_visible_to, merchants_visible_to, user_has_right

from . import autoresponse, lifecycle, neighbours, search_box, sips_codes
from .exports import EXPORT_SYNC_MAX, csv_chunks, export_request
from .models import ExportStatus, Transaction, TransactionExport
from .selectors import (
    EXPIRING_STATES,
    TO_VALIDATE_STATES,
    TRANSACTIONS,
    Figures,
    autoresponses_failed,
    home_todo,
    transaction_get,
    transactions_matches,
    transactions_search,
    trend,
)
from .tables import TransactionTable, column_choices

OPERATION_LABELS = [
    (lifecycle.VALIDATE, _("Validate")),
    (lifecycle.CANCEL, _("Cancel")),
    (lifecycle.CREDIT, _("Refund")),
    (lifecycle.ADVICE, _("Force")),
    (lifecycle.DUPLICATE, _("Duplicate")),
]
# Query-string keys that shape the page, not the set of matches.
PAGE_KEYS = ("sort", "page_size", "cursor")
# What a person reads when a page link is not one of this list's (core.keyset.InvalidCursor).
CURSOR_MESSAGE = _("This page link is no longer valid: start again.")


# Yesterday's table lists this many shops at most: the busiest of yesterday, then by number.
SUMMARY_SHOPS = 25


@login_required
def home(request):
    """What waits for the user, today against yesterday, the last 30 days, and yesterday per
    shop, over the shops in the user's scope (docs/home.md). Every total comes from the 30-day
    figures (transactions.selectors.trend), summed once and cached; only what waits is live."""
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    shops = merchants_visible_to(user=request.user)
    data = trend(merchants=shops, today=today)
    # The busiest shops of yesterday, then (to fill) the first ones by number: one query.
    busiest = sorted(data.yesterday_shops.items(), key=lambda item: (-item[1].count, item[0]))
    ranked = [pk for pk, _figures in busiest[:SUMMARY_SHOPS]]
    first = shops.order_by("merchant_id").values("pk")[:SUMMARY_SHOPS]
    found = list(shops.filter(Q(pk__in=ranked) | Q(pk__in=first)).order_by("merchant_id"))
    by_pk = {m.pk: m for m in found}
    shown = [by_pk[pk] for pk in ranked if pk in by_pk]
    shown += [m for m in found if m.pk not in set(ranked)][: SUMMARY_SHOPS - len(shown)]
    summaries = [
        {"merchant": m, "figures": data.yesterday_shops.get(m.pk) or Figures()} for m in shown
    ]
    hidden = len(set(data.yesterday_shops) - {m.pk for m in shown})
    return render(
        request,
        "transactions/home.html",
        {
            "summaries": summaries,
            "summaries_hidden": hidden,
            "day": yesterday,
            **_home_board(request, shops, today, data),
            **_home_trend(shops, data),
        },
    )


def _list_url(**criteria) -> str:
    """The transaction list filtered by `criteria` (names transactions/filters.py reads)."""
    query = QueryDict(mutable=True)
    for name, value in criteria.items():
        if isinstance(value, list | tuple):
            query.setlist(name, [str(v) for v in value])
        else:
            query[name] = str(value)
    return f"{reverse('transactions:list')}?{query.urlencode()}"


def _home_board(request, shops, today, data) -> dict:
    """What waits for the user, and today against yesterday, each figure linked to its list."""
    from journals.models import JournalState
    from journals.selectors import journals_visible_to

    yesterday = today - dt.timedelta(days=1)
    # The same shops as `shops`, None for every shop (bank staff): counted with no shop filter.
    shop_ids = merchant_ids_visible_to(user=request.user)
    todo = home_todo(shop_ids=shop_ids, today=today)
    tasks = [
        {"key": "to-validate", "count": todo.to_validate, "label": _("to validate"),
         "url": _list_url(status=TO_VALIDATE_STATES)},
        {"key": "expiring", "count": todo.expiring,
         "label": _("to validate or force before %(day)s (else they expire)")
         % {"day": formats.date_format(todo.expiring_until, "SHORT_DATE_FORMAT")},
         "url": _list_url(status=EXPIRING_STATES)},
        {"key": "credits", "count": todo.credits_tonight,
         "label": _("refunds waiting for tonight's remittance"),
         "url": _list_url(status="TO_CREDIT")},
        {"key": "autoresponse-failed",
         "count": autoresponses_failed(shop_ids=shop_ids, since=yesterday),
         "label": _("automatic responses failed since yesterday"),
         "url": _list_url(automatic_response_status="FAILED", payment_date_from=yesterday,
                          payment_date_to=today)},
        {"key": "journals-failed",
         "count": journals_visible_to(user=request.user).filter(state=JournalState.FAILED).count(),
         "label": _("journals not delivered"), "url": reverse("journals:list")},
    ]  # fmt: skip
    shown = [
        {"label": label, "day": day, "totals": data.days[day],
         "url": _list_url(payment_date_from=day, payment_date_to=day),
         "accepted_url": _list_url(payment_date_from=day, payment_date_to=day, response_code="00")}
        for label, day in ((_("Today"), today), (_("Yesterday"), yesterday))
    ]  # fmt: skip
    return {"tasks": tasks, "days_shown": shown}


# The currency the amount chart shows when several are present (the others are in its table).
MAIN_CURRENCY = "978"
TOP_SHOPS = 5


def _home_trend(shops, data) -> dict:
    """The 30-day charts (count, accepted amount, acceptance rate per day) and the breakdown per
    shop and per payment means, each figure linked to its filtered list (docs/home.md)."""
    first, last = min(data.days), max(data.days)
    window = {"payment_date_from": first, "payment_date_to": last}
    days = []
    for i, (day, figures) in enumerate(data.days.items()):
        days.append({
            "day": day, "figures": figures,
            "url": _list_url(payment_date_from=day, payment_date_to=day),
            "accepted_url": _list_url(payment_date_from=day, payment_date_to=day,
                                      response_code="00"),
            # A label every 7 days from the last one (today), the others blank.
            "axis": formats.date_format(day, "d/m") if (len(data.days) - 1 - i) % 7 == 0 else "",
        })  # fmt: skip
    present = {code for f in data.days.values() for code in f.amounts}
    main = MAIN_CURRENCY if MAIN_CURRENCY in present or not present else min(present)
    exponent = currency(main).exponent
    short = lambda d: formats.date_format(d["day"], "SHORT_DATE_FORMAT")  # noqa: E731
    count_bars = [
        Bar(d["axis"], d["figures"].count, f"{short(d)}: {d['figures'].count}") for d in days
    ]
    amount_bars = [
        Bar(d["axis"], d["figures"].amounts.get(main, 0) / 10**exponent,
            f"{short(d)}: {format_amount(d['figures'].amounts.get(main, 0), main)}")
        for d in days
    ]  # fmt: skip
    rate_bars = [
        Bar(d["axis"], 100 * (d["figures"].acceptance_rate or 0),
            f"{short(d)}: {percent(d['figures'].acceptance_rate)}")
        for d in days
    ]  # fmt: skip
    span = {
        "first": formats.date_format(first, "SHORT_DATE_FORMAT"),
        "last": formats.date_format(last, "SHORT_DATE_FORMAT"),
    }
    charts = [
        {"key": "count", "title": _("Transactions per day"), "svg": bar_chart(
            count_bars, chart_id="chart-count", title=_("Transactions per day"),
            desc=_("Transactions received per day, %(first)s to %(last)s.") % span)},
        {"key": "amount", "title": _("Accepted amount per day (%(currency)s)")
         % {"currency": currency(main).alpha}, "svg": bar_chart(
            amount_bars, chart_id="chart-amount",
            title=_("Accepted amount per day (%(currency)s)") % {"currency": currency(main).alpha},
            desc=_("Amount accepted per day, %(first)s to %(last)s.") % span,
            axis=lambda v: format_amount(round(v * 10**exponent), main))},
        {"key": "rate", "title": _("Acceptance rate per day"), "svg": bar_chart(
            rate_bars, chart_id="chart-rate", title=_("Acceptance rate per day"),
            desc=_("Share of transactions accepted per day, %(first)s to %(last)s.") % span,
            axis=lambda v: f"{v:g}\u00a0%", top=100)},
    ]  # fmt: skip
    ranked = sorted(data.shops.items(), key=lambda item: (-item[1].count, item[0]))
    names = {m.pk: m for m in shops.filter(pk__in=[pk for pk, _f in ranked[:TOP_SHOPS]])}
    by_shop = [
        {"merchant": names[pk], "figures": figures,
         "url": _list_url(merchant_id=names[pk].merchant_id, **window)}
        for pk, figures in ranked[:TOP_SHOPS]
    ]  # fmt: skip
    others = None
    if len(ranked) > TOP_SHOPS:
        others = Figures()
        for _pk, figures in ranked[TOP_SHOPS:]:
            for code, minor in figures.amounts.items():
                others.add(0, 0, code, minor)
            others.add(figures.count, figures.accepted, "", 0)
    by_means = [
        {"means": means, "figures": figures,
         "url": _list_url(payment_means=means, **window) if means else ""}
        for means, figures in sorted(data.means.items(), key=lambda i: (-i[1].count, i[0]))
    ]  # fmt: skip
    return {
        "trend_days": days,
        "trend_charts": charts,
        "trend_span": span,
        "trend_url": _list_url(**window),
        "trend_shops": by_shop,
        "trend_others": others,
        "trend_others_count": len(ranked) - len(by_shop),
        "trend_means": by_means,
    }


class PageForm(forms.Form):
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("-payment_at", _("Newest first")),
            ("payment_at", _("Oldest first")),
            ("-amount", _("Highest amount first")),
            ("amount", _("Lowest amount first")),
        ],
    )
    page_size = forms.TypedChoiceField(
        label=_("Rows per page"),
        required=False,
        coerce=int,
        empty_value=PAGE_SIZES[0],
        choices=[(n, n) for n in PAGE_SIZES],
    )
    cursor = forms.CharField(required=False, max_length=300, widget=forms.HiddenInput)


class NumberSearchForm(forms.Form):
    transaction_id = forms.CharField(label=_("Transaction number"), max_length=6)
    payment_date = forms.DateField(
        label=_("Payment date (optional)"),
        required=False,
        validators=DATE_RANGE_VALIDATORS,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_transaction_id(self):
        value = self.cleaned_data["transaction_id"].strip()
        if not (value.isascii() and value.isdigit()):
            raise forms.ValidationError(_("A transaction number has 1 to 6 digits."))
        return value.zfill(6)


def _filters_only(query) -> str:
    return urlencode([(k, v) for k, vs in query.lists() if k not in PAGE_KEYS for v in vs if v])


def _search_context(request, query, number_form=None):
    page_form = PageForm(query)
    page_valid = page_form.is_valid()
    if page_valid:
        options = page_form.cleaned_data
        search = transactions_search(
            user=request.user,
            query=query,
            sort=options["sort"] or TRANSACTIONS.default_sort,
            cursor=options["cursor"],
            size=options["page_size"] or PAGE_SIZES[0],
        )
    else:
        search = transactions_matches(user=request.user, query=query)
    context = {
        "filter": search.filterset,
        "page_form": page_form,
        "number_form": number_form or NumberSearchForm(),
        "filters_query": _filters_only(query),
        "count_cap": search.count_cap,
        **search_box.page_context(search.filterset.form, query),
        "columns": column_choices(request.user),
    }
    if search.cursor_error:
        page_form.add_error("cursor", CURSOR_MESSAGE)
    if not (search.valid and page_valid) or search.cursor_error:
        return context, 400
    context["alternatives"] = search_box.alternatives(
        search.filterset.form.cleaned_data.get("q") or [], query
    )
    page = search.page
    size = options["page_size"] or PAGE_SIZES[0]
    pager = list_page(
        TRANSACTIONS,
        query,
        page,
        size=size,
        count=search.count,
        count_capped=search.count_capped,
        count_cap=search.count_cap,
    )
    table = TransactionTable(page.rows, user=request.user)
    table.list_page = pager
    context.update(
        table=table,
        page=page,
        pager=pager,
        count=search.count,
        count_capped=search.count_capped,
        next_url=pager.next_url,
        previous_url=pager.previous_url,
        page_number=page.number,
        first_url=pager.first_url,
    )
    return context, 200


@login_required
def transaction_list(request):
    """Search by criteria (query string), newest first, keyset-paginated."""
    context, status = _search_context(request, request.GET)
    return render(request, "transactions/search.html", context, status=status)


@login_required
def transaction_find(request):
    """Search by number (and payment date): one match opens it, several give the short list."""
    form = NumberSearchForm(request.GET)
    if not form.is_valid():
        context, _status = _search_context(request, QueryDict(), number_form=form)
        return render(request, "transactions/search.html", context, status=400)
    number, day = form.cleaned_data["transaction_id"], form.cleaned_data["payment_date"]
    query = {"transaction_id": number}
    if day:
        query.update(payment_date_from=day.isoformat(), payment_date_to=day.isoformat())
    # A number names at most one row per shop and day: the (shop, number) indexes answer at once.
    search = transactions_search(user=request.user, query=query, size=1, count=False)
    page = search.page
    if page is not None and page.rows and not page.next_cursor:
        return redirect(page.rows[0])
    return redirect(f"/transactions/?{urlencode(query)}")


def _amounts_left(transaction: Transaction) -> list[tuple[str, int]]:
    labels = {
        lifecycle.VALIDATE: _("Left to validate"),
        lifecycle.CANCEL: _("Left to cancel"),
        lifecycle.CREDIT: _("Left to refund"),
    }
    return [
        (
            label,
            lifecycle.max_amount(transaction, op) if lifecycle.is_allowed(transaction, op) else 0,
        )
        for op, label in labels.items()
    ]


@login_required
def transaction_detail(request, merchant_id, payment_date, transaction_id):
    try:
        transaction = transaction_get(
            user=request.user,
            merchant_id=merchant_id,
            payment_date=payment_date,
            transaction_id=transaction_id,
        )
    except Transaction.DoesNotExist:
        raise Http404 from None
    operations = transaction.operations.select_related("user").order_by("created_at", "id")
    labels = sips_codes.code_labels(transaction)
    attempts = list(transaction.automatic_response_attempts.order_by("-at", "-id")[:50])
    diagnosis = autoresponse.diagnosis(transaction=transaction, attempts=attempts)
    can_resend = bool(transaction.merchant.automatic_response_url) and user_has_right(
        user=request.user, merchant=transaction.merchant, right="operate"
    )
    actions, not_offered = [], []
    if user_has_right(user=request.user, merchant=transaction.merchant, right="operate"):
        base = transaction.get_absolute_url()
        kinds = dict(OPERATION_LABELS)
        now = timezone.now()
        not_offered = [
            {"kind": kind, "label": kinds[kind], "why": why}
            for kind, why in lifecycle.operations_refused(transaction, now=now).items()
        ]
        possible = lifecycle.operations_possible(transaction, now=now)
        for kind, maximum in possible.items():
            actions.append(
                {
                    "kind": kind,
                    "label": kinds[kind],
                    "max": maximum,
                    "path": f"{base}{kind.lower()}/",
                }
            )
    return render(
        request,
        "transactions/detail.html",
        {
            "t": transaction,
            "operations": operations,
            "actions": actions,
            "not_offered": not_offered,
            "amounts_left": _amounts_left(transaction),
            "response_label": labels["response_code"],
            "labels": labels,
            "attempts": attempts,
            "diagnosis": diagnosis,
            "can_resend": can_resend,
            **neighbours.around(
                user=request.user, transaction=transaction, query=neighbours.search_of(request)
            ),
        },
    )


@login_required
def transaction_export(request):
    """CSV of exactly the searched set: streamed when small, a background job above the limit."""
    search = transactions_matches(user=request.user, query=request.GET)
    if not search.valid:
        context, _status = _search_context(request, request.GET)
        return render(request, "transactions/search.html", context, status=400)
    count = count_capped(search.matches, cap=EXPORT_SYNC_MAX)
    if count > EXPORT_SYNC_MAX:
        export = export_request(
            user=request.user,
            query=_filters_only(request.GET),
            rows_expected=count,
            base_url=request.build_absolute_uri("/").rstrip("/"),
        )
        return redirect("transactions:export-status", export.pk)
    response = StreamingHttpResponse(
        csv_chunks(search.matches), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="transactions-{stamp}.csv"'
    return response


@login_required
def export_status(request, pk):
    export = get_object_or_404(TransactionExport, pk=pk, owner=request.user)
    expired = export.expires_at is not None and export.expires_at <= timezone.now()
    return render(
        request,
        "transactions/export_status.html",
        {
            "export": export,
            "expired": expired,
            "running": export.status in (ExportStatus.PENDING, ExportStatus.RUNNING),
        },
    )


@login_required
def export_download(request, pk):
    """The file of a finished export: for its owner only, until it expires."""
    export = get_object_or_404(TransactionExport, pk=pk, owner=request.user)
    if export.status != ExportStatus.DONE or not export.file:
        raise Http404
    if export.expires_at <= timezone.now():
        return render(
            request,
            "transactions/export_status.html",
            {"export": export, "expired": True, "running": False},
            status=410,
        )
    return FileResponse(
        open_stream(export.file.name), as_attachment=True, filename=f"transactions-{export.pk}.csv"
    )


@login_required
@require_POST
def automatic_response_resend(request, merchant_id, payment_date, transaction_id):
    """An operator sends a transaction's automatic response again (a new round of attempts)."""
    try:
        transaction = transaction_get(
            user=request.user,
            merchant_id=merchant_id,
            payment_date=payment_date,
            transaction_id=transaction_id,
        )
    except Transaction.DoesNotExist:
        raise Http404 from None
    if not user_has_right(user=request.user, merchant=transaction.merchant, right="operate"):
        raise PermissionDenied
    try:
        autoresponse.automatic_response_resend(transaction_pk=transaction.pk, user=request.user)
    except autoresponse.ResendRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The automatic response will be sent again."))
    return redirect(transaction.get_absolute_url())


@login_required
def automatic_responses_failing(request):
    """Shops of the user's scope whose last N automatic responses all failed (docs/sips.md,
    "Automatic responses out")."""
    last = settings.AUTOMATIC_RESPONSE_FAILING_LAST
    raw = request.GET.get("last", "")
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 50:
        last = int(raw)
    failing = autoresponse.shops_failing(
        merchants=merchants_visible_to(user=request.user), last=last
    )
    return render(
        request, "transactions/autoresponse_failing.html", {"failing": failing, "last": last}
    )
