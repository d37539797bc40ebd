"""Calendar (iCalendar, RFC 5545) and address-book (vCard 3.0) files."""

import datetime
import hashlib

import icalendar
import vobject
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from applications.models import Stage, StageEvent
from contacts.models import Contact
from portability.models import CalendarEventState
from reminders.models import ACTIVE_STATUSES, Reminder

FEED_PAST = datetime.timedelta(days=90)
FEED_MAX_EVENTS = 1000
INTERVIEW_LENGTH = datetime.timedelta(hours=1)
CIRCLE_BACK_LENGTH = datetime.timedelta(minutes=30)


def _domain() -> str:
    return getattr(settings, "AJAR_MESSAGE_ID_DOMAIN", "") or "ajar.localhost"


def reminder_uid(reminder: Reminder) -> str:
    return f"circle-back-{reminder.pk}@{_domain()}"


def interview_uid(event: StageEvent) -> str:
    return f"interview-{event.pk}@{_domain()}"


def _reminder_event(reminder: Reminder) -> dict:
    app = reminder.application
    return {
        "uid": reminder_uid(reminder),
        "summary": f"Circle back: {app.role} at {app.company.name}",
        "start": reminder.due_at,
        "end": reminder.due_at + CIRCLE_BACK_LENGTH,
        "url": settings.BASE_URL + reverse("reminders:list"),
        "description": (
            f"The cooling-off after {app.company.name} has passed: time to get back in touch."
        ),
    }


def _interview_event(event: StageEvent) -> dict:
    app = event.application
    assert event.scheduled_at is not None
    return {
        "uid": interview_uid(event),
        "summary": f"{Stage(event.stage).label}: {app.role} at {app.company.name}",
        "start": event.scheduled_at,
        "end": event.scheduled_at + INTERVIEW_LENGTH,
        "url": settings.BASE_URL + app.get_absolute_url(),
        "description": event.note,
    }


def _fingerprint(event: dict) -> str:
    text = "|".join(str(event[k]) for k in ("summary", "start", "end"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@transaction.atomic
def sequences(user: User, events: list[dict]) -> dict[str, int]:
    """Each event's SEQUENCE: raised when its time or title changed since it was
    last served (a snooze, a reschedule), so subscribed calendars update it."""
    uids = [e["uid"] for e in events]
    states = {
        s.uid: s
        for s in CalendarEventState.objects.for_user(user).select_for_update().filter(uid__in=uids)
    }
    new, changed = [], []
    for event in events:
        fingerprint = _fingerprint(event)
        state = states.get(event["uid"])
        if state is None:
            state = CalendarEventState(user=user, uid=event["uid"], fingerprint=fingerprint)
            states[event["uid"]] = state
            new.append(state)
        elif state.fingerprint != fingerprint:
            state.fingerprint = fingerprint
            state.sequence += 1
            changed.append(state)
    CalendarEventState.objects.bulk_create(new, ignore_conflicts=True)
    CalendarEventState.objects.bulk_update(changed, ["fingerprint", "sequence"])
    return {uid: state.sequence for uid, state in states.items()}


def _calendar(name: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Ajar//Own your data//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


def _add(calendar: icalendar.Calendar, event: dict, sequence: int, now: datetime.datetime) -> None:
    item = icalendar.Event()
    item.add("uid", event["uid"])
    item.add("dtstamp", now)
    item.add("dtstart", event["start"].astimezone(datetime.UTC))
    item.add("dtend", event["end"].astimezone(datetime.UTC))
    item.add("sequence", sequence)
    item.add("summary", event["summary"])
    item.add("url", event["url"])
    if event["description"]:
        item.add("description", event["description"])
    calendar.add_component(item)


def feed_reminders(user: User, now: datetime.datetime):
    return (
        Reminder.objects.for_user(user)
        .filter(status__in=ACTIVE_STATUSES, due_at__gte=now - FEED_PAST)
        .select_related("application__company")
        .order_by("due_at")[:FEED_MAX_EVENTS]
    )


def feed_interviews(user: User, now: datetime.datetime):
    return (
        StageEvent.objects.for_user(user)
        .filter(scheduled_at__isnull=False, scheduled_at__gte=now - FEED_PAST)
        .select_related("application__company")
        .order_by("scheduled_at")[:FEED_MAX_EVENTS]
    )


def calendar_bytes(user: User, *, reminders=(), interviews=(), name: str = "") -> bytes:
    now = timezone.now()
    events = [_reminder_event(r) for r in reminders] + [_interview_event(e) for e in interviews]
    numbers = sequences(user, events)
    calendar = _calendar(name or f"Ajar: {user.get_short_name()}")
    for event in events:
        _add(calendar, event, numbers[event["uid"]], now)
    return calendar.to_ical()


def feed_bytes(user: User) -> bytes:
    now = timezone.now()
    return calendar_bytes(
        user,
        reminders=list(feed_reminders(user, now)),
        interviews=list(feed_interviews(user, now)),
        name=f"Ajar: circle-backs and interviews of {user.get_short_name()}",
    )


# --- vCard ---------------------------------------------------------------------------


def vcard(contact: Contact) -> str:
    card = vobject.vCard()
    card.add("fn").value = contact.name
    given, _space, family = contact.name.rpartition(" ")
    if not family:
        given, family = "", given
    card.add("n").value = vobject.vcard.Name(family=family, given=given)
    if contact.company:
        card.add("org").value = [contact.company.name]
    title = contact.title or contact.get_role_display()
    card.add("title").value = title
    card.add("role").value = contact.get_role_display()
    if contact.email:
        email = card.add("email")
        email.value = contact.email
        email.type_param = "INTERNET"
    if contact.phone:
        card.add("tel").value = contact.phone
    if contact.profile_url:
        card.add("url").value = contact.profile_url
    met = [f"{a.role} at {a.company.name}" for a in contact.applications.all()]
    note = []
    if met:
        note.append("Met during: " + "; ".join(met))
    if contact.notes:
        note.append(contact.notes)
    if note:
        card.add("note").value = "\n".join(note)
    card.add("uid").value = f"contact-{contact.pk}@{_domain()}"
    return card.serialize()


def vcards(contacts) -> str:
    return "".join(vcard(c) for c in contacts)
