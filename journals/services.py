"""Writes of journals: build (exactly once), deliver (at most once per acceptance), resend.

Exactly once, per shop and kind (docs/journals.md "Exactly once"):
- a build holds the shop's JournalCursor row (locked by INSERT … ON CONFLICT DO UPDATE, which
  creates it on first use) for its whole DB transaction, so two builds of one shop and kind run
  one after the other, never interleaved;
- it takes every record of the shop not yet in a journal of that kind (anti-join), stores the
  journal, its lines and the next sequence number in that same DB transaction: all or nothing;
- membership lines are UNIQUE on the record: the database refuses a record in two journals;
- a record still uncommitted when a build reads is invisible to it and so taken by the next build,
  even if its id is lower than ids already journaled (the scan starts LATE_COMMIT_WINDOW back).
"""

import datetime as dt
import logging
from email import encoders
from email.mime.base import MIMEBase

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from golive.selectors import annotate_environment_since, environment_since
from merchants.models import Merchant
from merchants.services import merchant_secret

from . import copy, files
from .models import (
    Journal,
    JournalCursor,
    JournalKind,
    JournalOperation,
    JournalState,
    JournalTransaction,
)
from .selectors import records_in_journal, records_not_in_journal

logger = logging.getLogger(__name__)

# A record whose inserting DB transaction commits later than this after a build that could not
# see it is still caught: later builds re-scan ids from the journal built this long ago.
LATE_COMMIT_WINDOW = dt.timedelta(hours=getattr(settings, "JOURNALS_LATE_COMMIT_WINDOW_HOURS", 48))
# Waits before each automatic retry of a failed delivery: 7 h 15 min in all (issue: ≥ 6 h).
RETRY_DELAYS = [dt.timedelta(minutes=m) for m in (5, 10, 20, 40, 60, 60, 60, 60, 60, 60)]
# A delivery still SENDING after this was interrupted (worker killed) with an unknown outcome.
SENDING_STALE_AFTER = dt.timedelta(minutes=15)


class JournalError(Exception):
    """A journal request that cannot be honoured; `message` is in the user's terms."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


_RECENT = 5


def _scan_from_id(*, merchant_pk: int, kind: str, now: dt.datetime, recent: list[dict]) -> int:
    """Where the catch-up scan starts: the highest id of the last journal built at least
    LATE_COMMIT_WINDOW ago (0 if none). `recent`: the last _RECENT journals, newest first."""
    for journal in recent:
        if journal["generated_at"] <= now - LATE_COMMIT_WINDOW:
            return journal["max_record_id"]
    if len(recent) < _RECENT:
        return 0
    row = (
        Journal.objects.filter(
            merchant_id=merchant_pk, kind=kind, generated_at__lte=now - LATE_COMMIT_WINDOW
        )
        .order_by("-sequence")
        .values_list("max_record_id", flat=True)
        .first()
    )
    return row or 0


def production_since(*, merchant: Merchant):
    """When the shop went into production by going live (None: it started there, or is not
    there): its journals hold records from that instant on (docs/journals.md "Environments")."""
    if merchant.environment != Merchant.Environment.PRODUCTION:
        return None
    since = environment_since(merchant=merchant, environment=Merchant.Environment.PRODUCTION)
    return None if since == merchant.created_at else since


def journal_shops(*, merchant_id: str | None = None):
    """The shops that get journals: active shops in production (docs/journals.md
    "Environments"); in demo and pre-production nothing is journaled or sent."""
    shops = Merchant.objects.filter(is_active=True, environment=Merchant.Environment.PRODUCTION)
    if merchant_id is not None:
        shops = Merchant.objects.filter(merchant_id=merchant_id)
    return shops.order_by("merchant_id")


def _lock_and_read(*, merchant_pk: int, kinds: list[str]) -> tuple[Merchant, dict[str, list]]:
    """Lock the shop's cursor rows for `kinds` (created on first use) until the transaction
    ends, then read the shop (with when it went into production) and its last _RECENT journals
    of each kind, newest first → (shop, {kind: journals}). Cursors are always locked in the
    order of JournalKind.values, so two builds never deadlock. The journals are read by a later
    statement than the lock: one that waited for another build sees what it committed."""
    if connection.vendor == "postgresql":
        # Two statements whatever the kinds, each compiled once (journals.copy).
        shop = copy.lock_shop(merchant_pk=merchant_pk, kinds=kinds)
        rows = copy.recent_journals(merchant_pk=merchant_pk, kinds=kinds, count=_RECENT)
    else:
        # INSERT … ON CONFLICT DO UPDATE: created on first use, and locked where rows lock.
        JournalCursor.objects.bulk_create(
            [JournalCursor(merchant_id=merchant_pk, kind=kind) for kind in kinds],
            update_conflicts=True,
            unique_fields=["merchant", "kind"],
            update_fields=["kind"],
        )
        shop = annotate_environment_since(
            Merchant.objects.filter(pk=merchant_pk), Merchant.Environment.PRODUCTION
        ).get()
        rows = [
            row
            for kind in kinds
            for row in Journal.objects.filter(merchant_id=merchant_pk, kind=kind)
            .order_by("-sequence")
            .values("pk", "kind", "sequence", "journal_date", "generated_at", "max_record_id")[
                :_RECENT
            ]
        ]
    recent = {kind: [] for kind in kinds}
    for row in sorted(rows, key=lambda row: -row["sequence"]):
        recent[row["kind"]].append(row)
    return shop, recent


def journal_build(
    *, merchant_pk: int, kind: str, journal_date: dt.date, now: dt.datetime | None = None
) -> tuple[Journal, bool]:
    """The shop's journal of `kind` for `journal_date`, holding every record of that kind in no
    journal yet; built once per date (a second call returns it). → (journal, built now?)."""
    if kind not in JournalKind.values:
        raise JournalError(_("Unknown journal kind: %(kind)s.") % {"kind": kind})
    with transaction.atomic(durable=True):
        return _build(
            merchant_pk=merchant_pk, kind=kind, journal_date=journal_date, now=now or timezone.now()
        )


def journals_build_shop(
    *,
    merchant_pk: int,
    journal_date: dt.date,
    now: dt.datetime | None = None,
    in_database: bool | None = None,
) -> list[tuple[Journal, bool]]:
    """Both journals of the shop for `journal_date` (transactions, then operations), as
    journal_build would, in one DB transaction and shared statements: the cursors locked, the
    shop and its last journals read, both memberships written, then both journals' rows, once
    for the two (docs/journals.md "How the file is written"). `in_database`: as for _build (the
    benchmark compares both paths)."""
    with transaction.atomic(durable=True):
        return _build_kinds(
            merchant_pk=merchant_pk,
            kinds=list(JournalKind.values),
            journal_date=journal_date,
            now=now or timezone.now(),
            in_database=in_database,
        )


def _build(
    *,
    merchant_pk: int,
    kind: str,
    journal_date: dt.date,
    now: dt.datetime,
    in_database: bool | None = None,
) -> tuple[Journal, bool]:
    """journal_build's body; the caller holds the DB transaction. `in_database`: whether
    PostgreSQL writes the file (journals.copy; the default on PostgreSQL) or Python does
    (files.render over the selector's rows: the portable path, the same bytes)."""
    return _build_kinds(
        merchant_pk=merchant_pk,
        kinds=[kind],
        journal_date=journal_date,
        now=now,
        in_database=in_database,
    )[0]


def _build_kinds(
    *,
    merchant_pk: int,
    kinds: list[str],
    journal_date: dt.date,
    now: dt.datetime,
    in_database: bool | None = None,
) -> list[tuple[Journal, bool]]:
    """The shop's journals of `kinds` (in JournalKind order) for `journal_date`; the caller
    holds the DB transaction. → [(journal, built now?)] in the order of `kinds`."""
    merchant, recent = _lock_and_read(merchant_pk=merchant_pk, kinds=kinds)
    since = production_since(merchant=merchant)
    done: dict[str, tuple[Journal, bool]] = {}
    todo = []
    for kind in kinds:
        last = recent[kind][0] if recent[kind] else None
        # Journals follow one another by date, so only the last one can be this date's.
        if last is not None and last["journal_date"] == journal_date:
            done[kind] = (Journal.objects.select_related("merchant").get(pk=last["pk"]), False)
            continue
        if last is not None and last["journal_date"] > journal_date:
            raise JournalError(
                _("A later journal (%(date)s) exists already: journals follow one another.")
                % {"date": last["journal_date"].isoformat()}
            )
        selection = {
            "merchant_pk": merchant_pk,
            "scan_from_id": _scan_from_id(
                merchant_pk=merchant_pk, kind=kind, now=now, recent=recent[kind]
            ),
            "since": since,
        }
        # Under the cursor lock, the last committed journal gives the next number: no gap, and
        # (shop, kind, sequence) is UNIQUE in the database besides.
        sequence = last["sequence"] + 1 if last else 1
        header = {
            "kind": kind,
            "merchant_id": merchant.merchant_id,
            "journal_date": journal_date,
            "generated_at": now,
            "sequence": sequence,
        }
        journal = Journal(
            merchant=merchant,
            kind=kind,
            sequence=sequence,
            journal_date=journal_date,
            generated_at=now,
            filename=files.filename(
                kind=kind,
                merchant_id=merchant.merchant_id,
                journal_date=journal_date,
                sequence=sequence,
            ),
            secret_key_version=merchant.secret_key_version,
        )
        previous_max = last["max_record_id"] if last else 0
        todo.append((kind, journal, selection, header, previous_max))
    if todo:
        secret = merchant_secret(merchant=merchant)
        if in_database is None:
            in_database = connection.vendor == "postgresql"
        if in_database:
            _write_in_database(todo, secret=secret)
        else:
            for kind, journal, selection, header, previous_max in todo:
                rows = list(records_not_in_journal(kind=kind, **selection))
                text, count, totals = files.render(**header, rows=rows)
                _store_file(journal, data=text.encode(), count=count, totals=totals, secret=secret)
                journal.max_record_id = max([previous_max, *(r[0] for r in rows)])
                journal.save()
                _add_lines(journal=journal, kind=kind, record_ids=[r[0] for r in rows])
        done.update((kind, (journal, True)) for kind, journal, *_rest in todo)
    return [done[kind] for kind in kinds]


def _write_in_database(todo: list, *, secret: str) -> None:
    """PostgreSQL writes the memberships and the files (journals.copy): one statement draws
    every journal's id and stores every membership, one COPY per journal streams its lines, one
    INSERT stores the journals' rows. The records are read before the journals' INSERT, as on
    the portable path: the lines carry no database constraint on their journal
    (docs/journals.md "Exactly once")."""
    drawn = copy.record_lines([(kind, selection) for kind, _journal, selection, *_rest in todo])
    for kind, journal, _selection, header, previous_max in todo:
        journal.pk, records, totals = drawn[kind]
        data, totals = copy.render(
            **header,
            records=records,
            totals=totals,
            rows=lambda pk=journal.pk, kind=kind: records_in_journal(journal_pk=pk, kind=kind),
        )
        _store_file(journal, data=data, count=records.count, totals=totals, secret=secret)
        journal.max_record_id = max(previous_max, records.last)
    Journal.objects.bulk_create([journal for _kind, journal, *_rest in todo])


def _store_file(journal: Journal, *, data: bytes, count: int, totals: dict, secret: str) -> None:
    """The file on the journal, with its record count, totals, hash and seal (not saved yet)."""
    journal.content = data.decode()
    journal.record_count = count
    journal.totals = totals
    journal.sha256 = files.sha256_hex(data)
    journal.seal = files.seal_hex(data, secret)


def _add_lines(*, journal: Journal, kind: str, record_ids: list[int]) -> None:
    """The journal's membership lines, in one statement whatever their number (an array
    parameter, not one placeholder per row); the UNIQUE constraint on the record still applies."""
    if not record_ids:
        return
    model, column = (
        (JournalTransaction, "transaction_id")
        if kind == JournalKind.TRANSACTIONS
        else (JournalOperation, "operation_id")
    )
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(journal=journal, **{column: pk}) for pk in record_ids], batch_size=500
        )
        return
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {model._meta.db_table} (journal_id, {column}) "  # noqa: S608 - names are ours
            "SELECT %s, unnest(%s::bigint[])",
            [journal.pk, record_ids],
        )


def _message(journal: Journal) -> EmailMessage:
    merchant = journal.merchant
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Journal %(kind)s %(merchant_id)s %(date)s no. %(sequence)s") % {
            "kind": journal.kind,
            "merchant_id": merchant.merchant_id,
            "date": journal.journal_date.isoformat(),
            "sequence": f"{journal.sequence:06d}",
        }
        values = {
            "merchant_id": merchant.merchant_id,
            "kind": journal.kind,
            "sequence": f"{journal.sequence:06d}",
            "date": journal.journal_date.isoformat(),
            "count": journal.record_count,
            "filename": journal.filename,
            "sha256": journal.sha256,
            "key_version": journal.secret_key_version,
            "seal": journal.seal,
        }
        lines = [
            _("Shop %(merchant_id)s, %(kind)s journal no. %(sequence)s of %(date)s.")
            + " "
            + _("Records: %(count)s."),
            "",
            _("File: %(filename)s"),
            _("SHA-256: %(sha256)s"),
            _("HMAC-SHA256 seal (your secret key, version %(key_version)s): %(seal)s"),
            _("To check it: openssl dgst -sha256 -hmac <secret key> <file>"),
        ]
        body = "\n".join(line % values if line else line for line in lines) + "\n"
    message = EmailMessage(
        subject=subject,
        body=body,
        to=[journal.recipient],
        headers={
            # Stable per journal: a receiving system can drop a copy it already has.
            "Message-ID": f"<journal-{journal.pk}-{merchant.merchant_id}-{journal.kind}-"
            f"{journal.sequence:06d}@gestion>",
            "X-Journal-SHA256": journal.sha256,
            "X-Journal-Seal": journal.seal,
        },
    )
    # Base64 keeps the attachment's bytes exactly those sealed (no line-ending rewriting).
    part = MIMEBase("text", "csv", charset="utf-8")
    part.set_payload(journal.content.encode())
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=journal.filename)
    message.attach(part)
    return message


def journal_send(
    *,
    journal_pk: int,
    now: dt.datetime | None = None,
    resend: bool = False,
    ignore_backoff: bool = False,
) -> str:
    """E-mail one journal, its stored file unchanged. Automatic sends take BUILT or due FAILED
    journals only; the SENDING state is committed before talking to SMTP, so once a server may
    have accepted it nothing resends it automatically. `resend`: a bank staff's explicit resend
    (even of a SENT journal); `ignore_backoff`: a FAILED one is tried now. → the state after."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        journal = Journal.objects.select_for_update().select_related("merchant").get(pk=journal_pk)
        if journal.state == JournalState.SENDING and (
            journal.last_attempt_at and journal.last_attempt_at > now - SENDING_STALE_AFTER
        ):
            return journal.state
        if not resend:
            if journal.state not in (JournalState.BUILT, JournalState.FAILED):
                return journal.state
            if journal.state == JournalState.FAILED and (
                journal.delivery_uncertain
                or (
                    not ignore_backoff
                    and (journal.next_attempt_at is None or journal.next_attempt_at > now)
                )
            ):
                return journal.state
        journal.recipient = journal.merchant.journal_email
        journal.attempts += 1
        journal.last_attempt_at = now
        journal.next_attempt_at = None
        if not journal.recipient:
            _fail(journal, _("The shop has no journal e-mail address."), now)
            return journal.state
        journal.state = JournalState.SENDING
        journal.save(
            update_fields=["state", "recipient", "attempts", "last_attempt_at", "next_attempt_at"]
        )
    try:
        _message(journal).send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - any SMTP/socket failure is a failed attempt
        logger.warning("journal %s not sent (attempt %s): %s", journal.pk, journal.attempts, exc)
        with transaction.atomic(durable=True):
            journal = Journal.objects.select_for_update().get(pk=journal_pk)
            _fail(journal, f"{type(exc).__name__}: {exc}"[:1000], now)
        return journal.state
    with transaction.atomic(durable=True):
        journal = Journal.objects.select_for_update().get(pk=journal_pk)
        journal.state = JournalState.SENT
        journal.sent_at = timezone.now()
        journal.last_error = ""
        journal.next_attempt_at = None
        journal.delivery_uncertain = False
        journal.save(
            update_fields=[
                "state",
                "sent_at",
                "last_error",
                "next_attempt_at",
                "delivery_uncertain",
            ]
        )
    return journal.state


def _fail(journal: Journal, error: str, now: dt.datetime) -> None:
    """FAILED with the error; the next automatic attempt after the backoff, none once exhausted."""
    journal.state = JournalState.FAILED
    journal.last_error = error
    index = journal.attempts - 1
    journal.next_attempt_at = now + RETRY_DELAYS[index] if index < len(RETRY_DELAYS) else None
    journal.save(
        update_fields=[
            "state",
            "recipient",
            "attempts",
            "last_attempt_at",
            "last_error",
            "next_attempt_at",
        ]
    )


def journals_due_for_delivery(*, now: dt.datetime | None = None) -> list[int]:
    """Journals an automatic send should try now (BUILT, or FAILED whose retry is due); and mark
    deliveries interrupted in SENDING as FAILED, never retried automatically (outcome unknown)."""
    now = now or timezone.now()
    stale = list(
        Journal.objects.filter(
            state=JournalState.SENDING, last_attempt_at__lt=now - SENDING_STALE_AFTER
        ).values_list("pk", flat=True)
    )
    for pk in stale:
        with transaction.atomic(durable=True):
            journal = Journal.objects.select_for_update().get(pk=pk)
            if journal.state != JournalState.SENDING:
                continue
            journal.state = JournalState.FAILED
            journal.next_attempt_at = None
            journal.delivery_uncertain = True
            journal.last_error = _(
                "Interrupted while sending: the mail server may have accepted it, so it is not "
                "resent automatically. Resend it by hand if the shop did not receive it."
            )
            journal.save(
                update_fields=["state", "next_attempt_at", "last_error", "delivery_uncertain"]
            )
    return list(
        Journal.objects.filter(
            Q(state=JournalState.BUILT) | Q(state=JournalState.FAILED, next_attempt_at__lte=now)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
