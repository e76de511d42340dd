"""The nightly remittance (docs/domain.md): capture, credit, expire, shop by shop.

At the start of the remittance window (22:00 Paris): TO_CAPTURE whose capture date has come →
CAPTURED (captured amount = current amount); TO_CREDIT (refunded in full before the window) →
CREDITED; TO_VALIDATE whose last validation day has come → EXPIRED. Each change is an Operation
with origin BATCH. Idempotent: a row changed once no longer matches, so a second or late run
changes nothing more, and a run for day D also catches anything a missed earlier run left.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction as db
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from core.dates import PARIS
from operations.models import Operation, OperationKind, OperationOrigin
from transactions import lifecycle
from transactions.models import Status, Transaction

CHUNK = 500


def remittance_starts_at(run_date: dt.date) -> dt.datetime:
    """The instant (UTC) the remittance of Paris day `run_date` starts: 22:00 local, whatever
    the UTC offset that day (clocks change on the last Sundays of March and October)."""
    start = dt.time.fromisoformat(settings.REMITTANCE_WINDOW[0])
    return dt.datetime.combine(run_date, start, tzinfo=PARIS).astimezone(dt.UTC)


def remittance_due_date(now: dt.datetime) -> dt.date:
    """The Paris day of the latest remittance that has started at `now` (a run after midnight
    still belongs to the evening before)."""
    local = now.astimezone(PARIS)
    if local.time() >= dt.time.fromisoformat(settings.REMITTANCE_WINDOW[0]):
        return local.date()
    return local.date() - dt.timedelta(days=1)


def next_remittance_date(now: dt.datetime) -> dt.date:
    """The Paris day of the first remittance still to start after `now`: today before 22:00,
    tomorrow after (what is validated at 23:30 goes with tomorrow's remittance)."""
    local = now.astimezone(PARIS)
    if local.time() < dt.time.fromisoformat(settings.REMITTANCE_WINDOW[0]):
        return local.date()
    return local.date() + dt.timedelta(days=1)


def _due(kind: str, run_date: dt.date):
    """The rows of `kind` due at the remittance of `run_date` (before the status filter)."""
    before, _after = lifecycle.BATCH_TRANSITIONS[kind]
    rows = Transaction.objects.filter(status=before)
    if kind == "CREDIT":
        refunded_in_full_before = Operation.objects.filter(
            transaction=OuterRef("pk"),
            kind=OperationKind.REFUND,
            response_code="00",
            status_after=Status.TO_CREDIT,
            created_at__lt=remittance_starts_at(run_date),
        )
        return rows.filter(Exists(refunded_in_full_before))
    return rows.filter(capture_date__lte=run_date)


def merchants_due(*, run_date: dt.date) -> list[int]:
    """Primary keys of the shops with something to do at the remittance of `run_date`."""
    due = Q()
    for kind in lifecycle.BATCH_TRANSITIONS:
        due |= Q(pk__in=_due(kind, run_date).values("pk"))
    return sorted(set(Transaction.objects.filter(due).values_list("merchant_id", flat=True)))


def merchant_remittance(
    *, merchant_pk: int, run_date: dt.date, now: dt.datetime | None = None, chunk: int = CHUNK
) -> dict[str, int]:
    """One shop's remittance for Paris day `run_date`: counts of CAPTURE, CREDIT, EXPIRE done.

    Rows are locked in primary-key order, chunk by chunk, each chunk one durable transaction; a
    row an operator changed meanwhile no longer matches once its lock is ours and is left alone.
    """
    now = now or timezone.now()
    done = dict.fromkeys(lifecycle.BATCH_TRANSITIONS, 0)
    for kind, (before, _after) in lifecycle.BATCH_TRANSITIONS.items():
        due = _due(kind, run_date).filter(merchant_id=merchant_pk)
        while True:
            with db.atomic(durable=True):
                rows = list(due.select_for_update().order_by("pk")[:chunk])
                if not rows:
                    break
                operations = []
                fields: set[str] = set()
                for t in rows:
                    changes, amount = lifecycle.batch_outcome(t, kind)
                    operations.append(
                        Operation(
                            transaction=t,
                            merchant_id=t.merchant_id,
                            kind=kind,
                            amount=amount,
                            currency_code=t.currency_code,
                            response_code="00",
                            status_before=before,
                            status_after=changes["status"],
                            origin=OperationOrigin.BATCH,
                            created_at=now,
                        )
                    )
                    for field, value in changes.items():
                        setattr(t, field, value)
                    fields.update(changes)
                Transaction.objects.bulk_update(rows, sorted(fields))
                Operation.objects.bulk_create(operations)
            done[kind] += len(rows)
    return done


def remittance_run(
    *, run_date: dt.date | None = None, now: dt.datetime | None = None
) -> dict[str, int]:
    """Every shop's remittance, in this process (the command; Celery fans out per shop)."""
    now = now or timezone.now()
    run_date = run_date or remittance_due_date(now)
    totals = dict.fromkeys(lifecycle.BATCH_TRANSITIONS, 0)
    for merchant_pk in merchants_due(run_date=run_date):
        for kind, count in merchant_remittance(
            merchant_pk=merchant_pk, run_date=run_date, now=now
        ).items():
            totals[kind] += count
    return totals
