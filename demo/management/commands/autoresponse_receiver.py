"""The demo's merchant server: receives automatic responses as a shop's script would (docs/sips.md).

POST /ok checks the Seal of Data with the shop's secret key (HMAC-SHA-256) and answers 200 if it
matches, 403 if not; POST /fail always answers 500, to show FAILED deliveries and their diagnosis.
Local and for the demo only: it listens on 127.0.0.1.
"""

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from django.core.management.base import BaseCommand
from django.db import connections

from merchants.models import Merchant
from merchants.services import merchant_secret
from transactions import sips2


def seal_is_good(form: dict[str, str]) -> bool:
    try:
        fields = sips2.parse_data(sips2.decode(form.get("Data", ""), form.get("Encode", "")))
    except sips2.SipsRefused:
        return False
    merchant = Merchant.objects.filter(merchant_id=fields.get("merchantId", "")).first()
    if merchant is None or form.get("keyVersion") != str(merchant.secret_key_version):
        return False
    secret = merchant_secret(merchant=merchant)
    algorithm = form.get("SealAlgorithm", "")
    return bool(
        sips2.seal_algorithm_matching(form["Data"], form.get("Seal", ""), secret, algorithm)
    )


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(min(length, 1_000_000)).decode(errors="replace")
        form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        if self.path.startswith("/fail"):
            status = 500
        else:
            try:
                status = 200 if seal_is_good(form) else 403
            finally:
                connections.close_all()  # this request's thread ends here
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"OK\n" if status == 200 else b"NO\n")

    def log_message(self, fmt, *args):
        self.server.command.stdout.write(f"receiver: {self.path} {fmt % args}")


class Command(BaseCommand):
    help = "Run the demo's merchant server for automatic responses on 127.0.0.1 (/ok, /fail)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)

    def handle(self, *args, port, **options):
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        server.command = self
        self.stdout.write(f"Automatic-response receiver on http://127.0.0.1:{port}/ok and /fail")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
