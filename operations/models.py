from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merchants.models import Merchant
from transactions.models import Status, Transaction


class OperationKind(models.TextChoices):
    VALIDATE = "VALIDATE", _("Validation")
    CANCEL = "CANCEL", _("Cancellation")
    REFUND = "REFUND", _("Refund")
    DUPLICATE = "DUPLICATE", _("Duplication")
    CAPTURE = "CAPTURE", _("Capture")
    CREDIT = "CREDIT", _("Credit")
    EXPIRE = "EXPIRE", _("Expiry")


class OperationOrigin(models.TextChoices):
    WEB = "WEB", _("Web")
    API = "API", _("API")
    BATCH = "BATCH", _("Nightly batch")


class Operation(models.Model):
    """One cash-management operation on a transaction, accepted or refused: append-only."""

    Kind = OperationKind
    Origin = OperationOrigin

    transaction = models.ForeignKey(
        Transaction, on_delete=models.PROTECT, related_name="operations"
    )
    # The shop, kept on the row so that journals and scoped lists need no join.
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="operations")
    kind = models.CharField(_("operation"), max_length=9, choices=OperationKind.choices)
    amount = models.BigIntegerField(_("amount"))
    currency_code = models.CharField(_("currency"), max_length=3)
    response_code = models.CharField(_("response code"), max_length=2)
    status_before = models.CharField(_("status before"), max_length=16, choices=Status.choices)
    status_after = models.CharField(_("status after"), max_length=16, choices=Status.choices)
    origin = models.CharField(_("origin"), max_length=5, choices=OperationOrigin.choices)
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
    message = models.CharField(_("message"), max_length=255, blank=True)
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
                name="operation_origin_valid",
                condition=Q(origin__in=[o.value for o in OperationOrigin]),
            ),
            models.CheckConstraint(
                name="operation_response_code_2_digits",
                condition=Q(response_code__regex=r"^[0-9]{2}$"),
            ),
            models.CheckConstraint(
                name="operation_batch_has_no_user",
                condition=~Q(origin="BATCH") | Q(user__isnull=True),
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
