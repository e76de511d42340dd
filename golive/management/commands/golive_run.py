from django.core.management.base import BaseCommand

from golive.services import golive_run


class Command(BaseCommand):
    help = (
        "Carry out the go-live switches due now (what Celery beat runs at 10:00 Paris). Safe to "
        "repeat: a shop is switched once, never before 10:00 on its day; a late run says so."
    )

    def handle(self, *args, **options):
        report = golive_run()
        for request in report.switched:
            late = request.late_by_seconds or 0
            note = f" LATE by {late // 60} min {late % 60} s" if late >= 60 else ""
            self.stdout.write(
                f"{request.merchant.merchant_id} {request.from_environment} -> "
                f"{request.environment} switched{note}"
            )
        for request in report.expired:
            self.stdout.write(
                f"{request.merchant.merchant_id} {request.environment} {request.switch_date}: "
                f"expired ({request.get_status_display()})"
            )
        if not report.switched and not report.expired:
            self.stdout.write("Nothing due.")
