from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from review.demo import DEMO_EMAIL, DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Load (or reload) the demo account: 40 applications, rejections, reminders."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even with DEBUG off (replaces the demo user).",
        )

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: this looks like production. Use --force to load.")
        user = demo_load()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo account ready: {DEMO_EMAIL} / {DEMO_PASSWORD} "
                f"({user.application_set.count()} applications)"
            )
        )
