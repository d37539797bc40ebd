"""Use cases that write a user's own settings."""

import datetime

from django.db import transaction

from accounts.models import User


@transaction.atomic
def user_search_start_set(*, user: User, started_on: datetime.date | None) -> None:
    """Set the day the current job search started (insights count from it);
    None goes back to the default, the day of the first application."""
    user.search_started_on = started_on
    user.save(update_fields=["search_started_on"])
