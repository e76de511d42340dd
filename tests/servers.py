"""The production web server (bin/serve) started by a test: production settings (DEBUG off), the
test's database and broker, its own folders; and an HTTP client that talks to it as a reverse
proxy would (plain HTTP on loopback, headers of its choosing)."""

import http.client
import os
import socket
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import override_settings

from tests.net import free_port
from tests.waiting import DEADLINE, wait_until

ROOT = Path(__file__).resolve().parents[1]
# Production refuses a short or published key: this one is for the tests' servers only.
STRONG_KEY = "serve-tests-only-" + "Zq8!xP2@vL5#nR7$" * 3
# The cookie production settings name the session (a __Secure- prefix: HTTPS only).
PRODUCTION_SESSION_COOKIE = "__Secure-sessionid"


def production_env(**extra: str) -> dict[str, str]:
    """The environment of a production process on this test's database and broker."""
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GESTION_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="gestion.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=STRONG_KEY,
        EMAIL_URL="consolemail://",
        GESTION_ENCRYPTION_KEYS=",".join(settings.ENCRYPTION_KEYS),
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        DJANGO_LOG_LEVEL="WARNING",
        **extra,
    )
    return env


def collectstatic(static_root: Path) -> None:
    """The deploy step bin/serve expects done: the manifest the production pages link through."""
    env = production_env(GESTION_STATIC_ROOT=str(static_root))
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=DEADLINE * 5,
    )


class Serve:
    """`bin/serve` on a free port of 127.0.0.1, stopped by stop()."""

    def __init__(self, *, log: Path, env: dict[str, str]):
        self.port = free_port()
        self.log = log
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [str(ROOT / "bin/serve"), "--bind", f"127.0.0.1:{self.port}"],
                cwd=ROOT,
                env={"GESTION_WEB_WORKERS": "1", "PYTHON": sys.executable, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_until(self._listening, what=f"bin/serve on port {self.port} (log: {log})")

    def _listening(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"bin/serve exited: {self.log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def get(self, path: str, headers: dict[str, str] | None = None):
        """(status, headers, body bytes) of GET `path`."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=DEADLINE)
        try:
            conn.request("GET", path, headers={"Host": "127.0.0.1", **(headers or {})})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(DEADLINE)


def session_cookie(user) -> str:
    """A logged-in session of `user` (stored in the database every node reads), as the cookie a
    browser would send to a production server."""
    # Signed with the servers' key, as a login on them would have.
    with override_settings(SECRET_KEY=STRONG_KEY):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
    return f"{PRODUCTION_SESSION_COOKIE}={store.session_key}"
