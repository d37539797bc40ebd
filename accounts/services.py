"""Use cases that write a user's own settings."""

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Invitation, User


@transaction.atomic
def user_search_start_set(*, user: User, started_on: datetime.date | None) -> None:
    """Set the day the current job search started (insights count from it);
    None goes back to the default, the day of the first application."""
    user.search_started_on = started_on
    user.save(update_fields=["search_started_on"])


def invitation_consume(*, invitation_id: int) -> bool:
    """Mark an invitation used. A conditional UPDATE: of two sign-ups racing on
    one invitation, exactly one sees a row change; the other is refused."""
    changed = Invitation.objects.filter(pk=invitation_id, accepted_at__isnull=True).update(
        accepted_at=timezone.now()
    )
    return changed == 1
