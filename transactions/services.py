import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.db import IntegrityError, transaction

from merchants.models import Merchant

from .feed import FeedError, parse_feed_item
from .models import CaptureMode, Origin, Status, Transaction


class FeedRejected(Exception):
    """A feed request stored nothing; `errors` lists (index, FeedError) for each bad item."""

    def __init__(self, errors: list[tuple[int, FeedError]]):
        super().__init__(errors[0][1].message)
        self.errors = errors


def status_at_creation(*, response_code: str, capture_mode: str) -> str:
    """DOMAIN.md: accepted → TO_VALIDATE (VALIDATION) or TO_CAPTURE; anything else → REFUSED."""
    if response_code != "00":
        return Status.REFUSED
    if capture_mode == CaptureMode.VALIDATION:
        return Status.TO_VALIDATE
    return Status.TO_CAPTURE


def capture_date_at_creation(*, status: str, payment_date: dt.date, capture_day: int):
    """TO_CAPTURE: the day it will be captured; TO_VALIDATE: the last day it may be validated."""
    if status == Status.REFUSED:
        return None
    return payment_date + dt.timedelta(days=capture_day)


def _already_processed() -> FeedError:
    return FeedError("Transaction already processed", response_code="94", http_status=409)


def _build(values: dict, merchant: Merchant, **extra) -> Transaction:
    values = {k: v for k, v in values.items() if k != "merchant_id"}
    status = status_at_creation(
        response_code=values["response_code"], capture_mode=values["capture_mode"]
    )
    return Transaction(
        merchant=merchant,
        status=status,
        capture_date=capture_date_at_creation(
            status=status, payment_date=values["payment_date"], capture_day=values["capture_day"]
        ),
        **values,
        **extra,
    )


def _taken_keys(candidates: list[Transaction]) -> set[tuple[int, dt.date, str]]:
    """Which (shop, day, number) of `candidates` are already stored: one query."""
    if not candidates:
        return set()
    rows = Transaction.objects.filter(
        merchant_id__in={t.merchant_id for t in candidates},
        payment_date__in={t.payment_date for t in candidates},
        transaction_id__in={t.transaction_id for t in candidates},
    ).values_list("merchant_id", "payment_date", "transaction_id")
    return set(rows)


def transaction_create(*, item: dict, origin: str = Origin.FEED, source=None, user=None):
    """One transaction through the feed's rules (Sips grammar, active shop, number free that day).

    Raises FeedError (94 when the number is taken). Runs inside the caller's transaction when
    there is one (a savepoint guards the insert), so a duplication and its Operation commit
    together.
    """
    values = parse_feed_item(item)
    merchant = Merchant.objects.filter(merchant_id=values["merchant_id"], is_active=True).first()
    if merchant is None:
        raise FeedError(f"Invalid merchant ({values['merchant_id']})", response_code="03")
    candidate = _build(values, merchant, origin=origin, source=source, created_by=user)
    if _taken_keys([candidate]):
        raise _already_processed()
    try:
        with transaction.atomic():
            candidate.save(force_insert=True)
    except IntegrityError:
        if _taken_keys([candidate]):
            raise _already_processed() from None
        raise
    return candidate


def transactions_feed(*, items: Sequence[dict], user=None) -> list[Transaction]:
    """Store what the payment server sends: all the items, or none (FeedRejected says why).

    Every field is checked against its Sips format; a number the shop already used that Paris
    day is refused with 94, whether it is stored already or earlier in the same request.
    """
    if not 1 <= len(items) <= settings.FEED_BULK_MAX:
        raise FeedRejected([(0, FeedError("ERROR IN CALL PARAMETERS STRUCTURE (body)"))])
    errors: list[tuple[int, FeedError]] = []
    parsed: list[tuple[int, dict]] = []
    for index, item in enumerate(items):
        try:
            parsed.append((index, parse_feed_item(item)))
        except FeedError as error:
            errors.append((index, error))

    merchants = Merchant.objects.in_bulk(
        {values["merchant_id"] for _, values in parsed}, field_name="merchant_id"
    )
    built: list[tuple[int, Transaction]] = []
    for index, values in parsed:
        merchant = merchants.get(values["merchant_id"])
        if merchant is None or not merchant.is_active:
            errors.append(
                (
                    index,
                    FeedError(f"Invalid merchant ({values['merchant_id']})", response_code="03"),
                )
            )
            continue
        built.append((index, _build(values, merchant, origin=Origin.FEED, created_by=user)))

    taken = _taken_keys([t for _, t in built])
    seen: set[tuple[int, dt.date, str]] = set()
    for index, candidate in built:
        key = (candidate.merchant_id, candidate.payment_date, candidate.transaction_id)
        if key in taken or key in seen:
            errors.append((index, _already_processed()))
        seen.add(key)
    if errors:
        raise FeedRejected(sorted(errors, key=lambda e: e[0]))

    rows = [t for _, t in built]
    try:
        with transaction.atomic(durable=True):
            Transaction.objects.bulk_create(rows, batch_size=1000)
    except IntegrityError:
        # Another request stored one of these numbers between our check and our insert.
        taken = _taken_keys(rows)
        clashes = [
            (index, _already_processed())
            for index, t in built
            if (t.merchant_id, t.payment_date, t.transaction_id) in taken
        ]
        raise FeedRejected(clashes or [(0, _already_processed())]) from None
    return rows
