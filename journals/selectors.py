"""Reads of journals: scope, and the records a build has still to put in a journal."""

from django.db.models import Exists, OuterRef, QuerySet

from merchants.selectors import merchants_visible_to
from operations.models import Operation
from transactions.models import Transaction

from . import files
from .models import Journal, JournalKind, JournalOperation, JournalTransaction


def journals_visible_to(*, user) -> QuerySet[Journal]:
    """The journals of the shops on which `user` holds the view right (CONSULTER and up)."""
    return Journal.objects.filter(
        merchant__in=merchants_visible_to(user=user, right="view")
    ).select_related("merchant")


def journal_get(*, user, pk: int) -> Journal:
    """One journal as `user` may reach it; outside scope it does not exist (→ 404)."""
    return journals_visible_to(user=user).get(pk=pk)


def _of_kind(kind: str):
    """→ (record model, membership model, its link to the record, the file's fields)."""
    if kind == JournalKind.TRANSACTIONS:
        return Transaction, JournalTransaction, "transaction", files.TRANSACTION_FIELDS
    return Operation, JournalOperation, "operation", files.OPERATION_FIELDS


def records_not_in_journal(
    *, merchant_pk: int, kind: str, scan_from_id: int, since=None
) -> QuerySet:
    """Rows (files.*_FIELDS tuples, by id) of the shop's records of `kind` in no journal yet.

    Anti-join on the unique membership column, over ids above `scan_from_id` only (the catch-up
    window: see services.journal_build), so its cost follows recent history, not all of it.
    `since`: only records made from then on (the shop's go-live into production: what it did in
    demo and pre-production is in no journal, docs/journals.md "Environments").
    """
    model, lines, link, fields = _of_kind(kind)
    records = model.objects.filter(merchant_id=merchant_pk, id__gt=scan_from_id)
    if since is not None:
        records = records.filter(created_at__gte=since)
    return (
        records.filter(~Exists(lines.objects.filter(**{link: OuterRef("pk")})))
        .order_by("id")
        .values_list(*fields)
    )


def records_in_journal(*, journal_pk: int, kind: str) -> QuerySet:
    """Rows (files.*_FIELDS tuples, by id) of the records of the journal `journal_pk`."""
    model, lines, link, fields = _of_kind(kind)
    members = lines.objects.filter(journal_id=journal_pk).values(f"{link}_id")
    return model.objects.filter(pk__in=members).order_by("id").values_list(*fields)
