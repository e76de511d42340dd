import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.progress import Progress
from demo.world import DEMO_PASSWORD, demo_autoresponses, demo_seed

OUTSIDE_DEVELOPMENT = "--outside-development"


class Command(BaseCommand):
    help = (
        "Create the demo shops, users and 60 days of transactions. Idempotent: what exists is "
        "left as it is. Development only: with DEBUG off it refuses unless given "
        f"{OUTSIDE_DEVELOPMENT}, and then gives the demo accounts no password and no second "
        "factor (set them through the password reset)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--transactions", type=int, default=3000)
        parser.add_argument("--shops", type=int, default=3)
        parser.add_argument("--password", default=None, help=f"default {DEMO_PASSWORD!r}")
        parser.add_argument("--seed", type=int, default=20261127, help="random seed")
        parser.add_argument(
            "--autoresponse-url",
            default="",
            help="the demo receiver (manage.py autoresponse_receiver), e.g. http://127.0.0.1:8765",
        )
        parser.add_argument(
            OUTSIDE_DEVELOPMENT,
            dest="outside_development",
            action="store_true",
            help="run with DEBUG off (a demo server): accounts get no known password",
        )

    def handle(
        self,
        *args,
        transactions,
        shops,
        password,
        seed,
        autoresponse_url,
        outside_development,
        **options,
    ):
        if transactions < 0 or shops < 3:
            raise CommandError("--transactions must be ≥ 0 and --shops ≥ 3 (the demo shops).")
        if not settings.DEBUG:
            if not outside_development:
                raise CommandError(
                    "DEBUG is off: this looks like a production server, and seed_demo creates "
                    "demo shops and accounts. Nothing was created. To load the demo world on a "
                    f"demonstration server anyway, add {OUTSIDE_DEVELOPMENT}."
                )
            if password is not None:
                raise CommandError(
                    "With DEBUG off the demo accounts get no password (a password on the command "
                    "line is known). Nothing was created; set passwords through the reset link."
                )
        elif password is None:
            password = DEMO_PASSWORD
        started = time.perf_counter()
        # A progress line on stderr (core/progress.py): millions of rows take minutes.
        shown = Progress(transactions, "seed_demo: transactions", stream=sys.stderr)
        report = demo_seed(
            transactions=transactions,
            shops=shops,
            password=password,
            seed=seed,
            progress=shown.advance,
        )
        if shown.done:
            shown.finish()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"shops created: {report.shops_created}, users created: {report.users_created}, "
            f"transactions created: {report.transactions_created}, "
            f"operations created: {report.operations_created} in {elapsed:.1f} s"
        )
        if password is None:
            self.stdout.write(
                "The demo accounts have no password and no second factor: set them through the "
                "password reset (and enrol a second factor at first login)."
            )
        if autoresponse_url:
            fed = demo_autoresponses(receiver_url=autoresponse_url)
            self.stdout.write(f"automatic responses: {fed} new transaction(s) to deliver")
        if report.skipped_shops:
            self.stdout.write(
                f"{len(report.skipped_shops)} shop(s) already had transactions: left as they were."
            )
