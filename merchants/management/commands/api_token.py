from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from merchants.services import api_token_create


class Command(BaseCommand):
    help = (
        "Create an API token for a user and print its key (shown this once: only its hash is "
        "stored). A token of the same name is replaced."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="the token's name")

    def handle(self, *args, username, name, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        _token, key = api_token_create(user=user, name=name, replace=True)
        self.stdout.write(key)
