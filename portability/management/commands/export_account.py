"""Write a user's full backup (ajar.json and attachments/) to a zip file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from portability.backup import backup_write


class Command(BaseCommand):
    help = "Export a user's account as a backup zip (the Your data page's full backup)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="the account's email address")
        parser.add_argument("--output", required=True, help="FILE.zip")

    def handle(self, *args, **options) -> None:
        try:
            user = User.objects.get(email__iexact=options["user"])
        except User.DoesNotExist as error:
            raise CommandError(f"No user {options['user']}.") from error
        try:
            with Path(options["output"]).open("wb") as out:
                backup_write(user, out)
        except OSError as error:
            raise CommandError(f"{options['output']}: {error.strerror}") from error
        self.stdout.write(f"Wrote {options['output']}.")
