"""A shop's way to production: its go-live requests and the history of its environments.

The rules a request must follow are in golive.rules (docs/go-live.md); the writes in
golive.services. The shop's current environment stays on merchants.Merchant.environment.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from merchants.models import Merchant

Environment = Merchant.Environment

# The one step a request may ask for from each environment (docs/go-live.md).
NEXT_ENVIRONMENT: dict[str, str] = {
    Environment.DEMO: Environment.PRE_PRODUCTION,
    Environment.PRE_PRODUCTION: Environment.PRODUCTION,
}


class GoLiveRequest(models.Model):
    """A request to move a shop one step on (DEMO → PRE_PRODUCTION → PRODUCTION) on a date."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("Waiting for the bank")
        APPROVED = "APPROVED", _("Approved")
        REFUSED = "REFUSED", _("Refused")
        WITHDRAWN = "WITHDRAWN", _("Withdrawn")
        DONE = "DONE", _("Done")
        # Its day went by without the switch (not approved in time, or no worker all day).
        EXPIRED = "EXPIRED", _("Expired")

    # A request still in progress: at most one per shop.
    OPEN = (Status.PENDING, Status.APPROVED)

    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="golive_requests", verbose_name=_("shop")
    )
    from_environment = models.CharField(
        _("from"), max_length=16, choices=Environment.choices, editable=False
    )
    environment = models.CharField(_("to"), max_length=16, choices=Environment.choices)
    switch_date = models.DateField(_("go-live date"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_by_username = models.CharField(max_length=150, blank=True)
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_by_username = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    done_at = models.DateTimeField(_("switched at"), null=True, blank=True)
    # How long after 10:00 Paris the switch was made (a worker down at 10:00): seconds.
    late_by_seconds = models.PositiveIntegerField(_("late by (seconds)"), null=True, blank=True)

    class Meta:
        verbose_name = _("go-live request")
        verbose_name_plural = _("go-live requests")
        indexes = [
            models.Index(fields=["status", "switch_date"], name="golive_due"),
            models.Index(fields=["merchant", "-requested_at"], name="golive_shop_history"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant"],
                condition=Q(status__in=["PENDING", "APPROVED"]),
                name="golive_one_open_request_per_shop",
            ),
            models.CheckConstraint(
                name="golive_status_valid",
                condition=Q(
                    status__in=["PENDING", "APPROVED", "REFUSED", "WITHDRAWN", "DONE", "EXPIRED"]
                ),
            ),
            models.CheckConstraint(
                name="golive_one_step_on",
                condition=Q(from_environment="DEMO", environment="PRE_PRODUCTION")
                | Q(from_environment="PRE_PRODUCTION", environment="PRODUCTION"),
            ),
            models.CheckConstraint(
                name="golive_refusal_has_reason",
                condition=~Q(status="REFUSED") | ~Q(reason=""),
            ),
            models.CheckConstraint(
                name="golive_done_has_time", condition=~Q(status="DONE") | Q(done_at__isnull=False)
            ),
        ]

    def __str__(self):
        return f"{self.merchant.merchant_id} → {self.environment} {self.switch_date}"


class EnvironmentChange(models.Model):
    """One change of a shop's environment, append-only: the shop's timeline."""

    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.CASCADE,
        related_name="environment_changes",
        verbose_name=_("shop"),
    )
    from_environment = models.CharField(_("from"), max_length=16, choices=Environment.choices)
    environment = models.CharField(_("to"), max_length=16, choices=Environment.choices)
    at = models.DateTimeField(_("when"))
    request = models.OneToOneField(
        GoLiveRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="change",
        verbose_name=_("request"),
    )
    # Who asked and who approved, kept as written (the accounts may go later).
    requested_by_username = models.CharField(_("requested by"), max_length=150, blank=True)
    approved_by_username = models.CharField(_("approved by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("environment change")
        verbose_name_plural = _("environment changes")
        indexes = [models.Index(fields=["merchant", "at"], name="environment_change_shop_at")]

    def __str__(self):
        return f"{self.merchant.merchant_id} {self.from_environment} → {self.environment}"
