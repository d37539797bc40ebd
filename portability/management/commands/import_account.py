"""Restore a backup zip into a user's empty account."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from portability.backup import RestoreError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup zip (from export_account or the Your data page) into an empty account."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="the account's email address")

    def handle(self, *args, **options) -> None:
        try:
            user = User.objects.get(email__iexact=options["user"])
        except User.DoesNotExist as error:
            raise CommandError(f"No user {options['user']}.") from error
        try:
            with Path(options["file"]).open("rb") as source:
                result = backup_restore(user=user, source=source)
        except OSError as error:
            raise CommandError(f"{options['file']}: {error.strerror}") from error
        except RestoreError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            "Restored: " + ", ".join(f"{n} {key}" for key, n in result.counts.items()) + "."
        )
