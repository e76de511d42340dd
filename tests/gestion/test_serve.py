"""bin/serve: gunicorn with production settings, as deployed behind a reverse proxy
(docs/deploy.md). The proxy's X-Forwarded-Proto makes a request HTTPS; the same header from any
other address is ignored."""

import pytest

from tests.servers import Serve, production_env

pytestmark = pytest.mark.postgres


def serve(tmp_path, static_root, name, **env):
    media = tmp_path / f"media-{name}"
    media.mkdir()
    return Serve(
        log=tmp_path / f"{name}.log",
        env=production_env(
            GESTION_STATIC_ROOT=str(static_root), GESTION_MEDIA_ROOT=str(media), **env
        ),
    )


def test_bin_serve_answers_the_login_page_and_health_behind_its_proxy(
    transactional_db, tmp_path, static_root
):
    # The test is the proxy: it connects from 127.0.0.1, the address the server trusts.
    server = serve(tmp_path, static_root, "proxied", GESTION_FORWARDED_ALLOW_IPS="127.0.0.1")
    try:
        https = {"X-Forwarded-Proto": "https"}
        status, headers, body = server.get("/accounts/login/", https)
        assert status == 200, body[:2000]
        assert b'name="password"' in body
        assert "/static/" in body.decode() and ".css" in body.decode()
        assert headers["Strict-Transport-Security"].startswith("max-age=")
        status, _headers, body = server.get("/health/", {**https, "Accept": "application/json"})
        assert status == 200, body
        # Plain HTTP (no header from the proxy) is sent to HTTPS.
        status, headers, _body = server.get("/accounts/login/")
        assert status == 301
        assert headers["Location"].startswith("https://")
    finally:
        server.stop()
    assert '"GET /accounts/login/ HTTP/1.1" 200' in (tmp_path / "proxied.log").read_text()


def test_x_forwarded_proto_from_an_address_other_than_the_proxy_is_ignored(
    transactional_db, tmp_path, static_root
):
    # The proxy is elsewhere (192.0.2.10): this client reaches the server directly. Even with
    # Django told to read the header, the server drops it before Django sees it.
    server = serve(
        tmp_path,
        static_root,
        "direct",
        GESTION_FORWARDED_ALLOW_IPS="192.0.2.10",
        DJANGO_SECURE_PROXY_SSL_HEADER="true",
    )
    try:
        status, headers, _body = server.get("/accounts/login/", {"X-Forwarded-Proto": "https"})
    finally:
        server.stop()
    assert status == 301
    assert headers["Location"].startswith("https://")
