"""What every bench shares (docs/benchmarks.md): production settings (DEBUG off), a database that
exists before anything runs (made when missing, or fresh when the bench starts from nothing),
migrations, and progress lines with the time since the bench started."""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.progress import Progress, duration  # noqa: E402  (after the path above)

__all__ = ["BENCH_ENV", "Progress", "database", "django_setup", "migrate", "step"]

BENCH_ENV = {
    "DJANGO_DEBUG": "false",
    # Production settings refuse a short or repetitive key; this one is public, for the bench only.
    "DJANGO_SECRET_KEY": "bench-only-not-secret-Zq8xP2vL5nR7-kT3wY6hJ9mB4cF1gD0sA",
    "EMAIL_URL": "consolemail://",
    # A fixed, public Fernet key: the bench's shops are the bench's.
    "GESTION_ENCRYPTION_KEYS": "bench:vAfZ9sK6vXbWbJ8N6Jb0JqkzK0Y1fH8wq2m3m4n5o6E=",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "DJANGO_LOG_LEVEL": "WARNING",
    # Plain HTTP on loopback (or Django's test client): no redirect to HTTPS.
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_SETTINGS_MODULE": "gestion.settings",
}

_STARTED = time.monotonic()


def step(text: str) -> None:
    """A progress line: `[  1m05s] text`, on stderr at once."""
    print(f"[{duration(time.monotonic() - _STARTED):>6}] {text}", file=sys.stderr, flush=True)


def database(url: str, *, fresh: bool) -> None:
    """Make sure the PostgreSQL database of `url` exists: dropped and made again when `fresh`,
    made when missing otherwise (a SQLite file is made by its first connection)."""
    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgres"):
        return
    name = parsed.path.lstrip("/")
    admin = ["psql", "-h", parsed.hostname or "127.0.0.1", "-U", parsed.username or "postgres"]
    if parsed.port:
        admin += ["-p", str(parsed.port)]
    if fresh:
        step(f"dropping and creating database {name}")
        subprocess.run([*admin, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=True)
    else:
        query = "SELECT 1 FROM pg_database WHERE datname = '{}'".format(name.replace("'", "''"))
        found = subprocess.run(
            [*admin, "-d", "postgres", "-tAc", query],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if found == "1":
            return
        step(f"database {name} missing: creating it")
    subprocess.run([*admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)


def production_env(url: str) -> dict[str, str]:
    """This process's environment with the bench's production settings and database."""
    return {**os.environ, **BENCH_ENV, "DATABASE_URL": url}


def migrate(url: str) -> None:
    step("migrating")
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"],
        check=True,
        env=production_env(url),
        cwd=ROOT,
    )


def django_setup(url: str) -> None:
    """Django in this process, with production settings on `url`."""
    os.environ.update(production_env(url))
    import django

    django.setup()
