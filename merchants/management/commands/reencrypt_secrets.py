from django.core.management.base import BaseCommand

from merchants.services import merchants_reencrypt_secrets


class Command(BaseCommand):
    help = "Re-encrypt every shop secret under the first key of GESTION_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        self.stdout.write(f"{merchants_reencrypt_secrets()} shop secret(s) re-encrypted.")
