from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.world import DEMO_TOTP_KEY


class Command(BaseCommand):
    help = (
        "Print the current two-factor code of a demo user (bank, useradmin). Only for devices "
        "holding the public demo key: a real user's code is never printed."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        device = TOTPDevice.objects.filter(
            user__username=username, confirmed=True, key=DEMO_TOTP_KEY
        ).first()
        if device is None:
            raise CommandError(f"{username!r} has no demo second factor.")
        code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{code:0{device.digits}d}")
