"""Use cases that write a user's own settings."""

import datetime

from django.db import transaction


@transaction.atomic
def user_search_start_set(*, user, started_on: datetime.date | None) -> None:
    """Set the day the current job search started (insights count from it);
    None goes back to the default, the day of the first application."""
    user.search_started_on = started_on
    user.save(update_fields=["search_started_on"])


@transaction.atomic
def user_settings_update(*, user, name: str, **reminder_settings) -> None:
    """The Settings page: the user's name and their reminder settings, saved
    together (a refused setting leaves the name as it was)."""
    from reminders.services import reminder_settings_update

    user.name = " ".join(name.split())
    user.save(update_fields=["name"])
    reminder_settings_update(user=user, **reminder_settings)
