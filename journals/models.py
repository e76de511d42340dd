"""Daily journals: what was built for a shop, its seal, delivery state, and records held.

Membership lives here, not on Transaction / Operation (apps import downward only): one line per
record with a UNIQUE constraint on the record, so the database itself refuses a record in two
journals of the same kind.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from merchants.models import Merchant
from operations.models import Operation
from transactions.models import Transaction


class JournalKind(models.TextChoices):
    TRANSACTIONS = "TRANSACTIONS", _("Transactions")
    OPERATIONS = "OPERATIONS", _("Operations")


class JournalState(models.TextChoices):
    BUILT = "BUILT", _("Built")
    SENDING = "SENDING", _("Sending")
    SENT = "SENT", _("Sent")
    FAILED = "FAILED", _("Failed")


class JournalCursor(models.Model):
    """Per shop and kind: the row a build locks (an upsert, INSERT … ON CONFLICT DO UPDATE) for
    its whole length, so builds of one shop and kind never interleave."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=JournalKind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "kind"], name="journal_cursor_once"),
        ]

    def __str__(self):
        return f"{self.merchant_id} {self.kind}"


class Journal(models.Model):
    """One journal file of one shop: sealed at build, never rebuilt, sent by e-mail."""

    Kind = JournalKind
    State = JournalState

    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="journals", verbose_name=_("shop")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=JournalKind.choices)
    sequence = models.PositiveIntegerField(_("sequence number"))
    journal_date = models.DateField(_("journal date"))
    generated_at = models.DateTimeField(_("generated at"))
    filename = models.CharField(_("file name"), max_length=100)
    content = models.TextField(editable=False)
    record_count = models.PositiveIntegerField(_("records"))
    # currency_code → total of the amount column, minor units (as on the file's last line).
    totals = models.JSONField(_("totals"), default=dict)
    # Highest record id the build saw: where later builds start their catch-up scan.
    max_record_id = models.BigIntegerField(default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    seal = models.CharField(_("HMAC-SHA256 seal"), max_length=64)
    secret_key_version = models.PositiveIntegerField(_("secret key version"))

    state = models.CharField(
        _("state"), max_length=8, choices=JournalState.choices, default=JournalState.BUILT
    )
    recipient = models.EmailField(_("sent to"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # A send was interrupted after SMTP may have accepted it: only a person resends it.
    delivery_uncertain = models.BooleanField(_("delivery uncertain"), default=False)

    class Meta:
        verbose_name = _("journal")
        verbose_name_plural = _("journals")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "kind", "sequence"], name="journal_sequence_once"
            ),
            models.UniqueConstraint(
                fields=["merchant", "kind", "journal_date"], name="journal_once_per_day"
            ),
            models.CheckConstraint(
                name="journal_kind_valid", condition=Q(kind__in=[k.value for k in JournalKind])
            ),
            models.CheckConstraint(
                name="journal_state_valid",
                condition=Q(state__in=[s.value for s in JournalState]),
            ),
            models.CheckConstraint(name="journal_sequence_from_1", condition=Q(sequence__gte=1)),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="journal_delivery_due"),
            models.Index(fields=["journal_date", "id"], name="journal_by_date"),
        ]

    def __str__(self):
        return f"{self.merchant.merchant_id} {self.kind} #{self.sequence:06d} {self.journal_date}"


class JournalTransaction(models.Model):
    """A transaction's place in its (one) transactions journal."""

    # No database FOREIGN KEY to the journal either: one check per line at COMMIT (a million a
    # night) for a row written by the same DB transaction as its lines; journals are never
    # deleted.
    journal = models.ForeignKey(
        Journal, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    # No database FOREIGN KEY: its check would lock (FOR KEY SHARE) every journaled transaction
    # at COMMIT, a third of a build's time, and block operations on them meanwhile. Transactions
    # are never deleted (PROTECT still guards that in Django); the UNIQUE index stays.
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )

    def __str__(self):
        return f"{self.journal_id}:{self.transaction_id}"


class JournalOperation(models.Model):
    """An operation's place in its (one) operations journal."""

    journal = models.ForeignKey(
        Journal, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    # No database FOREIGN KEY, as above; operations are append-only and never deleted.
    operation = models.OneToOneField(
        Operation, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )

    def __str__(self):
        return f"{self.journal_id}:{self.operation_id}"
