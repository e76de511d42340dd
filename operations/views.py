"""Web: one page per operation on a transaction (form → confirmation → done once), and the
operations list with its CSV export."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.csv import people_csv
from core.keyset import CURSOR_MESSAGE, Page
from core.list_page import list_page, page_size_of
from core.money import format_amount
from core.people_cells import PeopleCells
from transactions import lifecycle
from transactions.models import Status, Transaction
from transactions.selectors import transaction_get

from .filters import OperationPageFilter
from .forms import AdviceForm, ConfirmForm, DuplicateForm, OperationForm
from .models import OperationChannel, OperationKind
from .selectors import OPERATIONS, operations_matches, operations_search
from .services import OperationRefused, preview
from .services.idempotency import (
    IdempotencyConflict,
    Outcome,
    idempotent,
    request_fingerprint,
)
from .services.perform import operation_kind, operation_perform
from .tables import OperationTable


def operation_path(t: Transaction, kind: str) -> str:
    return reverse("operations:operate", kwargs={**t.sips_key(), "kind": kind.lower()})


def _target(request, merchant_id, payment_date, transaction_id) -> Transaction:
    try:
        return transaction_get(
            user=request.user,
            merchant_id=merchant_id,
            payment_date=payment_date,
            transaction_id=transaction_id,
            right="operate",
        )
    except Transaction.DoesNotExist:
        raise Http404(_("Transaction not found.")) from None


def action_label(kind: str, amount: int | None, currency_code: str) -> str:
    """What the confirmation button does, in words ("Refund €20.00")."""
    shown = format_amount(amount, currency_code) if amount else ""
    labels = {
        OperationKind.VALIDATE: _("Validate %(amount)s"),
        OperationKind.CANCEL: _("Cancel %(amount)s"),
        OperationKind.CREDIT: _("Refund %(amount)s"),
        OperationKind.DUPLICATE: _("Duplicate for %(amount)s"),
    }
    if kind == OperationKind.ADVICE:
        return _("Force the payment of %(amount)s") % {"amount": shown}
    return labels[kind] % {"amount": shown}


def _done_message(operation) -> str:
    t = operation.new_transaction or operation.transaction
    values = {
        "amount": format_amount(operation.amount, operation.currency_code),
        "status": Status(t.status).label,
        "code": operation.response_code,
        "number": t.transaction_id,
    }
    if operation.response_code != "00":
        # The acquirer refused the fresh authorisation: recorded, but not accepted.
        values["operation"] = operation.get_kind_display()
        return (
            _(
                "%(operation)s of %(amount)s: the authorisation was refused (%(code)s); the "
                "transaction is now “%(status)s”."
            )
            % values
        )
    # What happened, in the words of the operation (not a generic "done").
    said = {
        OperationKind.VALIDATE: _(
            "Validation of %(amount)s recorded: it will be sent to the bank at the next "
            "remittance; the transaction is now “%(status)s”."
        ),
        OperationKind.CANCEL: _(
            "Cancellation of %(amount)s recorded: the transaction is now “%(status)s”."
        ),
        OperationKind.CREDIT: _(
            "Refund of %(amount)s recorded: it will be sent to the bank at the next remittance; "
            "the transaction is now “%(status)s”."
        ),
        OperationKind.ADVICE: _(
            "Forcing of %(amount)s recorded: the transaction is now “%(status)s”."
        ),
        OperationKind.DUPLICATE: _(
            "Duplication of %(amount)s recorded: new transaction %(number)s, “%(status)s”."
        ),
    }
    return said[operation.kind] % values


def _render(request, template, t, kind, **context):
    return render(
        request,
        template,
        {
            "t": t,
            "kind": kind,
            "kind_label": OperationKind(kind).label,
            "allowed": lifecycle.is_allowed(t, kind),
            "refused": lifecycle.operations_refused(t, now=timezone.now()).get(kind),
            "action": operation_path(t, kind),
            "detail": t.get_absolute_url(),
            **context,
        },
    )


FORMS = {OperationKind.DUPLICATE: DuplicateForm, OperationKind.ADVICE: AdviceForm}


@login_required
@require_http_methods(["GET", "POST"])
def operate(request, merchant_id, payment_date, transaction_id, kind):
    """GET: the form, amount prefilled with the most allowed. POST: the confirmation step
    (before → after). POST with step=confirm: done once, whatever the number of submits."""
    kind = operation_kind(kind)
    t = _target(request, merchant_id, payment_date, transaction_id)
    form_class = FORMS.get(kind, OperationForm)
    if request.method == "POST" and request.POST.get("step") == "confirm":
        return _confirm(request, t, kind)
    if request.method == "POST":
        form = form_class(request.POST, currency_code=t.currency_code)
        if form.is_valid():
            if kind == OperationKind.ADVICE:
                form.cleaned_data["amount"] = t.amount
            try:
                outcome = preview(t, kind, form.cleaned_data["amount"])
            except OperationRefused as refused:
                form.add_error("amount" if refused.code == "51" else None, refused.message)
            else:
                confirm = ConfirmForm(
                    initial={
                        "amount": form.cleaned_data["amount"],
                        "token": uuid.uuid4(),
                        "transaction_id": form.cleaned_data.get("transaction_id", ""),
                        "capture_mode": form.cleaned_data.get("capture_mode", ""),
                        "capture_day": form.cleaned_data.get("capture_day"),
                        "authorisation_id": form.cleaned_data.get("authorisation_id", ""),
                    }
                )
                return _render(
                    request,
                    "operations/confirm.html",
                    t,
                    kind,
                    button=action_label(
                        kind,
                        t.amount if kind == OperationKind.ADVICE else form.cleaned_data["amount"],
                        t.currency_code,
                    ),
                    outcome=outcome,
                    status_after_label=Status(outcome.status_after).label,
                    amount=form.cleaned_data["amount"],
                    confirm=confirm,
                    duplicate=form.cleaned_data if kind == OperationKind.DUPLICATE else None,
                )
        return _render(request, "operations/operate.html", t, kind, form=form)
    ceiling = lifecycle.max_amount(t, kind)
    prefill = t.origin_amount if ceiling is None else ceiling
    initial = {"amount": format_amount(prefill, t.currency_code, symbol=False) if prefill else ""}
    if kind == OperationKind.DUPLICATE:
        initial["capture_mode"] = t.capture_mode
        initial["capture_day"] = t.capture_day
    form = form_class(initial=initial, currency_code=t.currency_code)
    return _render(request, "operations/operate.html", t, kind, form=form)


def _confirm(request, t: Transaction, kind: str):
    confirm = ConfirmForm(request.POST)
    if not confirm.is_valid():
        messages.error(request, _("This confirmation is not valid any more: please start again."))
        return redirect(operation_path(t, kind))
    data = confirm.cleaned_data
    asked = {
        "amount": data["amount"],
        "transaction_id": data["transaction_id"],
        "capture_mode": data["capture_mode"],
        "capture_day": data["capture_day"],
        "authorisation_id": data["authorisation_id"],
    }
    now = timezone.now()

    def perform() -> Outcome:
        try:
            operation = operation_perform(
                kind=kind,
                transaction=t,
                user=request.user,
                channel=OperationChannel.WEB,
                amount=data["amount"],
                authorisation_id=data["authorisation_id"] or None,
                new_transaction_id=data["transaction_id"] or None,
                capture_mode=data["capture_mode"] or None,
                capture_day=data["capture_day"],
                now=now,
                reason=data["reason"],
            )
        except OperationRefused as refused:
            body = {
                "level": messages.ERROR,
                "message": str(refused.message),
                "redirect": operation_path(t, kind),
            }
            return Outcome(200, body, retryable=refused.code == "99")
        shown = operation.new_transaction or t
        body = {
            "level": messages.SUCCESS if operation.response_code == "00" else messages.WARNING,
            "message": _done_message(operation),
            "redirect": shown.get_absolute_url(),
        }
        return Outcome(200, body)

    try:
        # A second submit of the same confirmation shows what the first one did, does nothing.
        outcome = idempotent(
            user=request.user,
            key=f"web:{data['token']}",
            fingerprint=request_fingerprint("WEB", kind, t.pk, asked),
            now=now,
            perform=perform,
        )
    except IdempotencyConflict:
        messages.warning(request, _("This operation has already been submitted."))
        return redirect(t)
    messages.add_message(request, outcome.body["level"], outcome.body["message"])
    return redirect(outcome.body["redirect"])


PAGE_SIZE = 50
CSV_COLUMNS = [
    "created_at", "merchant_id", "payment_date", "transaction_id", "kind", "amount",
    "currency_code", "response_code", "status_before", "status_after", "channel", "origin", "user",
    "message",
    "new_transaction_id",
]  # fmt: skip


def _csv_rows(queryset):
    """The operations as the user reads them (core.people_cells): amounts as people write
    them, currency letters, Paris dates and times, kinds and statuses by their labels."""
    cells = PeopleCells()
    yield CSV_COLUMNS
    for o in queryset.iterator(chunk_size=2000):
        new = o.new_transaction
        yield [
            cells.moment(o.created_at),
            o.merchant.merchant_id,
            cells.date(o.transaction.payment_date),
            o.transaction.transaction_id,
            cells.label(OperationKind, o.kind),
            cells.amount(o.amount, o.currency_code),
            cells.currency(o.currency_code),
            o.response_code,
            cells.label(Status, o.status_before),
            cells.label(Status, o.status_after),
            o.channel,
            o.origin,
            o.user.get_username() if o.user_id else "",
            o.message,
            new.transaction_id if new else "",
        ]


@login_required
def operations_list(request):
    """Search operations (dates, kind, shop, user, origin, code): keyset pages, CSV export."""
    if request.GET.get("export") == "csv":
        search = operations_matches(
            user=request.user, query=request.GET, filterset_class=OperationPageFilter
        )
        matches = search.matches if search.valid else search.filterset.queryset.none()
        response = StreamingHttpResponse(
            people_csv(_csv_rows(matches)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="operations.csv"'
        return response
    size = page_size_of(request.GET.get("page_size"), default=PAGE_SIZE)
    sort = OPERATIONS.sort_or_default(request.GET.get("sort"))
    search = operations_search(
        user=request.user,
        query=request.GET,
        sort=sort,
        cursor=request.GET.get("cursor", ""),
        size=size or PAGE_SIZE,
        filterset_class=OperationPageFilter,
    )
    status = 200 if search.valid else 400
    if search.cursor_error:
        search.filterset.form.add_error(None, CURSOR_MESSAGE)
        status = 400
    if size is None:
        search.filterset.form.add_error(None, _("Rows per page: 25, 50 or 100."))
        status = 400
    page = search.page or Page(rows=[], sort=sort)
    query = request.GET.copy()
    query.pop("export", None)
    pager = list_page(OPERATIONS, query, page, size=size or PAGE_SIZE)
    table = OperationTable(page.rows)
    table.list_page = pager
    export = query.copy()
    export.pop("cursor", None)
    export["export"] = "csv"

    return render(
        request,
        "operations/list.html",
        {
            "filter": search.filterset,
            "table": table,
            "page": page,
            "pager": pager,
            "next_url": pager.next_url,
            "previous_url": pager.previous_url,
            "page_number": page.number,
            "first_url": pager.first_url,
            "export_url": "?" + export.urlencode(),
        },
        status=status,
    )
