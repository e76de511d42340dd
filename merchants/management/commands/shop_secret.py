import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from merchants.models import Merchant
from merchants.services import merchant_set_secret


class Command(BaseCommand):
    help = (
        "Install a shop's secret key (read on standard input, never on the command line) and "
        "its key version, as the payment server knows them (Sips 2.0 seals, docs/sips.md)."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # `--version N` is the key version here, not Django's version option.
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("merchant_id")
        parser.add_argument("--version", type=int, required=True, dest="key_version")

    def handle(self, *args, merchant_id, key_version, **options):
        try:
            merchant = Merchant.objects.get(merchant_id=merchant_id)
        except Merchant.DoesNotExist:
            raise CommandError(f"No shop with merchant_id {merchant_id}.") from None
        secret = sys.stdin.readline().strip()
        try:
            merchant = merchant_set_secret(
                merchant_pk=merchant.pk, secret=secret, version=key_version
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"Secret key of {merchant.merchant_id} set, version {merchant.secret_key_version}."
        )
