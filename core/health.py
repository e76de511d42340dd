"""`/health/` for the load balancer (django-health-check): database, Redis, broker, disk.

Each check answers in a few seconds at most and says nothing secret (no address, no password).
"""

import dataclasses
import datetime as dt
import shutil

from django.conf import settings
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable, ServiceWarning


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker takes a connection (Redis, or the embedded filesystem transport)."""

    timeout = dt.timedelta(seconds=5)

    def run(self):
        from kombu import Connection

        connection = Connection(
            settings.CELERY_BROKER_URL,
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            connect_timeout=3,
        )
        try:
            connection.ensure_connection(max_retries=1)
        except Exception as error:  # any transport's own error: the broker is unreachable
            raise ServiceUnavailable("Broker unreachable") from error
        finally:
            connection.release()


@dataclasses.dataclass
class Disk(HealthCheck):
    """Room left where exports and the filesystem broker write (GESTION_MEDIA_ROOT, var/)."""

    min_free_percent: float = 5.0

    def run(self):
        path = settings.MEDIA_ROOT
        try:
            usage = shutil.disk_usage(path)
        except OSError as error:
            raise ServiceUnavailable("Storage folder unreadable") from error
        free = 100 * usage.free / usage.total if usage.total else 0
        if free < self.min_free_percent:
            raise ServiceWarning(f"{free:.1f}% disk free")


def checks() -> list:
    """The checks /health/ runs; Redis only when the broker is Redis (production)."""
    chosen: list = ["health_check.checks.Database", Broker, Disk]
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        from redis.asyncio import Redis as RedisClient

        chosen.append(
            (
                "health_check.contrib.redis.Redis",
                {"client_factory": lambda: RedisClient.from_url(url)},
            )
        )
    return chosen
