from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.sips import MERCHANT_ID_REGEX


def is_bank_staff(user) -> bool:
    """The one bank-staff check: an active, logged-in account with the bank-staff flag (never
    Django's is_staff)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and getattr(user, "is_bank_staff", False)
    )


class User(AbstractUser):
    """A person (merchant or bank staff) or a machine account (the payment server)."""

    is_bank_staff = models.BooleanField(
        _("bank staff"), default=False, help_text=_("Manages every shop, its users and settings.")
    )
    is_payment_server = models.BooleanField(
        _("payment server"),
        default=False,
        help_text=_("May feed transactions through the API, and nothing else."),
    )
    language = models.CharField(_("language"), max_length=8, blank=True, choices=settings.LANGUAGES)
    # The transaction list's columns this person chose (transactions.tables); empty: all of them.
    list_columns = models.JSONField(_("transaction list columns"), default=list, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="user_payment_server_has_no_other_right",
                condition=Q(is_payment_server=False)
                | Q(is_bank_staff=False, is_staff=False, is_superuser=False),
            ),
            # One account per e-mail address, whatever its case: people log in with it.
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_ci",
                condition=~Q(email=""),
                violation_error_message=_("Another account already uses this e-mail address."),
            ),
        ]


class Merchant(models.Model):
    """A shop ("boutique"): what the payment server knows by its merchant_id."""

    class Country(models.TextChoices):
        FR = "fr", _("France")
        BE = "be", _("Belgium")
        DE = "de", _("Germany")
        IT = "it", _("Italy")
        ES = "es", _("Spain")
        EN = "en", _("United Kingdom")

    class Environment(models.TextChoices):
        DEMO = "DEMO", _("Demo")
        PRE_PRODUCTION = "PRE_PRODUCTION", _("Pre-production")
        PRODUCTION = "PRODUCTION", _("Production")

    merchant_id = models.CharField(_("merchant id"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=100)
    country = models.CharField(
        _("country"), max_length=2, choices=Country.choices, default=Country.FR
    )
    environment = models.CharField(
        _("environment"), max_length=16, choices=Environment.choices, default=Environment.DEMO
    )
    journal_email = models.EmailField(_("journal e-mail address"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    two_factor_required = models.BooleanField(
        _("two-factor authentication required"),
        default=False,
        help_text=_("Every user with a role on this shop must log in with a one-time code."),
    )
    # The shop's secret key ("certificate", docs/domain.md "Shops"), Fernet-encrypted; see
    # merchants.keys.
    secret_key_encrypted = models.TextField(editable=False, blank=True)
    secret_key_version = models.PositiveIntegerField(_("secret key version"), default=0)
    encryption_key_id = models.CharField(max_length=32, editable=False, blank=True)
    # Where each new transaction's Sips 2.0 automatic response is posted (docs/sips.md).
    automatic_response_url = models.URLField(
        _("automatic response URL"),
        max_length=511,
        blank=True,
        db_default="",
        help_text=_("Each new transaction is posted there, sealed with the shop's secret key."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        constraints = [
            models.CheckConstraint(
                name="merchant_id_1_to_15_digits", condition=Q(merchant_id__regex=MERCHANT_ID_REGEX)
            ),
            models.CheckConstraint(
                name="merchant_environment_valid",
                condition=Q(environment__in=["DEMO", "PRE_PRODUCTION", "PRODUCTION"]),
            ),
        ]

    def __str__(self):
        return f"{self.merchant_id} {self.name}"

    def clean(self):
        super().clean()
        url = self.automatic_response_url
        if (
            isinstance(url, str)  # a new shop's is the database's default (empty) until saved
            and url
            and self.environment == self.Environment.PRODUCTION
            and not url.lower().startswith("https://")
        ):
            raise ValidationError(
                {"automatic_response_url": _("A shop in production needs an https:// URL.")}
            )


class PaymentMeans(models.Model):
    """A payment means enabled for a shop, with the acquirer contract that carries it
    (docs/domain.md "Shops")."""

    class Means(models.TextChoices):
        # Sips data dictionary, annexe E (accepted cards), then later brands shops use.
        CB = "CB", "CB"
        VISA = "VISA", "Visa"
        MASTERCARD = "MASTERCARD", "Mastercard"
        AMEX = "AMEX", "American Express"
        FINAREF = "FINAREF", "Finaref"
        FNAC = "FNAC", "Fnac"
        CYRILLUS = "CYRILLUS", "Cyrillus"
        PRINTEMPS = "PRINTEMPS", "Printemps"
        KANGOUROU = "KANGOUROU", "Kangourou"
        SURCOUF = "SURCOUF", "Surcouf"
        POCKETCARD = "POCKETCARD", "Pocketcard"
        CONFORAMA = "CONFORAMA", "Conforama"
        NUITEA = "NUITEA", "Nuitea"
        AURORE = "AURORE", "Aurore"
        PASS = "PASS", "Pass"
        PASS2 = "PASS2", "Pass2"
        PASS3FOIS = "PASS3FOIS", "Pass 3 fois"
        CBPASS = "CBPASS", "CB Pass"
        PEUGEOT = "PEUGEOT", "Peugeot"
        COFINOGA = "COFINOGA", "Cofinoga"
        ACCORD = "ACCORD", "Accord"
        FRANFINANCE = "FRANFINANCE", "Pluriel (Franfinance)"
        EUROCOM = "1EUROCOM", "1euro.com"
        ETOILES = "4ETOILES", "4 étoiles"
        COFIDIS_3X = "COFIDIS_3X", "Cofidis 3x"
        PROFILPLUS = "PROFILPLUS", "Profil Plus"
        LIBRAVOU = "LIBRAVOU", "Libravou"
        JCB = "JCB", "JCB"
        DINERS = "DINERS", "Diners"
        SOLO = "SOLO", "Solo"
        SWITCH = "SWITCH", "Switch"
        DELTA = "DELTA", "Delta"
        BANCONTACTMISTERCASH = "BANCONTACTMISTERCASH", "Bancontact/Mister Cash"
        PAYLIB = "PAYLIB", "Paylib"
        MAESTRO = "MAESTRO", "Maestro"
        VPAY = "VPAY", "V PAY"
        ECARD = "E-CARD", "e-Carte Bleue"

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="payment_means")
    means = models.CharField(_("payment means"), max_length=20, choices=Means.choices)
    contract_number = models.CharField(_("contract number"), max_length=20)
    # ISO 4217 numeric codes the contract accepts, space-separated (docs/sips.md: a currency outside
    # the contract is an "Invalid Transaction", response code 12).
    currencies = models.CharField(
        _("currencies"),
        max_length=200,
        default="978",
        validators=[
            RegexValidator(
                r"^[0-9]{3}( [0-9]{3})*$",
                _("ISO 4217 numeric codes separated by spaces, e.g. 978 840."),
            )
        ],
        help_text=_("ISO 4217 numeric codes separated by spaces, e.g. 978 840."),
    )

    class Meta:
        verbose_name = _("payment means")
        verbose_name_plural = _("payment means")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "means"], name="payment_means_once_per_shop"
            )
        ]

    def __str__(self):
        return f"{self.means} ({self.contract_number})"

    def currency_codes(self) -> frozenset[str]:
        return frozenset(self.currencies.split())


class MerchantGroup(models.Model):
    """A named set of shops that one access can cover."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    merchants = models.ManyToManyField(Merchant, related_name="groups", blank=True)

    class Meta:
        verbose_name = _("group of shops")
        verbose_name_plural = _("groups of shops")

    def __str__(self):
        return self.name


class Access(models.Model):
    """One role of a user on one access point: a shop or a group of shops."""

    class Role(models.TextChoices):
        CONSULTER = "CONSULTER", _("Consulter")
        OPERATOR = "OPERATOR", _("Operator")
        USER_ADMIN = "USER_ADMIN", _("User administrator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="accesses"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    merchant = models.ForeignKey(
        Merchant, null=True, blank=True, on_delete=models.CASCADE, related_name="accesses"
    )
    group = models.ForeignKey(
        MerchantGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="accesses"
    )

    class Meta:
        verbose_name = _("access")
        verbose_name_plural = _("accesses")
        constraints = [
            models.CheckConstraint(
                name="access_on_a_shop_or_a_group",
                condition=Q(merchant__isnull=False, group__isnull=True)
                | Q(merchant__isnull=True, group__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "merchant"],
                condition=Q(merchant__isnull=False),
                name="access_role_once_per_shop",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "group"],
                condition=Q(group__isnull=False),
                name="access_role_once_per_group",
            ),
            models.CheckConstraint(
                name="access_role_valid",
                condition=Q(role__in=["CONSULTER", "OPERATOR", "USER_ADMIN"]),
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.role} {self.merchant or self.group}"


class AuditRecord(models.Model):
    """One change made in the bank staff console or by a user administrator: append-only.

    A change to several fields of one object is several rows sharing `at` and the actor.
    """

    class Action(models.TextChoices):
        CREATE = "CREATE", _("Created")
        CHANGE = "CHANGE", _("Changed")
        DELETE = "DELETE", _("Deleted")
        ROTATE_SECRET = "ROTATE_SECRET", _("Secret key rotated")
        LOCKOUT = "LOCKOUT", _("Locked out after failed logins")
        UNLOCK = "UNLOCK", _("Unlocked")
        TWO_FACTOR_RESET = "TWO_FACTOR_RESET", _("Two-factor authentication reset")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    # Kept as written, so the record still names its author once the account is gone.
    actor_username = models.CharField(_("by (username)"), max_length=150, blank=True)
    at = models.DateTimeField(_("when"))
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    field = models.CharField(_("field"), max_length=64, blank=True)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        indexes = [
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_at"),
            models.Index(fields=["-at", "-id"], name="audit_at"),
        ]
        constraints = [
            models.CheckConstraint(
                name="audit_action_valid",
                condition=Q(
                    action__in=[
                        "CREATE",
                        "CHANGE",
                        "DELETE",
                        "ROTATE_SECRET",
                        "LOCKOUT",
                        "UNLOCK",
                        "TWO_FACTOR_RESET",
                    ]
                ),
            )
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_repr}"


class ApiToken(models.Model):
    """An API key of a user: stored as its SHA-256 only, shown once at creation (docs/security.md).

    A user may hold several, each named; each records when it was last used. All of a user's
    tokens are revoked when its password changes or is reset, and when it is deactivated.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=64)
    # The first characters of the key, to tell tokens apart; never enough to use one.
    prefix = models.CharField(_("starts with"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="api_token_name_once_per_user")
        ]

    def __str__(self):
        return f"{self.user} {self.name} ({self.prefix}…)"
