"""Idempotency keys: the same key and request → the first answer again, nothing done twice.

The key row is inserted (and committed) before the operation runs: the unique constraint on
(user, key) makes one request the owner, concurrent or later ones with the same key replay its
answer, or learn it is still running. Answers meaning "try again" (99) free the key.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from operations.models import IdempotencyKey


class IdempotencyConflict(Exception):
    """The key was used for another request (`mismatch`) or its first request still runs."""

    def __init__(self, *, mismatch: bool):
        super().__init__("mismatch" if mismatch else "in progress")
        self.mismatch = mismatch


@dataclass(frozen=True)
class Replay:
    status: int
    body: dict


def request_fingerprint(*parts) -> str:
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def idempotency_begin(*, user, key: str, fingerprint: str, now: dt.datetime):
    """Claim `key` for this request (→ the IdempotencyKey) or return the first answer (Replay)."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(
                    user=user, key=key, fingerprint=fingerprint, created_at=now
                )
        except IntegrityError:
            pass
        try:
            existing = IdempotencyKey.objects.get(user=user, key=key)
            break
        except IdempotencyKey.DoesNotExist:
            continue  # the first request freed it (a temporary problem) meanwhile: claim again
    else:
        raise IdempotencyConflict(mismatch=False)
    if existing.fingerprint != fingerprint:
        raise IdempotencyConflict(mismatch=True)
    if existing.response_status is None:
        raise IdempotencyConflict(mismatch=False)
    return Replay(existing.response_status, existing.response_body)


def idempotency_finish(*, record: IdempotencyKey, status: int, body: dict, retryable: bool):
    """Keep the answer for replays; a retryable one (temporary problem) frees the key instead."""
    if retryable:
        IdempotencyKey.objects.filter(pk=record.pk).delete()
        return
    IdempotencyKey.objects.filter(pk=record.pk).update(response_status=status, response_body=body)


@dataclass
class Outcome:
    """What a request answered: kept under its key for replays, unless `retryable` (a
    temporary problem: the key is freed, the client may try again)."""

    status: int
    body: dict
    retryable: bool = False
    replayed: bool = False


class Committed(Exception):
    """Raised by a request's `perform` when its write is committed but its answer failed: the
    key keeps `body` (it must never be freed now, or a retry would do the write twice)."""

    def __init__(self, body: dict):
        super().__init__("committed")
        self.body = body


def idempotent(
    *,
    user,
    key: str | None,
    fingerprint: str,
    now: dt.datetime,
    perform: Callable[[], Outcome],
    replay: Callable[[Replay], Outcome] | None = None,
) -> Outcome:
    """Claim, perform, finish: the one way both edges (API with its Idempotency-Key, web with
    its confirmation token) run a write at most once. Without a key, `perform` simply runs.

    A replay returns the first answer (through `replay` if given, which may refuse it); a key
    used for another request, or whose first request still runs, raises IdempotencyConflict.
    An exception in `perform` frees the key (nothing was committed), except Committed."""
    if key is None:
        return perform()
    claim = idempotency_begin(user=user, key=key, fingerprint=fingerprint, now=now)
    if isinstance(claim, Replay):
        return replay(claim) if replay else Outcome(claim.status, claim.body, replayed=True)
    try:
        outcome = perform()
    except Committed as committed:
        idempotency_finish(record=claim, status=200, body=committed.body, retryable=False)
        raise committed.__cause__ or committed from None
    except BaseException:
        idempotency_finish(record=claim, status=500, body={}, retryable=True)
        raise
    idempotency_finish(
        record=claim, status=outcome.status, body=outcome.body, retryable=outcome.retryable
    )
    return outcome


def idempotency_keys_purge(*, now: dt.datetime) -> int:
    """Forget keys older than settings.IDEMPOTENCY_KEYS_KEPT_HOURS (at least a day)."""
    hours = max(24, settings.IDEMPOTENCY_KEYS_KEPT_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(
        created_at__lt=now - dt.timedelta(hours=hours)
    ).delete()
    return deleted
