import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 10 + "Zq8!xP2@vL5#nR7$" * 4


def test_production_settings_pass_check_deploy_without_a_warning():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GESTION_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="gestion.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="k" * 10 + "Zq8!xP2@vL5#nR7$" * 4,
        EMAIL_URL="smtp://mail.example.com:587",
        GESTION_ENCRYPTION_KEYS="k1:Y7cTmDCX6MOU3YQbtAhLHJWZeOxvvQo1aZGsyNJ2sxU=",
        DJANGO_ALLOWED_HOSTS="gestion.example.com",
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout + result.stderr


def test_production_cookies_are_secure_and_http_only():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GESTION_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="gestion.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=STRONG_KEY,
        EMAIL_URL="smtp://mail.example.com:587",
        GESTION_ENCRYPTION_KEYS="k1:Y7cTmDCX6MOU3YQbtAhLHJWZeOxvvQo1aZGsyNJ2sxU=",
    )
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.stdout.split() == ["True"] * 5, result.stderr
