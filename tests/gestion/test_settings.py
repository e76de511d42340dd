import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _start(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GESTION_"))}
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
        DJANGO_SECRET_KEY="x" * 50,
        GESTION_ENCRYPTION_KEYS="k1:Y7cTmDCX6MOU3YQbtAhLHJWZeOxvvQo1aZGsyNJ2sxU=",
    )

    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout
