"""The job-search activity log: what unemployment-benefit programs ask for
each week (date, employer, position, how, person contacted, result), built
from applications, stage events, conversations and rejections."""

import datetime
from dataclasses import dataclass

from accounts.models import User
from applications.models import Rejection, Stage, StageEvent
from contacts.models import Interaction

MAX_DAYS = 366
MAX_ENTRIES = 2000


@dataclass(frozen=True)
class Activity:
    date: datetime.date
    employer: str
    position: str
    activity: str
    how: str
    person: str
    result: str


def activity_log(
    user: User, *, start: datetime.date, end: datetime.date
) -> tuple[list[Activity], bool]:
    """The entries from `start` to `end` (inclusive), oldest first, and whether
    more than MAX_ENTRIES were cut."""
    events = (
        StageEvent.objects.for_user(user)
        .filter(occurred_on__range=(start, end))
        .select_related("application__company")
        .order_by("occurred_on", "pk")[: MAX_ENTRIES + 1]
    )
    entries = []
    for event in events:
        app = event.application
        if event.stage == Stage.APPLIED:
            what = "Applied"
        elif event.stage == Stage.SAVED:
            what = "Saved the posting"
        else:
            what = str(Stage(event.stage).label)
        entries.append(
            Activity(
                event.occurred_on,
                app.company.name,
                app.role,
                what,
                app.get_source_display() if app.source else "",
                "",
                app.get_outcome_display(),
            )
        )
    conversations = (
        Interaction.objects.for_user(user)
        .filter(occurred_on__range=(start, end))
        .select_related("application__company")
        .prefetch_related("contacts__company")
        .order_by("occurred_on", "pk")[: MAX_ENTRIES + 1]
    )
    for item in conversations:
        people = list(item.contacts.all())
        talked_about = item.application
        employer = (
            talked_about.company.name
            if talked_about
            else next((p.company.name for p in people if p.company), "")
        )
        entries.append(
            Activity(
                item.occurred_on,
                employer,
                talked_about.role if talked_about else "",
                "Conversation" + (f": {item.summary[:80]}" if item.summary else ""),
                item.get_channel_display(),
                ", ".join(p.name for p in people),
                "",
            )
        )
    rejections = (
        Rejection.objects.for_user(user)
        .filter(received_on__range=(start, end))
        .select_related("application__company")
        .order_by("received_on", "pk")[: MAX_ENTRIES + 1]
    )
    for rejection in rejections:
        app = rejection.application
        entries.append(
            Activity(
                rejection.received_on,
                app.company.name,
                app.role,
                "Rejection received",
                rejection.get_channel_display(),
                "",
                "Rejected",
            )
        )
    entries.sort(key=lambda a: a.date)
    return entries[:MAX_ENTRIES], len(entries) > MAX_ENTRIES
