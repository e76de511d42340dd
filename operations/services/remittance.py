"""The nightly remittance (docs/lifecycle.md, docs/remittances.md), shop by shop.

At the start of the remittance window (22:00 Paris) the run applies transactions.lifecycle's
BATCH_MOVES in order: TO_AUTHORIZE at the end of its delay → WAITING_AUTHOR (AUTHOR_BATCH), then a
fresh authorisation from the acquirer (AUTHOR → TO_CAPTURE or REFUSED); TO_VALIDATE, TO_REPLAY and
REFERRAL past their last day → EXPIRED; TO_CAPTURE due → CAPTURED (DEBIT_CAPTURE); every pending
credit due → sent (CREDIT_CAPTURE). Each change is an Operation with channel BATCH, and each
capture a line of the shop's Remittance record for that evening and currency, in the same
database transaction. Idempotent: a row changed once no longer matches, so a second or late run
changes nothing more, and a run for day D also catches anything a missed earlier run left.
"""

import datetime as dt
import logging

from django.db import transaction as db
from django.db.models import F, Q
from django.utils import timezone

from merchants.models import Merchant
from operations.acquirer import AcquirerUnavailable, authorise
from operations.models import Operation, OperationChannel, Remittance
from transactions import lifecycle
from transactions.lifecycle import (  # noqa: F401 (the dates' historical home)
    next_remittance_date,
    remittance_due_date,
    remittance_starts_at,
)
from transactions.models import Status, Transaction

logger = logging.getLogger(__name__)

CHUNK = 2000
# What batch_outcome and an Operation row read of a transaction.
BATCH_FIELDS = (
    "id", "merchant_id", "status", "amount", "captured_amount", "refunded_amount",
    "credited_amount", "currency_code",
)  # fmt: skip
# What a run reports: one count per Annexe N code the batch uses.
RUN_KINDS = tuple(dict.fromkeys(m.operation for m in lifecycle.BATCH_MOVES))


def _due(move: lifecycle.BatchMove, run_date: dt.date):
    return Transaction.objects.filter(lifecycle.batch_due(move, run_date))


def merchants_due(*, run_date: dt.date) -> list[int]:
    """Primary keys of the shops with something to do at the remittance of `run_date`."""
    due = Q()
    for move in lifecycle.BATCH_MOVES:
        due |= lifecycle.batch_due(move, run_date)
    return sorted(set(Transaction.objects.filter(due).values_list("merchant_id", flat=True)))


def sent_to_bank(merchant: Merchant) -> bool:
    """DEMO and PRE_PRODUCTION remittances reach no bank (payments there are not debited)."""
    return merchant.environment == Merchant.Environment.PRODUCTION


def _remittance_lines(merchant: Merchant, run_date, move, operations, now) -> None:
    """Add `operations` (captures of one chunk) to the shop's remittance of `run_date`, per
    currency: the record is created on first use, its totals grown with F() in this DB
    transaction, so they always equal the sum of its lines."""
    debit = move.operation == lifecycle.DEBIT_CAPTURE
    by_currency: dict[str, list[Operation]] = {}
    for operation in operations:
        by_currency.setdefault(operation.currency_code, []).append(operation)
    for currency, lines in by_currency.items():
        Remittance.objects.bulk_create(
            [
                Remittance(
                    merchant=merchant,
                    remittance_date=run_date,
                    currency_code=currency,
                    sent_to_bank=sent_to_bank(merchant),
                    created_at=now,
                )
            ],
            ignore_conflicts=True,
        )
        record = Remittance.objects.get(
            merchant=merchant, remittance_date=run_date, currency_code=currency
        )
        count, amount = (
            ("debit_count", "debit_amount") if debit else ("credit_count", "credit_amount")
        )
        Remittance.objects.filter(pk=record.pk).update(
            **{count: F(count) + len(lines), amount: F(amount) + sum(o.amount for o in lines)}
        )
        for line in lines:
            line.remittance = record


def _batch_operation(t: Transaction, kind: str, amount: int, before: str, now, **extra):
    return Operation(
        transaction=t,
        merchant_id=t.merchant_id,
        kind=kind,
        amount=amount,
        currency_code=t.currency_code,
        response_code=extra.pop("response_code", "00"),
        status_before=before,
        status_after=t.status,
        channel=OperationChannel.BATCH,
        created_at=now,
        **extra,
    )


def _apply_move(merchant, move, run_date, now, chunk) -> int:
    """`move` on every due row of the shop, `chunk` rows per durable transaction: the rows
    locked in primary-key order (a row an operator changed meanwhile no longer matches and is
    left), moved by one UPDATE, their operations and remittance lines written alongside."""
    due = _due(move, run_date).filter(merchant_id=merchant.pk)
    done = 0
    while True:
        with db.atomic(durable=True):
            rows = list(due.select_for_update().order_by("pk").only(*BATCH_FIELDS)[:chunk])
            if not rows:
                break
            Transaction.objects.filter(pk__in=[t.pk for t in rows]).update(
                **lifecycle.batch_update(move)
            )
            credits = _pending_credits(rows) if move.operation == lifecycle.CREDIT_CAPTURE else {}
            operations = []
            for t in rows:
                changes, amount = lifecycle.batch_outcome(t, move)
                t.status = changes["status"]
                # One CREDIT_CAPTURE per pending refund; one line per row otherwise.
                for part in credits.get(t.pk) or [amount]:
                    operations.append(_batch_operation(t, move.operation, part, move.status, now))
            if move.operation in (lifecycle.DEBIT_CAPTURE, lifecycle.CREDIT_CAPTURE):
                _remittance_lines(merchant, run_date, move, operations, now)
            Operation.objects.bulk_create(operations)
        done += len(rows)
        if len(rows) < chunk:
            # Every row matching when the chunk was read is done; one committed since is for
            # the next run (as it would be a second later).
            break
    return done


def _pending_credits(rows: list[Transaction]) -> dict[int, list[int]]:
    """Per locked TO_CREDIT row, the amounts of its refunds not sent yet, oldest first: the
    accepted CREDITs since its last CREDIT_CAPTURE, less what CANCEL withdrew (from the newest).
    Their sum is the pending credit (refunded − credited); a row whose history does not add up
    (data older than this rule) gets its pending credit as one line."""
    history = (
        Operation.objects.filter(transaction_id__in=[t.pk for t in rows], response_code="00")
        .filter(
            Q(kind__in=[lifecycle.CREDIT, lifecycle.CREDIT_CAPTURE])
            | Q(kind=lifecycle.CANCEL, status_before=Status.TO_CREDIT)
        )
        .order_by("id")
        .values_list("transaction_id", "kind", "amount")
    )
    pending: dict[int, list[int]] = {t.pk: [] for t in rows}
    for pk, kind, amount in history:
        credits = pending[pk]
        if kind == lifecycle.CREDIT_CAPTURE:
            credits.clear()
        elif kind == lifecycle.CREDIT:
            credits.append(amount)
        else:  # a withdrawal: from the newest refunds back
            while amount and credits:
                taken = min(amount, credits[-1])
                credits[-1] -= taken
                amount -= taken
                if credits[-1] == 0:
                    credits.pop()
    lines = {}
    for t in rows:
        parts = [a for a in pending[t.pk] if a > 0]
        if sum(parts) == t.refunded_amount - t.credited_amount:
            lines[t.pk] = parts
    return lines


def _reauthorise(merchant, run_date, now) -> int:
    """AUTHOR: a fresh authorisation for each WAITING_AUTHOR row of the shop, one row per
    durable transaction, the row locked while the acquirer answers (a parallel run skips it, an
    operator waits). If the acquirer fails, the row stays WAITING_AUTHOR for the next run; the
    reference (row, day) lets an acquirer answer a retried request without authorising twice."""
    pks = list(
        Transaction.objects.filter(merchant_id=merchant.pk, status=Status.WAITING_AUTHOR)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done = 0
    for pk in pks:
        try:
            with db.atomic(durable=True):
                t = (
                    Transaction.objects.select_for_update(skip_locked=True)
                    .filter(pk=pk, status=Status.WAITING_AUTHOR)
                    .first()
                )
                if t is None:
                    continue
                answer = authorise(
                    merchant=merchant,
                    amount=t.amount,
                    currency_code=t.currency_code,
                    payment_means=t.payment_means,
                    card_reference=f"{t.card_number}|{merchant.merchant_id}"
                    f"|{t.payment_date:%Y%m%d}|{t.transaction_id}",
                    reference=f"author-{t.pk}-{run_date:%Y%m%d}",
                )
                changes = lifecycle.authorisation_outcome(
                    t, answer.response_code, answer.authorisation_id
                )
                changes["bank_response_code"] = answer.bank_response_code
                for field, value in changes.items():
                    setattr(t, field, value)
                t.save(update_fields=list(changes))
                _batch_operation(
                    t,
                    lifecycle.AUTHOR,
                    t.amount,
                    Status.WAITING_AUTHOR,
                    now,
                    response_code=answer.response_code,
                ).save()
        except AcquirerUnavailable as error:
            logger.warning("AUTHOR of transaction %s left for the next run: %s", pk, error)
            continue
        done += 1
    return done


def _states_due(merchant_pk: int, run_date: dt.date) -> set[str]:
    """The states with something due in the shop (one query), so a run skips the other moves;
    a move feeding another (AUTHOR_BATCH → AUTHOR → DEBIT_CAPTURE) brings it along."""
    due = Q()
    for move in lifecycle.BATCH_MOVES:
        due |= lifecycle.batch_due(move, run_date)
    present = set(
        Transaction.objects.filter(due, merchant_id=merchant_pk)
        .values_list("status", flat=True)
        .distinct()
    )
    if Status.TO_AUTHORIZE in present:
        present.add(Status.WAITING_AUTHOR)
    if Status.WAITING_AUTHOR in present:
        present.add(Status.TO_CAPTURE)
    return present


def merchant_remittance(
    *, merchant_pk: int, run_date: dt.date, now: dt.datetime | None = None, chunk: int = CHUNK
) -> dict[str, int]:
    """One shop's remittance for Paris day `run_date`: how many rows each batch move took."""
    now = now or timezone.now()
    merchant = Merchant.objects.get(pk=merchant_pk)
    done = dict.fromkeys(RUN_KINDS, 0)
    present = _states_due(merchant_pk, run_date)
    for move in lifecycle.BATCH_MOVES:
        if move.status not in present:
            continue
        if move.operation == lifecycle.AUTHOR:
            done[move.operation] += _reauthorise(merchant, run_date, now)
        else:
            done[move.operation] += _apply_move(merchant, move, run_date, now, chunk)
    return done


def remittance_run(
    *, run_date: dt.date | None = None, now: dt.datetime | None = None
) -> dict[str, int]:
    """Every shop's remittance, in this process (the command; Celery fans out per shop)."""
    now = now or timezone.now()
    run_date = run_date or remittance_due_date(now)
    totals = dict.fromkeys(RUN_KINDS, 0)
    for merchant_pk in merchants_due(run_date=run_date):
        for kind, count in merchant_remittance(
            merchant_pk=merchant_pk, run_date=run_date, now=now
        ).items():
            totals[kind] += count
    return totals
