import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from journals.services import JournalError, journal_send, journal_shops, journals_build_shop
from merchants.models import Merchant


class Command(BaseCommand):
    help = (
        "Build and send the day's transactions and operations journals (all active shops in "
        "production, or one). Safe to repeat: a journal already built for the date is sent, "
        "never rebuilt; one already sent is left alone. Catch-up: the next journal holds all "
        "since the last."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="journal date YYYY-MM-DD (default: today in Paris)")
        parser.add_argument("--merchant", help="merchant_id of one shop (default: every shop)")

    def handle(self, *args, date=None, merchant=None, **options):
        try:
            day = dt.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}.") from exc
        shops = journal_shops(merchant_id=merchant)
        if merchant is not None:
            shop = shops.first()
            if shop is None:
                raise CommandError(f"No shop with merchant_id {merchant}.")
            if shop.environment != Merchant.Environment.PRODUCTION:
                raise CommandError(
                    f"Shop {merchant} is in {shop.environment}: journals start the day after it "
                    "goes into production (docs/journals.md)."
                )
        failures = 0
        for shop in shops:
            try:
                built = journals_build_shop(merchant_pk=shop.pk, journal_date=day)
            except JournalError as exc:
                failures += 1
                self.stderr.write(f"{shop.merchant_id} {day}: {exc.message}")
                continue
            for journal, created in built:
                state = journal_send(journal_pk=journal.pk, ignore_backoff=True)
                self.stdout.write(
                    f"{shop.merchant_id} {journal.kind} {day} #{journal.sequence:06d}: "
                    f"{journal.record_count} records, "
                    f"{'built' if created else 'already built'}, {state}"
                )
        if failures:
            raise CommandError(f"The journals of {failures} shop(s) could not be built.")
