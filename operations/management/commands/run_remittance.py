import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from operations.services.remittance import remittance_due_date, remittance_run


class Command(BaseCommand):
    help = (
        "Run the nightly remittance by hand (re-authorise, expire, debit, credit). Default: the "
        "latest one due (tonight's after 22:00 Paris, else last night's). Safe to run twice or "
        "late."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the Paris day of the remittance, YYYY-MM-DD")

    def handle(self, *args, date=None, **options):
        now = timezone.now()
        due = remittance_due_date(now)
        if date:
            try:
                run_date = dt.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from None
            if run_date > due:
                raise CommandError(
                    f"The remittance of {run_date} has not started yet (latest due: {due})."
                )
        else:
            run_date = due
        done = remittance_run(run_date=run_date, now=now)
        self.stdout.write(
            f"Remittance of {run_date}: {done['DEBIT_CAPTURE']} sent to debit, "
            f"{done['CREDIT_CAPTURE']} sent to credit, {done['EXPIRED']} expired, "
            f"{done['AUTHOR']} re-authorised."
        )
