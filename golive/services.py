"""Writes of going live: request, withdraw, approve, refuse, and the 10:00 switch.

The rules are golive.rules (the calendar) and selectors.has_authorised_preproduction_payment;
docs/go-live.md says them in full. Each write locks the shop's row, then the request's, so a
request, a decision and the switch on one shop run one after the other.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import PARIS
from merchants.models import AuditRecord, Merchant, User, is_bank_staff

from . import rules
from .models import NEXT_ENVIRONMENT, EnvironmentChange, GoLiveRequest
from .notify import golive_notify
from .selectors import (
    golive_may_request,
    golive_shops_visible_to,
    has_authorised_preproduction_payment,
)

logger = logging.getLogger(__name__)


class GoLiveRefused(Exception):
    """A go-live write refused; `message` in the user's words, `code` as the API answers it
    (12 invalid request, 24 incompatible with the request's state, 25 not found, 40 not allowed).
    """

    def __init__(self, message: str, *, code: str = "12"):
        super().__init__(message)
        self.message = str(message)
        self.code = code


def _notify_on_commit(request_pk: int, event: str) -> None:
    transaction.on_commit(lambda: golive_notify(request_pk=request_pk, event=event))


def _locked_shop(*, actor: User, merchant_pk: int) -> Merchant:
    if not golive_shops_visible_to(user=actor).filter(pk=merchant_pk).exists():
        raise GoLiveRefused(_("Shop not found."), code="25")
    return Merchant.objects.select_for_update().get(pk=merchant_pk)


def golive_request(
    *,
    actor: User,
    merchant_pk: int,
    environment: str,
    switch_date: dt.date,
    now: dt.datetime | None = None,
) -> GoLiveRequest:
    """A USER_ADMIN of the shop (or bank staff) asks for the shop's next environment on a day
    the rules allow (docs/go-live.md); one request in progress per shop. Nothing is saved if
    any rule refuses it."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        merchant = _locked_shop(actor=actor, merchant_pk=merchant_pk)
        if not golive_may_request(user=actor, merchant=merchant):
            raise GoLiveRefused(
                _("Only a user administrator of the shop or the bank may ask to go live."),
                code="40",
            )
        step = NEXT_ENVIRONMENT.get(merchant.environment)
        if step is None:
            raise GoLiveRefused(_("This shop is in production already."), code="24")
        if environment != step:
            raise GoLiveRefused(
                _("From %(current)s the next step is %(next)s.")
                % {
                    "current": Merchant.Environment(merchant.environment).label,
                    "next": Merchant.Environment(step).label,
                }
            )
        if GoLiveRequest.objects.filter(merchant=merchant, status__in=GoLiveRequest.OPEN).exists():
            raise GoLiveRefused(
                _("This shop has a go-live request in progress already: withdraw it first."),
                code="24",
            )
        refusal = rules.date_refusal(switch_date, now=now)
        if refusal:
            raise GoLiveRefused(
                _("%(refusal)s The first possible day is %(next)s.")
                % {
                    "refusal": refusal,
                    "next": rules.next_allowed_day(now=now).isoformat(),
                }
            )
        if environment == Merchant.Environment.PRODUCTION and not (
            has_authorised_preproduction_payment(merchant=merchant)
        ):
            raise GoLiveRefused(str(rules.RULE_PAYMENT))
        try:
            with transaction.atomic():
                request = GoLiveRequest.objects.create(
                    merchant=merchant,
                    from_environment=merchant.environment,
                    environment=environment,
                    switch_date=switch_date,
                    requested_by=actor,
                    requested_by_username=actor.get_username(),
                    requested_at=now,
                )
        except IntegrityError:
            raise GoLiveRefused(
                _("This shop has a go-live request in progress already: withdraw it first."),
                code="24",
            ) from None
        _notify_on_commit(request.pk, "RECEIVED")
    logger.info("go-live %s requested: %s", request.pk, request)
    return request


def _locked_request(*, actor: User, request_pk: int) -> GoLiveRequest:
    """The request, its shop's row then its own locked; outside the actor's scope: not found."""
    merchant_pk = (
        GoLiveRequest.objects.filter(
            pk=request_pk, merchant__in=golive_shops_visible_to(user=actor)
        )
        .values_list("merchant_id", flat=True)
        .first()
    )
    if merchant_pk is None:
        raise GoLiveRefused(_("Go-live request not found."), code="25")
    Merchant.objects.select_for_update().get(pk=merchant_pk)
    return GoLiveRequest.objects.select_for_update().select_related("merchant").get(pk=request_pk)


def golive_withdraw(
    *, actor: User, request_pk: int, now: dt.datetime | None = None
) -> GoLiveRequest:
    """The shop's USER_ADMIN (or bank staff) withdraws a request the bank has not approved."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        request = _locked_request(actor=actor, request_pk=request_pk)
        if not golive_may_request(user=actor, merchant=request.merchant):
            raise GoLiveRefused(
                _("Only a user administrator of the shop or the bank may withdraw it."), code="40"
            )
        if request.status != GoLiveRequest.Status.PENDING:
            raise GoLiveRefused(
                _("Only a request waiting for the bank can be withdrawn; this one is %(status)s.")
                % {"status": request.get_status_display()},
                code="24",
            )
        request.status = GoLiveRequest.Status.WITHDRAWN
        request.decided_by = actor
        request.decided_by_username = actor.get_username()
        request.decided_at = now
        request.save(update_fields=["status", "decided_by", "decided_by_username", "decided_at"])
        _notify_on_commit(request.pk, "WITHDRAWN")
    return request


def _require_bank(actor: User) -> None:
    if not is_bank_staff(actor):
        raise GoLiveRefused(_("Only bank staff approve or refuse a go-live."), code="40")


def golive_approve(
    *, actor: User, request_pk: int, now: dt.datetime | None = None
) -> GoLiveRequest:
    """Bank staff approve a pending request before its 10:00; production is checked again."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        request = _locked_request(actor=actor, request_pk=request_pk)
        _require_bank(actor)
        if request.status != GoLiveRequest.Status.PENDING:
            raise GoLiveRefused(
                _("Only a request waiting for the bank can be approved; this one is %(status)s.")
                % {"status": request.get_status_display()},
                code="24",
            )
        if now >= rules.switch_at(request.switch_date):
            raise GoLiveRefused(
                _("Its go-live time (%(date)s 10:00) has passed: the shop asks for a new date.")
                % {"date": request.switch_date.isoformat()},
                code="24",
            )
        if request.merchant.environment != request.from_environment:
            raise GoLiveRefused(_("The shop is no longer in the environment it left."), code="24")
        if request.environment == Merchant.Environment.PRODUCTION and not (
            has_authorised_preproduction_payment(merchant=request.merchant)
        ):
            raise GoLiveRefused(str(rules.RULE_PAYMENT))
        request.status = GoLiveRequest.Status.APPROVED
        request.decided_by = actor
        request.decided_by_username = actor.get_username()
        request.decided_at = now
        request.save(update_fields=["status", "decided_by", "decided_by_username", "decided_at"])
        _notify_on_commit(request.pk, "APPROVED")
    return request


def golive_refuse(
    *, actor: User, request_pk: int, reason: str, now: dt.datetime | None = None
) -> GoLiveRequest:
    """Bank staff refuse a pending request, saying why."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic(durable=True):
        request = _locked_request(actor=actor, request_pk=request_pk)
        _require_bank(actor)
        if not reason:
            raise GoLiveRefused(_("Say why the request is refused."))
        if request.status != GoLiveRequest.Status.PENDING:
            raise GoLiveRefused(
                _("Only a request waiting for the bank can be refused; this one is %(status)s.")
                % {"status": request.get_status_display()},
                code="24",
            )
        request.status = GoLiveRequest.Status.REFUSED
        request.reason = reason[:2000]
        request.decided_by = actor
        request.decided_by_username = actor.get_username()
        request.decided_at = now
        request.save(
            update_fields=["status", "reason", "decided_by", "decided_by_username", "decided_at"]
        )
        _notify_on_commit(request.pk, "REFUSED")
    return request


# ---------------------------------------------------------------- the 10:00 switch


@dataclass
class RunReport:
    switched: list[GoLiveRequest] = field(default_factory=list)
    expired: list[GoLiveRequest] = field(default_factory=list)


def golive_switch(*, request_pk: int, now: dt.datetime) -> GoLiveRequest | None:
    """Carry out one approved request due now: the shop's environment changes, its timeline and
    the audit history record it, in one DB transaction. Exactly once: a request no longer
    APPROVED, or not due yet (never before 10:00 Paris on its day), is left alone (→ None)."""
    with transaction.atomic(durable=True):
        merchant_pk = (
            GoLiveRequest.objects.filter(pk=request_pk).values_list("merchant_id", flat=True).get()
        )
        merchant = Merchant.objects.select_for_update().get(pk=merchant_pk)
        request = GoLiveRequest.objects.select_for_update().get(pk=request_pk)
        due_at = rules.switch_at(request.switch_date)
        if (
            request.status != GoLiveRequest.Status.APPROVED
            or now < due_at
            or now.astimezone(PARIS).date() != request.switch_date
            or merchant.environment != request.from_environment
        ):
            return None
        merchant.environment = request.environment
        merchant.save(update_fields=["environment"])
        late = int((now - due_at).total_seconds())
        request.status = GoLiveRequest.Status.DONE
        request.done_at = now
        request.late_by_seconds = late
        request.save(update_fields=["status", "done_at", "late_by_seconds"])
        EnvironmentChange.objects.create(
            merchant=merchant,
            from_environment=request.from_environment,
            environment=request.environment,
            at=now,
            request=request,
            requested_by_username=request.requested_by_username,
            approved_by_username=request.decided_by_username,
        )
        AuditRecord.objects.create(
            actor=None,
            actor_username=f"go-live #{request.pk} ({request.decided_by_username})"[:150],
            at=now,
            action=AuditRecord.Action.CHANGE,
            object_type=merchant._meta.label_lower,
            object_id=str(merchant.pk),
            object_repr=str(merchant)[:200],
            field="environment",
            old_value=request.from_environment,
            new_value=request.environment,
        )
        _notify_on_commit(request.pk, "DONE")
    if late >= 60:
        logger.warning(
            "go-live %s carried out LATE by %d s (due %s): %s",
            request.pk,
            late,
            due_at.isoformat(),
            request,
        )
    else:
        logger.info("go-live %s carried out: %s", request.pk, request)
    return request


def _expire(*, request_pk: int, now: dt.datetime) -> GoLiveRequest | None:
    with transaction.atomic(durable=True):
        request = GoLiveRequest.objects.select_for_update().get(pk=request_pk)
        if request.status not in GoLiveRequest.OPEN:
            return None
        request.status = GoLiveRequest.Status.EXPIRED
        request.save(update_fields=["status"])
        _notify_on_commit(request.pk, "EXPIRED")
    logger.error("go-live %s expired without a switch: %s", request.pk, request)
    return request


def golive_run(*, now: dt.datetime | None = None) -> RunReport:
    """What beat runs at 10:00 Paris (and again until the evening, to catch up after a worker
    outage): switch every approved request of today once 10:00 has come; a request whose day
    went by, or still waiting for the bank past its 10:00, expires. Safe to run any number of
    times: a request is switched at most once and never before its day's 10:00."""
    now = now or timezone.now()
    today = now.astimezone(PARIS).date()
    report = RunReport()
    due = GoLiveRequest.objects.filter(
        status=GoLiveRequest.Status.APPROVED, switch_date=today
    ).order_by("pk")
    if now >= rules.switch_at(today):
        for pk in due.values_list("pk", flat=True):
            done = golive_switch(request_pk=pk, now=now)
            if done is not None:
                report.switched.append(done)
    stale = GoLiveRequest.objects.filter(
        status=GoLiveRequest.Status.APPROVED, switch_date__lt=today
    ).values_list("pk", flat=True)
    waiting = GoLiveRequest.objects.filter(
        status=GoLiveRequest.Status.PENDING, switch_date__lte=today
    ).values_list("pk", "switch_date")
    for pk in stale:
        expired = _expire(request_pk=pk, now=now)
        if expired is not None:
            report.expired.append(expired)
    for pk, day in waiting:
        if now >= rules.switch_at(day):
            expired = _expire(request_pk=pk, now=now)
            if expired is not None:
                report.expired.append(expired)
    return report
