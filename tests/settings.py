"""Test settings: the real settings with test-only secrets and a fast password hasher.

DATABASE_URL and CELERY_BROKER_URL still come from the environment, so the same suite runs on
the embedded defaults and on PostgreSQL + Redis (what CI does).
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("GESTION_ENCRYPTION_KEYS", "t1:Y7cTmDCX6MOU3YQbtAhLHJWZeOxvvQo1aZGsyNJ2sxU=")

from gestion.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Axes logs every login at INFO: noise in test output.
LOGGING["loggers"]["axes"] = {"level": "WARNING"}  # noqa: F405
