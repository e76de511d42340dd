from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merchants.models import Merchant
from transactions.models import Status, Transaction


class OperationKind(models.TextChoices):
    """The operation codes of Annexe N (transactions.lifecycle says where each is possible)."""

    VALIDATE = "VALIDATE", _("Validation")
    CANCEL = "CANCEL", _("Cancellation")
    CREDIT = "CREDIT", _("Refund")
    ADVICE = "ADVICE", _("Forcing")
    DUPLICATE = "DUPLICATE", _("Duplication")
    DEBIT_CAPTURE = "DEBIT_CAPTURE", _("Sent to the bank (debit)")
    CREDIT_CAPTURE = "CREDIT_CAPTURE", _("Sent to the bank (credit)")
    EXPIRED = "EXPIRED", _("Expiry")
    AUTHOR_BATCH = "AUTHOR_BATCH", _("Taken for authorisation")
    AUTHOR = "AUTHOR", _("Automatic authorisation")


class OperationChannel(models.TextChoices):
    """Who did it: a person on the web, an API client, or the nightly batch."""

    WEB = "WEB", _("Web")
    API = "API", _("API")
    BATCH = "BATCH", _("Nightly batch")


# Sips ans..20 with `| ; : "` forbidden (the merchant's label of an operation).
ORIGIN_MAX_LENGTH = 20
# The person's reason for an operation, kept with it (shown on the detail and the list).
REASON_MAX_LENGTH = 200


class Remittance(models.Model):
    """One shop's evening remittance (remise) in one currency: what was sent for the bank to
    debit (DEBIT_CAPTURE) and to credit (CREDIT_CAPTURE). Its lines are those operations."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="remittances")
    remittance_date = models.DateField(_("remittance date"))
    currency_code = models.CharField(_("currency"), max_length=3)
    debit_count = models.PositiveIntegerField(_("debits"), default=0)
    debit_amount = models.BigIntegerField(_("debited amount"), default=0)
    credit_count = models.PositiveIntegerField(_("credits"), default=0)
    credit_amount = models.BigIntegerField(_("credited amount"), default=0)
    # DEMO and PRE_PRODUCTION shops' remittances reach no bank (docs/remittances.md).
    sent_to_bank = models.BooleanField(_("sent to the bank"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("remittance")
        verbose_name_plural = _("remittances")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "remittance_date", "currency_code"],
                name="remittance_once_per_shop_day_currency",
            ),
            models.CheckConstraint(
                name="remittance_totals_not_negative",
                condition=Q(debit_amount__gte=0, credit_amount__gte=0),
            ),
        ]
        indexes = [
            models.Index(fields=["remittance_date", "id"], name="remittance_by_date"),
        ]

    def __str__(self):
        return f"{self.merchant_id} {self.remittance_date} {self.currency_code}"


class Operation(models.Model):
    """One cash-management operation on a transaction, accepted or refused: append-only."""

    Kind = OperationKind
    Channel = OperationChannel

    transaction = models.ForeignKey(
        Transaction, on_delete=models.PROTECT, related_name="operations"
    )
    # The shop, kept on the row so that journals and scoped lists need no join.
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="operations")
    kind = models.CharField(_("operation"), max_length=14, choices=OperationKind.choices)
    amount = models.BigIntegerField(_("amount"))
    currency_code = models.CharField(_("currency"), max_length=3)
    response_code = models.CharField(_("response code"), max_length=2)
    status_before = models.CharField(_("status before"), max_length=16, choices=Status.choices)
    status_after = models.CharField(_("status after"), max_length=16, choices=Status.choices)
    channel = models.CharField(_("channel"), max_length=5, choices=OperationChannel.choices)
    # The merchant's own label of the operation, given through the API (ans..20).
    origin = models.CharField(_("origin"), max_length=ORIGIN_MAX_LENGTH, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="operations",
        verbose_name=_("user"),
    )
    # For a duplication: the transaction it created.
    new_transaction = models.ForeignKey(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # For DEBIT_CAPTURE and CREDIT_CAPTURE: the remittance that sent it (one of its lines).
    remittance = models.ForeignKey(
        Remittance, null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
    message = models.CharField(_("message"), max_length=255, blank=True)
    reason = models.CharField(_("reason"), max_length=REASON_MAX_LENGTH, blank=True, default="")
    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("operation")
        verbose_name_plural = _("operations")
        constraints = [
            models.CheckConstraint(
                name="operation_amount_not_negative", condition=Q(amount__gte=0)
            ),
            models.CheckConstraint(
                name="operation_kind_valid", condition=Q(kind__in=[k.value for k in OperationKind])
            ),
            models.CheckConstraint(
                name="operation_channel_valid",
                condition=Q(channel__in=[o.value for o in OperationChannel]),
            ),
            models.CheckConstraint(
                name="operation_response_code_2_digits",
                condition=Q(response_code__regex=r"^[0-9]{2}$"),
            ),
            models.CheckConstraint(
                name="operation_batch_has_no_user",
                condition=~Q(channel="BATCH") | Q(user__isnull=True),
            ),
            models.CheckConstraint(
                name="operation_remittance_line_is_a_capture",
                condition=Q(remittance__isnull=True)
                | Q(kind__in=["DEBIT_CAPTURE", "CREDIT_CAPTURE"]),
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "created_at", "id"], name="operation_shop_by_time"),
        ]

    def __str__(self):
        return f"{self.kind} {self.amount} {self.response_code}"

    def save(self, *args, **kwargs):
        # Append-only: an operation, once recorded, is history.
        if self.pk is not None and not self._state.adding:
            raise ValidationError("An operation is never changed once recorded.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("An operation is never deleted.")


class IdempotencyKey(models.Model):
    """A request a client tagged with an Idempotency-Key (or a web form's one-time token): the
    first answer is kept and replayed, so a retried or double-submitted operation runs once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=255)
    # sha256 of what the request asked (method, path, body): the same key with another → 422.
    fingerprint = models.CharField(max_length=64)
    # Empty while the first request is still being answered.
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]

    def __str__(self):
        return f"{self.user_id} {self.key}"
