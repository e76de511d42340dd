import datetime as dt
import hashlib
from collections.abc import Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from merchants import keys
from merchants.models import Merchant, PaymentMeans

from . import lifecycle, sips2
from .feed import FeedError, parse_feed_item
from .models import (
    AutomaticResponseStatus,
    Origin,
    SipsRefusal,
    SipsResponse,
    Status,
    Transaction,
)


class FeedRejected(Exception):
    """A feed request stored nothing; `errors` lists (index, FeedError) for each bad item."""

    def __init__(self, errors: list[tuple[int, FeedError]]):
        super().__init__(errors[0][1].message)
        self.errors = errors


# The state and last day at creation are the lifecycle's (Annexe G); named here too for callers
# that build transactions (the feed, duplications).
status_at_creation = lifecycle.status_at_creation
capture_date_at_creation = lifecycle.capture_date_at_creation


def _already_processed() -> FeedError:
    return FeedError("Transaction already processed", response_code="94", http_status=409)


def _contracts(merchant_pks) -> dict[int, dict[str, PaymentMeans]]:
    """shop pk → {means → contract}: one query for any number of shops."""
    found: dict[int, dict[str, PaymentMeans]] = {pk: {} for pk in merchant_pks}
    for contract in PaymentMeans.objects.filter(merchant_id__in=found):
        found[contract.merchant_id][contract.means] = contract
    return found


def check_contract(values: dict, contracts: dict[str, PaymentMeans]) -> None:
    """The shop needs a distance-selling contract for the means (docs/sips.md; else 03, annexe T),
    and the contract must accept the currency (docs/sips.md; else 12, "Invalid Transaction")."""
    means = values.get("payment_means", "")
    currency = values["currency_code"]
    if means:
        contract = contracts.get(means)
        if contract is None:
            raise FeedError(
                f"Contrat de vente à distance inexistant (payment_means={means})",
                response_code="03",
                field="payment_means",
            )
        allowed = contract.currency_codes()
    else:
        if not contracts:
            raise FeedError(
                "Contrat de vente à distance inexistant", response_code="03", field="merchant_id"
            )
        allowed = frozenset().union(*(c.currency_codes() for c in contracts.values()))
    if currency not in allowed:
        raise FeedError(
            f"Invalid Transaction (currency_code={currency})",
            response_code="12",
            field="currency_code",
        )


def _build(values: dict, merchant: Merchant, **extra) -> Transaction:
    values = {k: v for k, v in values.items() if k != "merchant_id"}
    # The state at creation is the lifecycle's (Annexe G): by answer, mode and delay.
    status = status_at_creation(
        response_code=values["response_code"],
        capture_mode=values["capture_mode"],
        capture_day=values["capture_day"],
    )
    captured = values["amount"] if status == Status.CAPTURED else 0
    return Transaction(
        merchant=merchant,
        status=status,
        capture_date=capture_date_at_creation(
            status=status, payment_date=values["payment_date"], capture_day=values["capture_day"]
        ),
        captured_amount=captured,
        automatic_response_status=(
            AutomaticResponseStatus.PENDING
            if merchant.automatic_response_url
            else AutomaticResponseStatus.UNDEFINED
        ),
        **values,
        **extra,
    )


def _send_automatic_responses_after_commit(rows: list[Transaction]) -> None:
    """Each new transaction of a shop with an automatic-response URL is posted there by a task,
    once the transaction that stores it has committed (docs/sips.md)."""
    pks = [t.pk for t in rows if t.automatic_response_status == AutomaticResponseStatus.PENDING]
    if not pks:
        return
    from .tasks import automatic_response_send

    def enqueue():
        for pk in pks:
            automatic_response_send.delay(transaction_pk=pk)

    transaction.on_commit(enqueue)


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


def transaction_create(
    *,
    item: dict,
    origin: str = Origin.FEED,
    source=None,
    user=None,
    sips2: bool = False,
    merchant: Merchant | None = None,
):
    """One transaction through the feed's rules (Sips grammar, active shop, number free that day).

    Raises FeedError (94 when the number is taken). Runs inside the caller's transaction when
    there is one (a savepoint guards the insert), so a duplication and its Operation commit
    together. `merchant`: the active shop the caller already read (it must be the item's).
    """
    values = parse_feed_item(item, sips2=sips2)
    if merchant is None or merchant.merchant_id != values["merchant_id"]:
        merchant = Merchant.objects.filter(
            merchant_id=values["merchant_id"], is_active=True
        ).first()
    if merchant is None:
        raise FeedError(
            f"Invalid merchant ({values['merchant_id']})", response_code="03", field="merchant_id"
        )
    check_contract(values, _contracts([merchant.pk])[merchant.pk])
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
    _send_automatic_responses_after_commit([candidate])
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
    contracts = _contracts([m.pk for m in merchants.values()])
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
        try:
            check_contract(values, contracts[merchant.pk])
        except FeedError as error:
            errors.append((index, error))
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
            _send_automatic_responses_after_commit(rows)
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


# ---------------------------------------------------------------- Sips 2.0 automatic responses in


def sips_refusal_count(*, reason: str, merchant_id: str = "", now: dt.datetime | None = None):
    """Count one refused Sips 2.0 response (per Paris day, reason and the merchantId it named)."""
    day = timezone.localdate(now or timezone.now())
    merchant_id = merchant_id if merchant_id.isdigit() and len(merchant_id) <= 15 else ""
    with transaction.atomic():
        counter, _created = SipsRefusal.objects.get_or_create(
            day=day, reason=reason, merchant_id=merchant_id
        )
        SipsRefusal.objects.filter(pk=counter.pk).update(count=F("count") + 1)


def _security_error(message: str, reason: str) -> sips2.SipsRefused:
    return sips2.SipsRefused(message, reason=reason, response_code="63", http_status=403)


def sips2_response_ingest(*, form) -> tuple[Transaction, bool]:
    """Store one Sips 2.0 automatic response; → (transaction, created).

    The seal must match the shop's secret key of the key version named; the Data then goes
    through the feed's rules (transaction_create). The same Data delivered again (Sips retries)
    answers the stored transaction and stores nothing. Anything refused stores nothing and is
    counted (SipsRefusal). Raises sips2.SipsRefused or FeedError (Sips 2.0 field names).
    """
    posted = form.get("Data") or ""
    merchant_id = ""
    try:
        given_seal = form.get("Seal") or ""
        if not posted or not given_seal:
            raise sips2.SipsRefused(
                "ERROR IN CALL PARAMETERS STRUCTURE (Data and Seal not filled)",
                reason="FORMAT",
                response_code="30",
                http_status=400,
            )
        text = sips2.decode(posted, form.get("Encode", ""))
        fields = sips2.parse_data(text)
        merchant_id = fields.get("merchantId", "")
        merchant = next(
            iter(Merchant.objects.filter(merchant_id=merchant_id, is_active=True)[:1]), None
        )
        if merchant is None:
            raise sips2.SipsRefused(
                f"Invalid merchant ({merchant_id[:15]})",
                reason="UNKNOWN_MERCHANT",
                response_code="03",
                http_status=400,
            )
        version = (form.get("keyVersion") or fields.get("keyVersion") or "").strip()
        if not version.isdigit() or int(version) != merchant.secret_key_version:
            raise _security_error(
                f"Security error: unknown keyVersion ({version[:10]}) for this shop",
                "UNKNOWN_KEY_VERSION",
            )
        algorithm = (form.get("SealAlgorithm") or "").strip().upper()
        if algorithm and algorithm not in sips2.SEAL_ALGORITHMS:
            raise _security_error(
                f"Security error: unknown SealAlgorithm ({algorithm[:20]})", "BAD_SEAL"
            )
        matched = sips2.seal_algorithm_matching(
            posted, given_seal, keys.decrypt(merchant.secret_key_encrypted), algorithm
        )
        if matched is None:
            raise _security_error(
                "Security error: the Seal does not match the shop's secret key", "BAD_SEAL"
            )
        digest = hashlib.sha256(text.encode()).hexdigest()
        known = _sips_response_known(merchant, digest)
        if known is not None:
            return known, False
        try:
            item = sips2.feed_item(fields)
            with transaction.atomic(durable=True):
                created = transaction_create(item=item, sips2=True, merchant=merchant)
                SipsResponse.objects.create(
                    transaction=created,
                    merchant=merchant,
                    data_digest=digest,
                    data=text,
                    interface_version=(form.get("InterfaceVersion") or "")[:30],
                    key_version=int(version),
                    seal_algorithm=matched,
                )
        except IntegrityError:
            # The same response, delivered twice at once: the other delivery stored it.
            known = _sips_response_known(merchant, digest)
            if known is None:
                raise
            return known, False
        except FeedError as error:
            if error.response_code == "94":
                known = _sips_response_known(merchant, digest)
                if known is not None:
                    return known, False
            raise sips2.reworded(error) from None
        return created, True
    except sips2.SipsRefused as refused:
        sips_refusal_count(reason=refused.reason, merchant_id=merchant_id)
        raise
    except FeedError as error:
        sips_refusal_count(reason=f"FORMAT_{error.response_code}", merchant_id=merchant_id)
        raise


def _sips_response_known(merchant: Merchant, digest: str) -> Transaction | None:
    found = list(
        SipsResponse.objects.filter(merchant=merchant, data_digest=digest).values_list(
            "transaction_id", flat=True
        )[:1]
    )
    if not found:
        return None
    return Transaction.objects.select_related("merchant").get(pk=found[0])
