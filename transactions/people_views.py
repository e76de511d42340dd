"""The transaction list's per-user pages: the columns a user chose, and "my exports"."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .models import ExportStatus, TransactionExport
from .tables import column_choices

MY_EXPORTS_SHOWN = 50


@login_required
@require_POST
def columns_save(request):
    """Keep the columns ticked (unknown names ignored; none ticked: every column again)."""
    known = {name for name, _label, _shown in column_choices(request.user)}
    chosen = [name for name in request.POST.getlist("columns") if name in known]
    request.user.list_columns = chosen
    request.user.save(update_fields=["list_columns"])
    back = request.POST.get("next", "")
    if not back.startswith("?") or not url_has_allowed_host_and_scheme(back, None):
        back = ""
    return redirect(f"/transactions/{back}")


@login_required
def exports_mine(request):
    """The user's background exports, newest first, with their state."""
    now = timezone.now()
    exports = list(
        TransactionExport.objects.filter(owner=request.user).order_by("-created_at", "-id")[
            :MY_EXPORTS_SHOWN
        ]
    )
    for export in exports:
        export.expired = export.expires_at is not None and export.expires_at <= now
        export.running = export.status in (ExportStatus.PENDING, ExportStatus.RUNNING)
    return render(request, "transactions/exports.html", {"exports": exports})
