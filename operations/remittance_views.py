"""Web: the evening remittances (remises) of the user's shops, one's lines, and a CSV."""

import datetime as dt
import itertools

from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.csv import people_csv

from .models import Remittance
from .selectors import remittance_get, remittance_lines, remittances_visible_to

PAGE_SIZE = 100
CSV_COLUMNS = [
    "merchant_id", "date", "currency_code", "debit_count", "debit_amount", "credit_count",
    "credit_amount", "sent_to_bank",
]  # fmt: skip


def _filtered(request):
    """The user's remittances, narrowed by ?date=YYYY-MM-DD and ?merchant_id=; → (rows, error)."""
    rows = remittances_visible_to(user=request.user)
    day = request.GET.get("date", "").strip()
    if day:
        try:
            rows = rows.filter(remittance_date=dt.date.fromisoformat(day))
        except ValueError:
            return rows.none(), _("Enter a date as YYYY-MM-DD.")
    if request.GET.get("merchant_id"):
        rows = rows.filter(merchant__merchant_id=request.GET["merchant_id"].strip())
    return rows, None


def csv_row(r: Remittance) -> list:
    return [
        r.merchant.merchant_id,
        r.remittance_date.isoformat(),
        r.currency_code,
        r.debit_count,
        r.debit_amount,
        r.credit_count,
        r.credit_amount,
        "yes" if r.sent_to_bank else "no",
    ]


@login_required
def remittance_csv(request):
    """The list's rows (same filters), all of them, as `;`-separated CSV."""
    rows, _error = _filtered(request)
    table = itertools.chain([CSV_COLUMNS], (csv_row(r) for r in rows.iterator(chunk_size=2000)))
    response = StreamingHttpResponse(people_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="remittances.csv"'
    return response


@login_required
def remittance_list(request):
    """Per shop, evening and currency: debits and credits sent; ?export=csv for the whole set."""
    rows, error = _filtered(request)
    if request.GET.get("export") == "csv":
        return remittance_csv(request)
    query = request.GET.copy()
    query.pop("export", None)
    return render(
        request,
        "operations/remittances.html",
        {
            "remittances": list(rows[:PAGE_SIZE]),
            "error": error,
            "date": request.GET.get("date", ""),
            "merchant_id": request.GET.get("merchant_id", ""),
            "export_query": "?" + query.urlencode() if query else "",
        },
        status=400 if error else 200,
    )


@login_required
def remittance_detail(request, pk: int):
    """One remittance and its lines, each linking to its transaction."""
    try:
        remittance = remittance_get(user=request.user, pk=pk)
    except Remittance.DoesNotExist:
        raise Http404(_("Remittance not found.")) from None
    return render(
        request,
        "operations/remittance.html",
        {"r": remittance, "lines": remittance_lines(remittance)},
    )
