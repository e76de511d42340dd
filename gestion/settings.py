"""Settings for gestion, read from the environment (django-environ).

Every value a deployment changes is an environment variable; the defaults are the embedded ones
(SQLite, a filesystem Celery broker, e-mail to the console) so that a fresh checkout runs alone.
"""

import datetime as dt
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A development checkout may keep its settings in .env (bin/setup writes DJANGO_DEBUG=true there),
# but it is read only when the environment says so explicitly: a stray .env on a server must not
# turn DEBUG on with the public development key. Variables set in the environment win over it.
DOTENV_FLAG = "GESTION_READ_DOTENV"
if env.bool(DOTENV_FLAG, default=False) and (BASE_DIR / ".env").exists():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
# Keys that encrypt the shops' secret keys at rest, newest first: "version:fernet-key,…".
ENCRYPTION_KEYS = env.list("GESTION_ENCRYPTION_KEYS", default=[])
DEVELOPMENT_SECRET_KEY = "gestion-development-only-not-secret"
EMAIL_URL_SET = bool(env.str("EMAIL_URL", default=""))


def _weak_secret_key(key: str) -> bool:
    """Django's own deploy check (security.W009), plus the keys published in this repository."""
    return (
        len(key) < 50
        or len(set(key)) < 5
        or key.startswith("django-insecure-")
        or key in (DEVELOPMENT_SECRET_KEY, "tests-only-not-secret")
    )


def _malformed_encryption_keys(entries: list[str]) -> list[str]:
    """The ids (or positions) of GESTION_ENCRYPTION_KEYS entries that are not 'id:fernet-key'."""
    from cryptography.fernet import Fernet

    bad = []
    for position, entry in enumerate(entries, start=1):
        key_id, sep, key = entry.partition(":")
        try:
            if not (sep and key_id):
                raise ValueError
            Fernet(key.encode())
        except ValueError:
            bad.append(key_id if sep and key_id else f"#{position}")
    return bad


if not DEBUG:
    # Production fails closed: it refuses to start rather than run with a hole (README).
    missing = [
        name
        for name, value in (
            ("DJANGO_SECRET_KEY", SECRET_KEY),
            ("GESTION_ENCRYPTION_KEYS", ENCRYPTION_KEYS),
            ("EMAIL_URL", EMAIL_URL_SET),
        )
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(
            "Production settings (DJANGO_DEBUG off) need " + " and ".join(missing) + "."
        )
    if _weak_secret_key(SECRET_KEY):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is weak or a published one: use at least 50 random characters."
        )
    malformed = _malformed_encryption_keys(ENCRYPTION_KEYS)
    if malformed:
        raise ImproperlyConfigured(
            "GESTION_ENCRYPTION_KEYS entries are 'id:fernet-key' (32 url-safe base64 bytes); "
            "malformed: " + ", ".join(malformed) + "."
        )
elif not SECRET_KEY:
    # Development only: a fixed, public key. Never used with DEBUG off (see above).
    SECRET_KEY = DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "merchants.console.BankConsoleAdminConfig",  # django.contrib.admin, bank staff only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # the API docs' Redoc, served from our own static files
    "django_filters",
    "django_tables2",
    "health_check",
    "demo",
    "merchants",
    "transactions",
    "operations",
    "journals",
    "golive",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.middleware.QueryStringGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "merchants.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "merchants.middleware.IdleSessionMiddleware",
    "merchants.middleware.PaymentServerWebMiddleware",
    "merchants.two_factor.TwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Django's cache (the home page's 30-day sums, docs/home.md): each process's memory by default;
# GESTION_CACHE_URL=redis://host:6379/1 shares it between every web process and node, so the
# cold figures are computed once for the fleet, not once per process.
CACHES = {"default": env.cache_url("GESTION_CACHE_URL", default="locmemcache://")}

# Server-Timing on every answer, and the floor page at /server-timing/floor/ (core/timing.py):
# for measuring (bench/search.py, bench/home.py), off in production by default.
SERVER_TIMING = env.bool("GESTION_SERVER_TIMING", default=False)
if SERVER_TIMING:
    MIDDLEWARE.insert(0, "core.timing.ServerTimingMiddleware")

ROOT_URLCONF = "gestion.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "merchants.context_processors.shell",
                "merchants.context_processors.session_idle",
            ],
            # core is no app: its template filters are named here.
            "libraries": {
                "money": "core.templatetags.money",
                "list_page": "core.templatetags.list_page",
            },
        },
    },
]

WSGI_APPLICATION = "gestion.wsgi.application"

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serialises writers; wait for the lock rather than fail at once (worker + web).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
else:
    # A PostgreSQL connection kept per process between requests: opening one costs more than a
    # whole feed or Sips 2.0 request (docs/benchmarks.md); checked before reuse.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "merchants.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a rule: the hook that revokes every API token when a password changes.
    {"NAME": "merchants.auth.RevokeTokensOnPasswordChange"},
]

# Axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "merchants.auth.LockoutBackend",  # django-axes
    "merchants.auth.UsernameOrEmailBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: French by default, English available; dates and times in Paris.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates people type: one rule in every language (core/formats).
FORMAT_MODULE_PATH = ["core.formats"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# collectstatic writes here once per release (docs/deploy.md); whitenoise serves it.
STATIC_ROOT = env.path("GESTION_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.path("GESTION_MEDIA_ROOT", default=VAR_DIR / "media")
# Files the application writes (exports) go through the default storage (core/storage.py): the
# local folder above, or, with GESTION_S3_BUCKET, an S3-compatible bucket that every web node and
# worker shares (docs/deploy.md, "Files"). Credentials come from boto3's own environment
# (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or the machine's role, never from settings.
S3_BUCKET = env.str("GESTION_S3_BUCKET", default="")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("GESTION_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("GESTION_S3_REGION", default="") or None,
            "location": env.str("GESTION_S3_PREFIX", default=""),
            # Files are private: served by the application to their owner only.
            "default_acl": None,
            "querystring_auth": True,
            # A retried job writes its file again under the same name.
            "file_overwrite": True,
        },
    }

# E-mail: EMAIL_URL in django-environ's form (smtp://user:pass@host:25, consolemail://, …). The
# console is the default in DEBUG only: production refuses to start without EMAIL_URL (above), so
# reset and invitation links are never written to a server log by accident.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="gestion <noreply@gestion.invalid>")

# Celery. The embedded default is kombu's filesystem transport: a worker and the web process share
# a folder, no server needed. Production sets CELERY_BROKER_URL=redis://….
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("redis"):
    # An automatic response's retry waits up to 6 hours (AUTOMATIC_RESPONSE_RETRY_DELAYS):
    # Redis must not hand it to another worker meanwhile.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 8 * 3600}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery-queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "store_processed": False,
        # The exchange tables, which kombu otherwise writes to ./control wherever it runs.
        "control_folder": str(VAR_DIR / "celery-control"),
    }
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
CELERY_TIMEZONE = "Europe/Paris"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE: dict = {}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "merchants.auth.ApiTokenAuthentication",  # hashed, named tokens (merchants.ApiToken)
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["merchants.permissions.IsPersonAccount"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # JSON bodies bounded in size and nesting depth (core.parsers): 413 / 400, never a 500.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.LimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "gestion API",
    "DESCRIPTION": "Back office for card-payment merchants: payment feed, search, operations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Redoc from drf-spectacular-sidecar's static files: no third-party script (docs/security.md).
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.document_error_responses",
    ],
}

# Content-Security-Policy on every answer (django-csp): only our own scripts, styles and images;
# no inline script, no frame, no plugin. The API docs page loosens styles and workers only
# (gestion.urls.ApiDocsView): Redoc injects its styles and runs a worker from a blob.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"

# The feed takes at most this many transactions in one bulk request.
FEED_BULK_MAX = 5000
# Bodies of a 5,000-item bulk exceed Django's default 2.5 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# A JSON body nested deeper than this is refused (a feed item is 2 levels, a bulk 3).
JSON_MAX_DEPTH = 32

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# Behind a reverse proxy that ends TLS, a request is secure when the proxy says so in
# X-Forwarded-Proto. bin/serve's gunicorn reads that header itself, from the proxy's addresses
# only (GESTION_FORWARDED_ALLOW_IPS), and drops it from anyone else: Django needs nothing more.
# Under another server, DJANGO_SECURE_PROXY_SSL_HEADER=true makes Django read the header, which
# is safe only if that server removes it from other clients (docs/deploy.md).
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Sessions (Sips rule): a warning after 13 minutes idle, logged out after 15 (merchants.middleware).
SESSION_IDLE_TIMEOUT = 15 * 60
SESSION_IDLE_WARNING = 13 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 60 * 60

# Failed logins (docs/security.md, merchants.auth): 5 failures for an account from one address
# lock that pair for 15 minutes (django-axes); LOGIN_ADDRESS_FAILURE_LIMIT failures from one
# address, whatever the accounts, lock the address; past LOGIN_SLOWDOWN_AFTER failures of an
# account from anywhere, each attempt waits a doubling delay (at most LOGIN_MAX_DELAY seconds)
# instead of a lockout. Every attempt is recorded (AccessAttempt, AccessFailureLog, AccessLog).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "merchants.auth.axes_username"
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_HTTP_RESPONSE_CODE = 429
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("GESTION_LOGIN_ADDRESS_FAILURE_LIMIT", default=50)
LOGIN_SLOWDOWN_AFTER = 5
LOGIN_BASE_DELAY = 2
LOGIN_MAX_DELAY = 300
# Behind N reverse proxies the client's address is the Nth from the right in X-Forwarded-For;
# without it every login would come from the proxy and five failures would lock everyone out.
GESTION_REVERSE_PROXIES = env.int("GESTION_REVERSE_PROXIES", default=0)
AXES_CLIENT_IP_CALLABLE = "merchants.auth.client_ip"

PASSWORD_RESET_TIMEOUT = 24 * 60 * 60

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    SESSION_COOKIE_NAME = "__Secure-sessionid"
    CSRF_COOKIE_NAME = "__Secure-csrftoken"
    X_FRAME_OPTIONS = "DENY"
# Cash-management operations (docs/domain.md "Operations"). No operation during the nightly
# remittance (Paris time, [start, end)); the batch itself runs at the start of the window.
REMITTANCE_WINDOW = tuple(env.list("GESTION_REMITTANCE_WINDOW", default=["22:00", "23:00"]))
# The acquirer gateway per shop environment (docs/acquirer.md): a dotted path to a class taking
# the environment's name. The simulator answers for DEMO and PRE_PRODUCTION only; PRODUCTION has
# none until one is configured, and then answers 90 (service unavailable), never a made-up answer.
ACQUIRER_GATEWAYS = {
    "DEMO": env.str("GESTION_ACQUIRER_DEMO", default="operations.acquirer.Simulator"),
    "PRE_PRODUCTION": env.str(
        "GESTION_ACQUIRER_PRE_PRODUCTION", default="operations.acquirer.Simulator"
    ),
    "PRODUCTION": env.str("GESTION_ACQUIRER_PRODUCTION", default=""),
}
# Idempotency-Key answers are replayed for at least this long (hours), then purged.
IDEMPOTENCY_KEYS_KEPT_HOURS = env.int("GESTION_IDEMPOTENCY_KEYS_KEPT_HOURS", default=48)

# The remittance at 22:00 Paris (CELERY_TIMEZONE), one task per shop; keys purged at 04:30.
CELERY_BEAT_SCHEDULE["remittance"] = {
    "task": "operations.tasks.remittance_dispatch",
    "schedule": crontab(hour=22, minute=0),
}
CELERY_BEAT_SCHEDULE["idempotency-keys-purge"] = {
    "task": "operations.tasks.idempotency_keys_purge_task",
    "schedule": crontab(hour=4, minute=30),
}
# One name in the API schema for the transaction statuses (operations show two of them).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})["TransactionStatusEnum"] = (
    "transactions.models.Status"
)
# Daily journals (docs/journals.md): the run at 04:00 Paris (CELERY_TIMEZONE, so on the days
# clocks change too), one task per shop; failed deliveries retried with backoff every 5 minutes.

CELERY_BEAT_SCHEDULE["journals-daily-run"] = {
    "task": "journals.daily_run",
    "schedule": crontab(hour=4, minute=0),
}
CELERY_BEAT_SCHEDULE["journals-retry-deliveries"] = {
    "task": "journals.retry_deliveries",
    "schedule": crontab(minute="*/5"),
}
# Above this many rows a CSV export is built in the background by a worker (docs/search.md).
TRANSACTION_EXPORT_SYNC_MAX = env.int("GESTION_EXPORT_SYNC_MAX", default=100_000)
# Background CSV exports (docs/search.md): files past their keep time are deleted every hour.
CELERY_BEAT_SCHEDULE["transactions-exports-purge"] = {
    "task": "transactions.tasks.transactions_exports_purge",
    "schedule": crontab(minute=17),
}

# Two-factor authentication (docs/security.md): TOTP codes, named after the site in apps.
OTP_TOTP_ISSUER = "gestion"

# Automatic responses out (docs/sips.md): timeout of one post, the delays between retries
# (seconds; about a day in all), and hosts allowed although not public (tests, the demo).
AUTOMATIC_RESPONSE_TIMEOUT = env.float("GESTION_AUTORESPONSE_TIMEOUT", default=10.0)
AUTOMATIC_RESPONSE_RETRY_DELAYS = env.list(
    "GESTION_AUTORESPONSE_RETRY_DELAYS",
    cast=int,
    default=[60, 300, 900, 1800, 3600, 7200, 14400, 21600, 21600, 21600],
)
AUTOMATIC_RESPONSE_ALLOWED_HOSTS = env.list("GESTION_AUTORESPONSE_ALLOWED_HOSTS", default=[])
# The "failing automatic responses" page lists shops whose last N deliveries all failed.
AUTOMATIC_RESPONSE_FAILING_LAST = 3
# Going live (docs/go-live.md): switches at 10:00 Paris (CELERY_TIMEZONE); the run repeats every
# 5 minutes until the evening so that a worker down at 10:00 catches up the same day, never twice.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["ShopEnvironmentEnum"] = (
    "merchants.models.Merchant.Environment"
)
CELERY_BEAT_SCHEDULE["golive-run"] = {
    "task": "golive.run",
    "schedule": crontab(minute="*/5", hour="10-23"),
}
