import time

from django.core.management.base import BaseCommand, CommandError

from gestion.demo import DEMO_PASSWORD, demo_autoresponses, demo_seed


class Command(BaseCommand):
    help = (
        "Create the demo shops, users and 60 days of transactions. Idempotent: what exists is "
        "left as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument("--transactions", type=int, default=3000)
        parser.add_argument("--shops", type=int, default=3)
        parser.add_argument("--password", default=DEMO_PASSWORD)
        parser.add_argument("--seed", type=int, default=20261127, help="random seed")
        parser.add_argument(
            "--autoresponse-url",
            default="",
            help="the demo receiver (manage.py autoresponse_receiver), e.g. http://127.0.0.1:8765",
        )

    def handle(self, *args, transactions, shops, password, seed, autoresponse_url, **options):
        if transactions < 0 or shops < 3:
            raise CommandError("--transactions must be ≥ 0 and --shops ≥ 3 (the demo shops).")
        started = time.perf_counter()
        report = demo_seed(transactions=transactions, shops=shops, password=password, seed=seed)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"shops created: {report.shops_created}, users created: {report.users_created}, "
            f"transactions created: {report.transactions_created}, "
            f"operations created: {report.operations_created} in {elapsed:.1f} s"
        )
        if autoresponse_url:
            fed = demo_autoresponses(receiver_url=autoresponse_url)
            self.stdout.write(f"automatic responses: {fed} new transaction(s) to deliver")
        if report.skipped_shops:
            self.stdout.write(
                f"{len(report.skipped_shops)} shop(s) already had transactions: left as they were."
            )
