from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django_tables2 import RequestConfig
from django_tables2.paginators import LazyPaginator

from .models import Journal
from .selectors import journal_get, journals_visible_to
from .tables import JournalTable


@login_required
def journal_list(request):
    """The journals of the user's shops, newest first."""
    journals = journals_visible_to(user=request.user).order_by("-journal_date", "-id")
    table = JournalTable(journals)
    # LazyPaginator: no COUNT(*) over a table that grows by two rows per shop per day.
    RequestConfig(request, paginate={"per_page": 50, "paginator_class": LazyPaginator}).configure(
        table
    )
    return render(request, "journals/list.html", {"table": table})


def journal_file_response(journal: Journal) -> HttpResponse:
    """The stored file, byte for byte what was sealed, with its seal in headers."""
    response = HttpResponse(journal.content.encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{journal.filename}"'
    response["X-Journal-SHA256"] = journal.sha256
    response["X-Journal-Seal"] = journal.seal
    return response


@login_required
def journal_download(request, pk: int):
    try:
        journal = journal_get(user=request.user, pk=pk)
    except Journal.DoesNotExist as exc:
        raise Http404 from exc
    return journal_file_response(journal)
