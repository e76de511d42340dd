"""One HTTP POST of a form to a merchant's server, to public addresses only.

The host name is resolved first and every address it gives must be on the public internet (no
loopback, private, link-local, multicast or reserved address), then the connection goes to that
very address, so a DNS answer cannot change between the check and the connection. Hosts listed
in settings.AUTOMATIC_RESPONSE_ALLOWED_HOSTS skip the address check (tests, the demo receiver).
No redirect is followed: a redirect is an answer of its own (docs/sips.md).
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.conf import settings

from .models import DeliveryError

BODY_READ_LIMIT = 64 * 1024


@dataclass(frozen=True)
class PostResult:
    http_status: int | None
    error: str  # DeliveryError value ("" when the answer was a 2xx)
    detail: str
    duration_ms: int


class ForbiddenAddress(Exception):
    pass


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve_public(host: str, port: int) -> str:
    """An address of `host` to connect to; ForbiddenAddress if any address is not public."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [info[4][0] for info in infos]
    if host.lower() not in {h.lower() for h in settings.AUTOMATIC_RESPONSE_ALLOWED_HOSTS}:
        refused = [a for a in addresses if not _is_public(a)]
        if refused:
            raise ForbiddenAddress(refused[0])
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post_form(url: str, fields: dict[str, str], *, timeout: float) -> PostResult:
    """POST `fields` form-encoded to `url`; never raises for what the network does."""
    started = time.monotonic()

    def result(status, error, detail=""):
        elapsed = int((time.monotonic() - started) * 1000)
        return PostResult(status, error, str(detail)[:255], elapsed)

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return result(None, DeliveryError.NETWORK, "not an http(s) URL")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return result(None, DeliveryError.NETWORK, "bad port")
    try:
        address = resolve_public(parts.hostname, port)
    except ForbiddenAddress as refused:
        return result(None, DeliveryError.FORBIDDEN_ADDRESS, f"{parts.hostname} → {refused}")
    except (socket.gaierror, UnicodeError) as error:
        return result(None, DeliveryError.DNS, type(error).__name__)
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, port, address, timeout)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    try:
        connection.request(
            "POST",
            path,
            body=urlencode(fields),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": "gestion-automatic-response/1",
            },
        )
        response = connection.getresponse()
        response.read(BODY_READ_LIMIT)
    except TimeoutError:
        return result(None, DeliveryError.TIMEOUT, f"no answer within {timeout:g} s")
    except ConnectionRefusedError:
        return result(None, DeliveryError.REFUSED, f"{address}:{port}")
    except ssl.SSLError as error:
        return result(None, DeliveryError.TLS, type(error).__name__)
    except (OSError, http.client.HTTPException) as error:
        return result(None, DeliveryError.NETWORK, type(error).__name__)
    finally:
        connection.close()
    status = response.status
    if 200 <= status < 300:
        return result(status, DeliveryError.NONE)
    if 300 <= status < 400:
        return result(status, DeliveryError.REDIRECT, response.getheader("Location", "")[:200])
    return result(status, DeliveryError.NON_2XX, response.reason)
