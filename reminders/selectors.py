"""Reads that the email, the email's link pages and the Reminders page share."""

import datetime

from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from contacts.models import Contact
from reminders.models import Reminder, ReminderStatus


def insiders_for(reminder: Reminder) -> QuerySet[Contact]:
    """The people to re-contact: met during this application, or at its company.

    Each carries `met_here` (linked to this application) and `last_contacted_on`
    (the latest of their interactions); those met here come first.
    """
    application = reminder.application
    linked_here = Contact.applications.through.objects.filter(
        contact_id=OuterRef("pk"), application_id=application.pk
    )
    candidates = Contact.objects.filter(
        Q(applications=application.pk) | Q(company_id=application.company_id)
    ).values("pk")
    return (
        Contact.objects.for_user(reminder.user_id)
        .filter(pk__in=candidates)
        .annotate(met_here=Exists(linked_here), last_contacted_on=Max("interactions__occurred_on"))
        .prefetch_related("applications")
        .order_by("-met_here", "name", "id")
    )


def has_insiders() -> Exists:
    """For a Reminder queryset: whether insiders_for() would find anyone. The
    send reads it in its locking query and skips the insiders query when not."""
    return Exists(
        Contact.objects.filter(
            Q(applications=OuterRef("application_id"))
            | Q(company_id=OuterRef("application__company_id")),
            user_id=OuterRef("user_id"),
        )
    )


def reminders_page(
    user: User, *, now: datetime.datetime | None = None
) -> dict[str, list[Reminder]]:
    """The user's reminders, in one query, grouped the way the page shows them.

    "Due", "upcoming" and "snoozed" are views of scheduled rows, not statuses.
    """
    now = now or timezone.now()
    groups: dict[str, list[Reminder]] = {
        "due": [],
        "failed": [],
        "sent": [],
        "upcoming": [],
        "snoozed": [],
        "done": [],
        "dismissed": [],
        "cancelled": [],
    }
    reminders = (
        Reminder.objects.for_user(user)
        .select_related("application__company", "rejection", "reapplication", "contact")
        # Whom to write to, on each card: one query for every card's people.
        .prefetch_related(
            Prefetch("application__contacts", queryset=Contact.objects.order_by("name", "id"))
        )
        .order_by("due_at", "id")
    )
    for reminder in reminders:
        status = reminder.status
        if status == ReminderStatus.SENDING or (
            status == ReminderStatus.SCHEDULED and reminder.due_at <= now
        ):
            groups["due"].append(reminder)
        elif status == ReminderStatus.SCHEDULED:
            groups["snoozed" if reminder.snoozed_count else "upcoming"].append(reminder)
        elif status == ReminderStatus.WAITING:
            # The next step after a pending thank-you.
            groups["upcoming"].append(reminder)
        else:
            groups[status].append(reminder)
    # Finished ones read newest first.
    for key in ("sent", "done", "dismissed", "cancelled"):
        groups[key].reverse()
    return groups


def unacknowledged_failures(user: User, *, limit: int = 5) -> list[Reminder]:
    return list(
        Reminder.objects.for_user(user)
        .filter(status=ReminderStatus.FAILED, failure_acknowledged=False)
        .select_related("application__company")
        .order_by("-updated_at")[:limit]
    )


def last_delivered_at(user: User) -> datetime.datetime | None:
    return Reminder.objects.for_user(user).aggregate(last=Max("sent_at"))["last"]
