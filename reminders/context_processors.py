from collections.abc import Callable
from typing import Any, NamedTuple

from django.http import HttpRequest

from accounts.models import User
from accounts.prepared import PreparedRows
from reminders.models import Reminder, ReminderStatus


class FailedEmail(NamedTuple):
    role: str
    company: str


# The banner's query, written once in SQL: building and compiling it with the
# ORM (two joins, on every page) cost about 0.8 ms of CPU a page, this 0.05.
# The latest unacknowledged failures come from the partial index
# reminder_failed_banner_idx (none, on almost every page), then each one's role
# and company: as subqueries, PostgreSQL plans them about as fast as a query of
# one table (a join took as long again to plan) and runs them only for the rows
# found. tests/reminders/test_views.py checks it against the same ORM query.
BANNER_SQL = """
SELECT
  (SELECT a.role FROM applications_application a WHERE a.id = r.application_id),
  (SELECT c.name FROM applications_application a
   JOIN applications_company c ON c.id = a.company_id WHERE a.id = r.application_id)
FROM reminders_reminder r
WHERE r.user_id = %s AND r.status = %s AND NOT r.failure_acknowledged
ORDER BY r.updated_at DESC
LIMIT 5
"""


def _banner(*, user_id: int) -> tuple[str, list[Any]]:
    return BANNER_SQL, [user_id, ReminderStatus.FAILED.value]


# On PostgreSQL a prepared statement of each connection, planned once
# (accounts/statements.py): its planning took longer than its run.
_BANNER = PreparedRows(_banner, values=("user_id",), model=Reminder)


def unacknowledged_failures(user: User) -> list[FailedEmail]:
    """What the banner names: the role and company of the latest failed emails
    the user has not acknowledged."""
    return [FailedEmail(role, company) for role, company in _BANNER(user_id=user.pk)]


def failed_reminders(request: HttpRequest) -> dict[str, Callable[[], Any]]:
    """The failed-email banner on every page, until the user acknowledges it.

    Lazy: the template calls it, so pages that do not render the banner (the
    admin) run no query.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"failed_reminders": lambda: unacknowledged_failures(user)}
