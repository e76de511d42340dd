import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 10 + "Zq8!xP2@vL5#nR7$" * 4


def _start(**env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "GESTION_")) and k != "EMAIL_URL"
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "gestion.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_its_keys():
    result = _start(DJANGO_DEBUG="false")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY and GESTION_ENCRYPTION_KEYS" in result.stderr


def test_production_starts_with_its_keys():
    result = _start(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=STRONG_KEY,
        EMAIL_URL="smtp://mail.example.com:587",
        GESTION_ENCRYPTION_KEYS="k1:Y7cTmDCX6MOU3YQbtAhLHJWZeOxvvQo1aZGsyNJ2sxU=",
    )

    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": STRONG_KEY,
    "GESTION_ENCRYPTION_KEYS": "k1:Y7cTmDCX6MOU3YQbtAhLHJWZeOxvvQo1aZGsyNJ2sxU=",
    "EMAIL_URL": "smtp://mail.example.com:587",
}


def test_production_refuses_to_start_without_email_url():
    result = _start(**{**PRODUCTION, "EMAIL_URL": ""})

    assert result.returncode != 0
    assert "EMAIL_URL" in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        "x" * 50,
        "short-but-random-Zq8!xP2",
        "gestion-development-only-not-secret",
        "django-insecure-" + "Zq8!xP2@vL5#nR7$" * 3,
    ],
)
def test_production_refuses_a_weak_or_published_secret_key(key):
    result = _start(**{**PRODUCTION, "DJANGO_SECRET_KEY": key})

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is weak" in result.stderr


@pytest.mark.parametrize(
    "keys",
    [
        "k1:not-a-fernet-key",
        "Y7cTmDCX6MOU3YQbtAhLHJWZeOxvvQo1aZGsyNJ2sxU=",
        "k1:Y7cTmDCX6MOU3YQbtAhLHJWZeOxvvQo1aZGsyNJ2sxU=,k0:short",
    ],
)
def test_production_refuses_a_malformed_encryption_key(keys):
    result = _start(**{**PRODUCTION, "GESTION_ENCRYPTION_KEYS": keys})

    assert result.returncode != 0
    assert "GESTION_ENCRYPTION_KEYS entries" in result.stderr


def _checkout_with_dotenv(tmp_path) -> Path:
    """A copy of the settings package beside links to the rest, with a stray .env."""
    for entry in ROOT.iterdir():
        if entry.name in ("gestion", ".env", ".git"):
            continue
        (tmp_path / entry.name).symlink_to(entry)
    shutil.copytree(
        ROOT / "gestion", tmp_path / "gestion", ignore=shutil.ignore_patterns("__pycache__")
    )
    (tmp_path / ".env").write_text("DJANGO_DEBUG=true\n")
    return tmp_path


def _debug_in(checkout: Path, **env) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "GESTION_")) and k != "EMAIL_URL"
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print('DEBUG', s.DEBUG)",
        ],
        cwd=checkout,
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": "gestion.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_stray_dotenv_is_ignored_without_the_development_flag(tmp_path):
    checkout = _checkout_with_dotenv(tmp_path)

    result = _debug_in(checkout)

    # Without the flag the .env's DJANGO_DEBUG=true is not read: production settings, no keys.
    assert result.returncode != 0
    assert "DJANGO_DEBUG off" in result.stderr


def test_the_dotenv_is_read_with_the_development_flag(tmp_path):
    checkout = _checkout_with_dotenv(tmp_path)

    result = _debug_in(checkout, GESTION_READ_DOTENV="true")

    assert result.returncode == 0, result.stderr
    assert "DEBUG True" in result.stdout


@pytest.mark.redis
def test_a_redis_cache_url_shares_the_cache_between_processes():
    """GESTION_CACHE_URL: what one web process caches (the home page's 30-day sums), another
    reads, where the default (each process's memory) would not."""
    import uuid

    key = f"gestion-test-{uuid.uuid4().hex}"
    program = (
        "import sys, django; django.setup(); from django.core.cache import cache; "
        "print(cache.get(sys.argv[1])) if sys.argv[2] == 'get' "
        "else cache.set(sys.argv[1], 'hi', 30)"
    )

    def run(action, url):
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GESTION_"))}
        env = {**clean, "DJANGO_DEBUG": "true", "DJANGO_SETTINGS_MODULE": "gestion.settings"}
        if url:
            env["GESTION_CACHE_URL"] = url
        done = subprocess.run(
            [sys.executable, "-c", program, key, action],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    run("set", None)
    assert run("get", None) == "None"  # each process its own memory
    run("set", "redis://127.0.0.1:6379/14")
    assert run("get", "redis://127.0.0.1:6379/14") == "hi"
