"""A merchant's server for the tests: a real HTTP server on a free local port that answers each
automatic response as the test scripts it (status, delay, redirect) and keeps what it received."""

import datetime as dt
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.net import free_port


@dataclass
class Answer:
    status: int = 200
    delay: float = 0.0
    location: str = ""


@dataclass
class Receiver:
    port: int
    answers: list[Answer] = field(default_factory=list)  # consumed in order; then 200
    received: list[dict[str, str]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sips/auto"


def self_signed_context(directory) -> ssl.SSLContext:
    """A server TLS context with a fresh self-signed certificate (no client trusts it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


def start_receiver(tls_context: ssl.SSLContext | None = None) -> Receiver:
    receiver = Receiver(port=free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
            receiver.received.append(form)
            answer = receiver.answers.pop(0) if receiver.answers else Answer()
            if answer.delay:
                time.sleep(answer.delay)
            try:
                self.send_response(answer.status)
                if answer.location:
                    self.send_header("Location", answer.location)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")
            except OSError:
                pass  # the sender gave up waiting (timeout test)

        def log_message(self, *args):
            pass

    receiver.server = ThreadingHTTPServer(("127.0.0.1", receiver.port), Handler)
    receiver.server.daemon_threads = True
    if tls_context is not None:
        receiver.server.socket = tls_context.wrap_socket(
            receiver.server.socket, server_side=True, do_handshake_on_connect=False
        )
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    return receiver
