"""gunicorn's settings for gestion in production (bin/serve; docs/deploy.md).

Every value can be changed from the environment; the defaults suit one machine behind a reverse
proxy (nginx) on the same host. Arguments given to bin/serve override this file.
"""

import ipaddress
import os

wsgi_app = "gestion.wsgi:application"


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


_cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
_cores = _cores or 1

bind = os.environ.get("GESTION_BIND", "127.0.0.1:8000")
# Pages are CPU-bound Python with short database waits: processes, about two per core, and a
# second thread each to use the time a request waits on PostgreSQL.
workers = _int("GESTION_WEB_WORKERS", _int("WEB_CONCURRENCY", 2 * _cores + 1))
threads = _int("GESTION_WEB_THREADS", 2)
worker_class = "gthread" if threads > 1 else "sync"
# A request taking longer than this is stopped (its worker restarted); the largest page, an
# immediate CSV export (bounded in rows, docs/search.md), takes a few seconds.
timeout = _int("GESTION_WEB_TIMEOUT", 60)
graceful_timeout = _int("GESTION_WEB_GRACEFUL_TIMEOUT", 30)
# Connections kept open between requests of the proxy; above nginx's own keepalive_timeout is
# not needed, below it costs reconnections.
keepalive = _int("GESTION_WEB_KEEPALIVE", 5)
# A worker is replaced after this many requests (spread out), bounding any slow memory growth.
max_requests = _int("GESTION_WEB_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10

# One line per request on stdout (journald or the platform's log collector keeps it): the
# client as the proxy saw it, the request, its status, size and duration in milliseconds.
accesslog = os.environ.get("GESTION_ACCESS_LOG", "-") or None
access_log_format = '%({x-forwarded-for}i)s %(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("GESTION_WEB_LOG_LEVEL", "info")

# X-Forwarded-Proto (and the other forwarding headers) count only from the reverse proxy: the
# addresses or networks listed here. gunicorn then sets the request's scheme (https) from it;
# from any other address the headers are removed before Django sees them (pre_request below),
# so that a client reaching the server directly cannot pass for HTTPS or forge its address.
forwarded_allow_ips = ",".join(
    entry.strip()
    for entry in os.environ.get("GESTION_FORWARDED_ALLOW_IPS", "127.0.0.1,::1").split(",")
    if entry.strip()
)
FORWARDING_HEADERS = {
    "FORWARDED",
    "X-FORWARDED-FOR",
    "X-FORWARDED-HOST",
    "X-FORWARDED-PORT",
    "X-FORWARDED-PROTO",
    "X-FORWARDED-PROTOCOL",
    "X-FORWARDED-SSL",
    "X-REAL-IP",
}
_trusted = [
    ipaddress.ip_network(entry, strict=False)
    for entry in forwarded_allow_ips.split(",")
    if entry and entry != "*"
]


def _from_trusted_proxy(peer) -> bool:
    if forwarded_allow_ips == "*" or not isinstance(peer, tuple):  # anyone, or a Unix socket
        return True
    try:
        address = ipaddress.ip_address(peer[0])
    except ValueError:
        return False
    return any(address in network for network in _trusted)


def pre_request(worker, req):
    if not _from_trusted_proxy(req.peer_addr):
        req.headers = [
            (name, value) for name, value in req.headers if name not in FORWARDING_HEADERS
        ]
