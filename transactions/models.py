from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.sips import CARD_MASK_REGEX, TRANSACTION_ID_REGEX
from merchants.models import Merchant


class Status(models.TextChoices):
    """The 13 Sips states (Annexe Q); what may happen in each is transactions.lifecycle's."""

    TO_VALIDATE = "TO_VALIDATE", _("To validate")
    TO_REPLAY = "TO_REPLAY", _("To validate with a new authorisation")
    TO_AUTHORIZE = "TO_AUTHORIZE", _("Waiting for authorisation")
    WAITING_AUTHOR = "WAITING_AUTHOR", _("Authorisation in progress")
    REFERRAL = "REFERRAL", _("Waiting for forcing")
    TO_CAPTURE = "TO_CAPTURE", _("To capture")
    CAPTURED = "CAPTURED", _("Captured")
    TO_CREDIT = "TO_CREDIT", _("To credit")
    CREDITED = "CREDITED", _("Credited")
    CANCELLED = "CANCELLED", _("Cancelled")
    EXPIRED = "EXPIRED", _("Expired")
    REFUSED = "REFUSED", _("Refused")
    ENDED = "ENDED", _("Ended")


class CaptureMode(models.TextChoices):
    # Data dictionary, annexe V.
    AUTHOR_CAPTURE = "AUTHOR_CAPTURE", _("Authorisation and capture")
    VALIDATION = "VALIDATION", _("Validation")
    IMMEDIATE = "IMMEDIATE", _("Immediate capture")
    PAYMENT_N = "PAYMENT_N", _("Payment in instalments")


class AutomaticResponseStatus(models.TextChoices):
    # Annexe C, plus PENDING (ours): being delivered, retries not yet spent.
    SENT = "SENT", _("Sent")
    FAILED = "FAILED", _("Failed")
    UNDEFINED = "UNDEFINED", _("Undefined")
    PENDING = "PENDING", _("Being sent")


class Origin(models.TextChoices):
    FEED = "FEED", _("Payment server")
    DUPLICATION = "DUPLICATION", _("Duplication")


class Transaction(models.Model):
    """A payment as the payment server authorised (or refused) it, and what became of it.

    Key (Sips): merchant + payment_date (Paris) + transaction_id (6 digits, zero-padded).
    Amounts are integers in minor units of `currency_code` (ISO 4217 numeric).
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="transactions")
    transaction_id = models.CharField(_("transaction id"), max_length=6)
    payment_date = models.DateField(_("payment date"))
    payment_at = models.DateTimeField(_("payment time"))

    origin_amount = models.BigIntegerField(_("authorised amount"))
    amount = models.BigIntegerField(_("current amount"))
    captured_amount = models.BigIntegerField(_("captured amount"), default=0)
    # Refunds accepted (pending ones included); credited_amount: what remittances sent to the
    # bank of it. refunded − credited is the pending credit, sent at the next remittance.
    refunded_amount = models.BigIntegerField(_("refunded amount"), default=0)
    credited_amount = models.BigIntegerField(_("credited amount"), default=0)
    currency_code = models.CharField(_("currency"), max_length=3)

    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    capture_mode = models.CharField(
        _("capture mode"),
        max_length=16,
        choices=CaptureMode.choices,
        default=CaptureMode.AUTHOR_CAPTURE,
    )
    capture_day = models.PositiveSmallIntegerField(_("capture delay (days)"), default=0)
    capture_date = models.DateField(_("capture date"), null=True, blank=True)
    # The remittance that sends the pending credit (set by the first refund waiting for it).
    credit_date = models.DateField(_("credit date"), null=True, blank=True)

    payment_means = models.CharField(_("payment means"), max_length=20, blank=True)
    card_number = models.CharField(_("card number"), max_length=7, blank=True)
    response_code = models.CharField(_("response code"), max_length=2)
    bank_response_code = models.CharField(_("bank response code"), max_length=2, blank=True)
    cvv_flag = models.CharField(_("CVV flag"), max_length=1, blank=True)
    cvv_response_code = models.CharField(_("CVV response code"), max_length=2, blank=True)
    authorisation_id = models.CharField(_("authorisation id"), max_length=10, blank=True)
    complementary_code = models.CharField(_("complementary code"), max_length=2, blank=True)
    complementary_info = models.CharField(_("complementary info"), max_length=255, blank=True)
    payment_certificate = models.CharField(
        _("payment certificate"), max_length=12, blank=True, db_default=""
    )
    transaction_condition = models.CharField(
        _("authentication result"), max_length=64, blank=True, db_default=""
    )
    # 3-D Secure (data dictionary, annexe P).
    security_indicator = models.CharField(
        _("security indicator"), max_length=2, blank=True, db_default=""
    )
    mpi_cavv = models.CharField("CAVV", max_length=28, blank=True, db_default="")
    mpi_cavv_algorithm = models.CharField(
        _("CAVV algorithm"), max_length=1, blank=True, db_default=""
    )
    mpi_eci = models.CharField("ECI", max_length=2, blank=True, db_default="")
    mpi_tx_status = models.CharField(
        _("3-D Secure status"), max_length=1, blank=True, db_default=""
    )
    mpi_xid = models.CharField("XID", max_length=28, blank=True, db_default="")
    # Sips 2.0 responses (docs/sips.md).
    transaction_reference = models.CharField(
        _("transaction reference"), max_length=35, blank=True, db_default=""
    )
    holder_authent_status = models.CharField(
        _("cardholder authentication"), max_length=20, blank=True, db_default=""
    )
    guarantee_indicator = models.CharField(
        _("guarantee indicator"), max_length=1, blank=True, db_default=""
    )
    pan_expiry_date = models.CharField(
        _("card expiry (YYYYMM)"), max_length=6, blank=True, db_default=""
    )
    payment_mean_type = models.CharField(
        _("payment means type"), max_length=20, blank=True, db_default=""
    )

    customer_id = models.CharField(_("customer id"), max_length=19, blank=True)
    customer_email = models.CharField(_("customer e-mail"), max_length=128, blank=True)
    customer_ip_address = models.CharField(_("customer IP address"), max_length=19, blank=True)
    order_id = models.CharField(_("order id"), max_length=32, blank=True)
    caddie = models.CharField(_("caddie"), max_length=2048, blank=True)
    return_context = models.CharField(_("return context"), max_length=256, blank=True)
    data = models.CharField(_("data"), max_length=2048, blank=True, db_default="")
    receipt_complement = models.TextField(
        _("receipt complement"), max_length=3072, blank=True, db_default=""
    )
    merchant_country = models.CharField(
        _("merchant country"), max_length=2, blank=True, db_default=""
    )
    language = models.CharField(
        _("payment pages language"), max_length=2, blank=True, db_default=""
    )
    merchant_language = models.CharField(
        _("merchant language"), max_length=2, blank=True, db_default=""
    )
    order_validity = models.CharField(_("order validity"), max_length=2, blank=True, db_default="")
    transmission_at = models.DateTimeField(_("transmitted at"), null=True, blank=True)
    automatic_response_status = models.CharField(
        _("automatic response"),
        max_length=9,
        choices=AutomaticResponseStatus.choices,
        default=AutomaticResponseStatus.UNDEFINED,
    )

    origin = models.CharField(
        _("origin"), max_length=11, choices=Origin.choices, default=Origin.FEED
    )
    source = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        verbose_name=_("duplicated from"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "payment_date", "transaction_id"],
                name="transaction_id_once_per_shop_per_day",
            ),
            models.CheckConstraint(
                name="transaction_id_6_digits",
                condition=Q(transaction_id__regex=TRANSACTION_ID_REGEX),
            ),
            models.CheckConstraint(
                name="transaction_currency_3_digits",
                condition=Q(currency_code__regex=r"^[0-9]{3}$"),
            ),
            models.CheckConstraint(
                name="transaction_amounts_not_negative",
                condition=Q(
                    origin_amount__gte=0,
                    amount__gte=0,
                    captured_amount__gte=0,
                    refunded_amount__gte=0,
                    credited_amount__gte=0,
                ),
            ),
            models.CheckConstraint(
                name="transaction_amount_within_authorised",
                condition=Q(amount__lte=F("origin_amount")),
            ),
            models.CheckConstraint(
                name="transaction_captured_within_authorised",
                condition=Q(captured_amount__lte=F("origin_amount")),
            ),
            models.CheckConstraint(
                name="transaction_refunded_within_captured",
                condition=Q(refunded_amount__lte=F("captured_amount")),
            ),
            models.CheckConstraint(
                name="transaction_credited_within_refunded",
                condition=Q(credited_amount__lte=F("refunded_amount")),
            ),
            models.CheckConstraint(
                name="transaction_capture_day_0_99", condition=Q(capture_day__lte=99)
            ),
            models.CheckConstraint(
                name="transaction_card_number_masked",
                condition=Q(card_number="") | Q(card_number__regex=CARD_MASK_REGEX),
            ),
            models.CheckConstraint(
                name="transaction_status_valid", condition=Q(status__in=[s.value for s in Status])
            ),
            models.CheckConstraint(
                name="transaction_duplication_has_source",
                condition=Q(origin="FEED", source__isnull=True)
                | Q(origin="DUPLICATION", source__isnull=False),
            ),
        ]
        indexes = [
            # Search by number across days and shops (the unique key serves shop + day + number).
            models.Index(fields=["transaction_id"], name="transaction_by_number"),
            # Date-ordered lists, per shop and across the shops of a scope.
            models.Index(fields=["merchant", "payment_at", "id"], name="transaction_shop_by_time"),
            models.Index(fields=["payment_at", "id"], name="transaction_by_time"),
            # The nightly remittance's rows: only the few not yet final (partial, stays small).
            models.Index(
                fields=["status", "capture_date"],
                condition=Q(
                    status__in=[
                        "TO_CAPTURE",
                        "TO_VALIDATE",
                        "TO_REPLAY",
                        "TO_AUTHORIZE",
                        "WAITING_AUTHOR",
                        "REFERRAL",
                    ]
                ),
                name="transaction_remittance_due",
            ),
            # Search (docs/search.md): each criterion a merchant types alone has an index that also
            # yields rows in list order, so a first page reads ~25 rows, not every match.
            models.Index(
                fields=["transaction_id", "payment_at", "id"], name="transaction_number_by_time"
            ),
            models.Index(fields=["merchant", "transaction_id"], name="transaction_shop_number"),
            models.Index(
                fields=["merchant", "status", "payment_at", "id"],
                name="transaction_shop_status_time",
            ),
            # Across many shops (bank staff): recent rows are mostly TO_CAPTURE, so a status
            # filter on the time index alone would read a whole day before the first CAPTURED.
            models.Index(fields=["status", "payment_at", "id"], name="transaction_status_by_time"),
            # Pending credits, by the remittance that sends them.
            models.Index(
                fields=["status", "credit_date"],
                condition=Q(status="TO_CREDIT"),
                name="transaction_credit_due",
            ),
            # E-mail and customer id whatever their case (LOWER(column) = LOWER(value)), the
            # order reference by its start (LIKE 'CMD-2026%': a pattern_ops index on PostgreSQL,
            # whatever the database's collation; other databases ignore the operator class).
            models.Index(
                Lower("customer_email"), "payment_at", "id", name="transaction_email_ci_by_time"
            ),
            models.Index(
                fields=["order_id", "payment_at", "id"],
                opclasses=["varchar_pattern_ops", "timestamptz_ops", "int8_ops"],
                name="transaction_order_prefix",
            ),
            models.Index(Lower("customer_id"), "payment_at", "id", name="transaction_customer_ci"),
            # Sorting by amount (the only sort besides time) reads an index, never sorts a table.
            models.Index(fields=["merchant", "amount", "id"], name="transaction_shop_by_amount"),
            models.Index(fields=["amount", "id"], name="transaction_by_amount"),
            # The home page's failed automatic responses (docs/home.md): read live, and few.
            models.Index(
                fields=["merchant", "payment_date"],
                condition=Q(automatic_response_status="FAILED"),
                name="transaction_autoresp_failed",
            ),
        ]

    def __str__(self):
        return f"{self.merchant.merchant_id} {self.payment_date:%Y-%m-%d} {self.transaction_id}"

    def get_absolute_url(self):
        return reverse("transactions:detail", kwargs=self.sips_key())

    def sips_key(self) -> dict[str, str]:
        """The Sips key as the URLs and the API name it: merchant_id, payment_date, id."""
        return {
            "merchant_id": self.merchant.merchant_id,
            "payment_date": self.payment_date.isoformat(),
            "transaction_id": self.transaction_id,
        }


class DeliveryError(models.TextChoices):
    """Why one automatic-response attempt failed (the checklist of docs/sips.md reads these)."""

    NONE = "", _("None")
    DNS = "DNS", _("Host name does not resolve")
    FORBIDDEN_ADDRESS = "FORBIDDEN_ADDRESS", _("Address not on the public internet")
    REFUSED = "REFUSED", _("Connection refused")
    TLS = "TLS", _("TLS / certificate error")
    TIMEOUT = "TIMEOUT", _("Timed out")
    REDIRECT = "REDIRECT", _("Redirect")
    NON_2XX = "NON_2XX", _("Error status")
    NETWORK = "NETWORK", _("Network error")
    NO_URL = "NO_URL", _("No URL")


class AutomaticResponseAttempt(models.Model):
    """One post of a transaction's automatic response to the shop's URL: append-only."""

    transaction = models.ForeignKey(
        Transaction, on_delete=models.CASCADE, related_name="automatic_response_attempts"
    )
    # A resend starts a new round; `number` counts the attempts of a round from 0.
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    number = models.PositiveSmallIntegerField(_("attempt"), default=0)
    url = models.CharField(_("URL"), max_length=511)
    at = models.DateTimeField(_("when"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(
        _("error"), max_length=20, choices=DeliveryError.choices, blank=True, default=""
    )
    detail = models.CharField(_("detail"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("automatic response attempt")
        verbose_name_plural = _("automatic response attempts")
        indexes = [models.Index(fields=["transaction", "at"], name="autoresponse_attempt_by_tx")]
        constraints = [
            # A task delivered twice by the broker records its attempt once.
            models.UniqueConstraint(
                fields=["transaction", "round", "number"], name="autoresponse_attempt_once"
            )
        ]

    def __str__(self):
        return f"{self.transaction_id} {self.at:%Y-%m-%d %H:%M:%S} {self.http_status or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.http_status is not None and 200 <= self.http_status < 300


class SipsResponse(models.Model):
    """A Sips 2.0 automatic response as received: its Data kept whole, once (Sips retries)."""

    transaction = models.OneToOneField(
        Transaction, on_delete=models.CASCADE, related_name="sips_response"
    )
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    # SHA-256 of the decoded Data: the same response delivered again is recognised by it.
    data_digest = models.CharField(max_length=64)
    data = models.TextField()
    interface_version = models.CharField(max_length=30, blank=True)
    key_version = models.PositiveIntegerField()
    seal_algorithm = models.CharField(max_length=20)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "data_digest"], name="sips_response_once_per_shop"
            )
        ]

    def __str__(self):
        return f"Sips 2.0 response {self.data_digest[:12]}"


class SipsRefusal(models.Model):
    """How many Sips 2.0 responses were refused, per Paris day, reason and merchantId given."""

    day = models.DateField(_("day"))
    reason = models.CharField(_("reason"), max_length=30)
    merchant_id = models.CharField(_("merchant id"), max_length=15, blank=True)
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("refused Sips 2.0 responses")
        verbose_name_plural = _("refused Sips 2.0 responses")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "reason", "merchant_id"], name="sips_refusal_one_counter"
            )
        ]

    def __str__(self):
        return f"{self.day} {self.reason} {self.merchant_id}: {self.count}"


class ExportStatus(models.TextChoices):
    PENDING = "PENDING", _("Waiting")
    RUNNING = "RUNNING", _("Running")
    DONE = "DONE", _("Ready")
    FAILED = "FAILED", _("Failed")


class TransactionExport(models.Model):
    """A large CSV export built by a Celery job: for its owner only, until expires_at."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="transaction_exports"
    )
    # The search's query string, replayed by the job with the owner's scope at build time.
    query = models.TextField(blank=True)
    language = models.CharField(max_length=8, default="fr")
    # Where the site was reached when the export was asked for: the e-mail's link starts here.
    base_url = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=8, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    rows_expected = models.PositiveBigIntegerField(default=0)
    rows_done = models.PositiveBigIntegerField(default=0)
    file = models.FileField(upload_to="exports/", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="transaction_export_status_valid",
                condition=Q(status__in=[s.value for s in ExportStatus]),
            ),
        ]

    def __str__(self):
        return f"export {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        if not self.rows_expected:
            return 0
        return min(99, self.rows_done * 100 // self.rows_expected)
