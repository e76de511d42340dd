"""CSV export of a search, through the one CSV writer for people (core.csv: `;`, UTF-8 with a
byte-order mark, CRLF, formula-looking cells neutralised): a header line, then the rows as the
user reads them (core.people_cells, in the active language): amounts as people write them,
currency letters, Paris dates and times in the language's format, statuses by their labels.
The API stays machine-readable (minor units, ISO 4217 numeric codes).

Small sets stream straight to the browser; above EXPORT_SYNC_MAX rows a Celery job writes the
file (transactions.tasks), the owner watches its progress and downloads it until it expires.
"""

import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection
from django.db import transaction as db_transaction
from django.db.models import CharField, F, Func, QuerySet, Value
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.csv import PeopleCsvWriter
from core.people_cells import PeopleCells
from core.storage import save_chunks

from .models import ExportStatus, Status, Transaction, TransactionExport
from .selectors import transactions_matches

# Above this many rows an export is a background job (docs/search.md: 100,000).
EXPORT_SYNC_MAX = getattr(settings, "TRANSACTION_EXPORT_SYNC_MAX", 100_000)
# How long a finished export stays downloadable.
EXPORT_KEEP = dt.timedelta(hours=getattr(settings, "TRANSACTION_EXPORT_KEEP_HOURS", 48))
CHUNK_ROWS = 2000

COLUMNS = [
    ("merchant_id", "merchant__merchant_id"),
    ("transaction_id", "transaction_id"),
    ("payment_date", "payment_date"),
    ("payment_time", "payment_at"),
    ("status", "status"),
    ("origin_amount", "origin_amount"),
    ("amount", "amount"),
    ("captured_amount", "captured_amount"),
    ("refunded_amount", "refunded_amount"),
    ("currency_code", "currency_code"),
    ("capture_mode", "capture_mode"),
    ("capture_day", "capture_day"),
    ("capture_date", "capture_date"),
    ("payment_means", "payment_means"),
    ("card_number", "card_number"),
    ("response_code", "response_code"),
    ("bank_response_code", "bank_response_code"),
    ("cvv_response_code", "cvv_response_code"),
    ("authorisation_id", "authorisation_id"),
    ("complementary_code", "complementary_code"),
    ("customer_id", "customer_id"),
    ("customer_email", "customer_email"),
    ("customer_ip_address", "customer_ip_address"),
    ("order_id", "order_id"),
    ("return_context", "return_context"),
    ("automatic_response_status", "automatic_response_status"),
    ("origin", "origin"),
]
HEADER = [name for name, _field in COLUMNS]
_PAYMENT_AT = HEADER.index("payment_time")
_STATUS = HEADER.index("status")
_CURRENCY = HEADER.index("currency_code")
_AMOUNTS = [
    HEADER.index(name) for name in ("origin_amount", "amount", "captured_amount", "refunded_amount")
]
_DATES = [HEADER.index("payment_date"), HEADER.index("capture_date")]


class _LocalTimeText(Func):
    """PostgreSQL: a timestamptz as HH:MM:SS in a time zone."""

    template = "to_char(%(expressions)s, 'HH24:MI:SS')"
    arg_joiner = " AT TIME ZONE "
    output_field = CharField()


def csv_batches(queryset: QuerySet[Transaction]) -> Iterator[tuple[str, int]]:
    """(text, rows in it): the header (0 rows), then the rows of `queryset` in list order
    (newest first) in chunks. Reads through a server-side cursor (.iterator), so memory stays
    flat whatever the row count."""
    writer = PeopleCsvWriter()
    yield writer.start() + writer.row(HEADER), 0
    fields = [field for _name, field in COLUMNS]
    in_sql = connection.vendor == "postgresql"
    if in_sql:
        # The Paris time as text straight from PostgreSQL: parsing then formatting a datetime
        # per row in Python costs more than the rest of the row.
        queryset = queryset.annotate(
            payment_time=_LocalTimeText(F("payment_at"), Value(settings.TIME_ZONE))
        )
        fields[_PAYMENT_AT] = "payment_time"
    rows = (
        queryset.order_by("-payment_at", "-id").values_list(*fields).iterator(chunk_size=CHUNK_ROWS)
    )
    cells = PeopleCells()
    buffer = []
    for row in rows:
        row = list(row)
        if not in_sql:
            row[_PAYMENT_AT] = cells.time(row[_PAYMENT_AT])
        code = row[_CURRENCY]
        for i in _AMOUNTS:
            row[i] = cells.amount(row[i], code)
        for i in _DATES:
            row[i] = cells.date(row[i])
        row[_STATUS] = cells.label(Status, row[_STATUS])
        row[_CURRENCY] = cells.currency(code)
        buffer.append(writer.row(row))
        if len(buffer) >= CHUNK_ROWS:
            yield "".join(buffer), len(buffer)
            buffer = []
    if buffer:
        yield "".join(buffer), len(buffer)


def csv_chunks(queryset: QuerySet[Transaction]) -> Iterator[str]:
    """The CSV text of `queryset`, chunk by chunk (for a streamed response)."""
    for text, _rows in csv_batches(queryset):
        yield text


def search_queryset(*, user, query: str) -> QuerySet[Transaction]:
    """Replay a stored search (query string) in `user`'s scope as it is now."""
    search = transactions_matches(user=user, query=QueryDict(query))
    if not search.valid:
        raise ValueError(f"invalid stored search: {search.errors.as_json()}")
    return search.matches


def export_request(
    *, user, query: str, rows_expected: int, base_url: str = ""
) -> TransactionExport:
    """Record a background export and queue its job once the row is committed."""
    from .tasks import transactions_export_build

    export = TransactionExport.objects.create(
        owner=user,
        query=query,
        rows_expected=rows_expected,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        base_url=base_url,
    )
    db_transaction.on_commit(lambda: transactions_export_build.delay(export_id=export.pk))
    return export


def export_build(*, export_id: int, now: dt.datetime | None = None) -> TransactionExport:
    """Write the CSV file of a background export, report progress, e-mail the owner when ready.

    Idempotent: an export already DONE is left alone; a retried one starts its file again.
    """
    export = TransactionExport.objects.select_related("owner").get(pk=export_id)
    if export.status == ExportStatus.DONE:
        return export
    TransactionExport.objects.filter(pk=export.pk).update(status=ExportStatus.RUNNING, rows_done=0)
    with translation.override(export.language):
        queryset = search_queryset(user=export.owner, query=export.query)
        done = 0

        def chunks():
            nonlocal done
            for text, rows in csv_batches(queryset):
                yield text
                done += rows
                # Progress is written once per chunk, for the progress bar.
                TransactionExport.objects.filter(pk=export.pk).update(rows_done=done)

        # Through the storage (core/storage.py): the web node serving it may be another machine.
        export.file.name = save_chunks(f"exports/transactions-{export.pk}.csv", chunks())
        finished = now or timezone.now()
        export.status = ExportStatus.DONE
        export.rows_done = done
        export.finished_at = finished
        export.expires_at = finished + EXPORT_KEEP
        export.save(update_fields=["file", "status", "rows_done", "finished_at", "expires_at"])
        link = export.base_url + reverse("transactions:export-status", args=[export.pk])
        send_mail(
            _("Your transactions export is ready"),
            _(
                "Your export of %(rows)s transactions is ready. Download it until %(until)s:\n"
                "%(link)s\n"
            )
            % {
                "rows": export.rows_done,
                "until": timezone.localtime(export.expires_at).strftime("%Y-%m-%d %H:%M"),
                "link": link,
            },
            None,
            [export.owner.email],
        )
    return export


def export_fail(*, export_id: int) -> None:
    TransactionExport.objects.filter(pk=export_id).update(status=ExportStatus.FAILED)


def exports_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the files of exports past their keep time; the rows stay, marked expired."""
    now = now or timezone.now()
    count = 0
    for export in TransactionExport.objects.filter(expires_at__lt=now).exclude(file=""):
        export.file.delete(save=False)
        export.file = ""
        export.save(update_fields=["file"])
        count += 1
    return count
