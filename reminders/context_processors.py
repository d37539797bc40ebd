from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from reminders.selectors import unacknowledged_failures


def failed_reminders(request: HttpRequest) -> dict[str, Callable[[], Any]]:
    """The failed-email banner on every page, until the user acknowledges it.

    Lazy: the template calls it, so pages that do not render the banner (the
    admin) run no query.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"failed_reminders": lambda: unacknowledged_failures(user)}
