"""Reads that the email, the email's link pages and the Reminders page share."""

import datetime
import operator
from dataclasses import dataclass
from functools import reduce
from itertools import chain
from typing import Any

from django.db import connections
from django.db.models import (
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone

from accounts.models import User
from accounts.pagination import BoundedCount
from accounts.prepared import PreparedQuery, PreparedValues, prepared_counts, prepared_union
from contacts.models import Contact
from reminders.models import Reminder, ReminderSettings, ReminderStatus


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


# The Reminders page's sections, in order: "due", "upcoming" and "snoozed" are
# views of scheduled rows, not statuses. Finished ones newest first.
SECTION_KEYS = ("due", "failed", "sent", "upcoming", "snoozed", "done", "dismissed", "cancelled")
_NEWEST_FIRST = frozenset({"sent", "done", "dismissed", "cancelled"})


def _section_parts(key: str, now: datetime.datetime) -> tuple[Q, ...]:
    """A section as index ranges, each read in the section's order (due_at, id):
    a range of reminder_user_status_idx (user, status, due_at, id), or of
    reminder_sending_lease_idx (user, due_at, id, ...) for the rows being sent."""
    scheduled = Q(status=ReminderStatus.SCHEDULED)
    if key == "due":
        return (Q(status=ReminderStatus.SENDING), scheduled & Q(due_at__lte=now))
    if key == "upcoming":
        # A step waiting behind a pending thank-you comes next too.
        return (scheduled & Q(due_at__gt=now, snoozed_count=0), Q(status=ReminderStatus.WAITING))
    if key == "snoozed":
        return (scheduled & Q(due_at__gt=now, snoozed_count__gt=0),)
    return (Q(status=key),)


def _section_filter(key: str, now: datetime.datetime) -> Q:
    return reduce(operator.or_, _section_parts(key, now))


CARD_FIELDS = (
    "user_id",
    "step",
    "kind",
    "status",
    "due_at",
    "sent_at",
    "resolved_at",
    "snoozed_count",
    "moved_on",
    "due_date_before_move",
    "last_error",
    "application",
    "reapplication",
    "contact",
)
# What a card shows of the rows around its reminder, as values on it, not
# models: read as models (select_related), 80 cards were 272 model instances,
# a seventh of the page's CPU.
CARD_VALUES = {
    "card_role": F("application__role"),
    "card_company": F("application__company__name"),
    "card_reapplied_role": F("reapplication__role"),
    "card_contact_name": F("contact__name"),
    "card_contact_role": F("contact__role"),
}


def _cards(user: User | int) -> QuerySet[Reminder]:
    return (
        Reminder.objects.for_user(user)
        # What a card shows ({% reminder_cards %}), not every column of
        # five tables: an application's search text alone holds its letter's start.
        .only(*CARD_FIELDS)
        .annotate(**CARD_VALUES)
    )


def _order(key: str) -> tuple[str, str]:
    return ("-due_at", "-id") if key in _NEWEST_FIRST else ("due_at", "id")


def _sliced_in_unions(queryset: QuerySet[Any]) -> bool:
    # SQLite allows no ORDER BY or LIMIT in the parts of a UNION.
    return connections[queryset.db].features.supports_slicing_ordering_in_compound


class SectionRows:
    """One section of the Reminders page, in the order it is shown, sliced
    like a queryset (`rows[a:b]`, what a Paginator does) into a list.

    A section of two index ranges ("due": the rows being sent and the scheduled
    ones past due; "upcoming") is read as a UNION ALL of the two, each ordered
    and limited to `b` rows, then merged: PostgreSQL reads at most `b` entries
    of each range. As one OR'ed condition it found every match (12,000 at
    200,000 applications) and sorted them all to keep 10.
    """

    ordered = True  # for Paginator's check: the order is the section's

    def __init__(self, user: User, key: str, *, now: datetime.datetime) -> None:
        self.key = key
        self.order = _order(key)
        cards = _cards(user)
        self.parts = [cards.filter(part).order_by(*self.order) for part in _section_parts(key, now)]

    def rows(self, start: int, stop: int) -> QuerySet[Reminder]:
        """The query of rows `start` to `stop` (to read, or to explain)."""
        if len(self.parts) == 1:
            return self.parts[0][start:stop]
        first, *rest = (part[:stop] for part in self.parts)
        return first.union(*rest, all=True).order_by(*self.order)[start:stop]

    def __getitem__(self, item: slice) -> list[Reminder]:
        if not isinstance(item, slice) or item.stop is None or item.step is not None:
            raise TypeError("A section is read a bounded slice at a time.")
        start, stop = item.start or 0, item.stop
        if len(self.parts) == 1 or _sliced_in_unions(self.parts[0]):
            return list(self.rows(start, stop))
        # SQLite: each range on its own, merged here.
        rows = sorted(
            chain.from_iterable(part[:stop] for part in self.parts),
            key=lambda reminder: (reminder.due_at, reminder.pk),
            reverse=self.key in _NEWEST_FIRST,
        )
        return rows[start:stop]


def reminder_section(user: User, key: str, *, now: datetime.datetime) -> SectionRows:
    """One section of the Reminders page, in the order it is shown."""
    return SectionRows(user, key, now=now)


@dataclass(frozen=True)
class Person:
    """Someone to write to, as a card names them (a link to their page)."""

    pk: int
    name: str
    email: str


def _people(*, ids: list[int]) -> QuerySet[Any]:
    return (
        Contact.applications.through.objects.filter(application_id__in=ids)
        .order_by("contact__name", "contact_id")
        .values_list("application_id", "contact_id", "contact__name", "contact__email")
    )


def _cards_of(*, user_id: int, ids: list[int]) -> QuerySet[Reminder]:
    return _cards(user_id).filter(pk__in=ids)


# Both compiled once a process for a few lengths of their id lists.
_PEOPLE = PreparedValues(_people, values={"ids": list})
_CARDS_OF = PreparedQuery[Reminder](_cards_of, values={"user_id": int, "ids": list})


def reminder_people(reminders: list[Reminder]) -> None:
    """Whom to write to, on each card: set `people` on each reminder, the
    people linked to its application by name, in one query for every card
    of the page. Read from the link table joined to the people, not as a
    prefetch: that built a related manager for each application and model
    instances for each person, a tenth of the page's time."""
    by_application: dict[int, list[Person]] = {}
    ids = sorted({reminder.application_id for reminder in reminders})
    for application_id, pk, name, email in _PEOPLE(ids=ids) if ids else ():
        by_application.setdefault(application_id, []).append(Person(pk, name, email))
    for reminder in reminders:
        reminder.people = by_application.get(reminder.application_id, [])  # type: ignore[attr-defined]


# The page counts each section up to this many (then says "1,000+"): eight
# index ranges of at most 1,001 rows, not an aggregate over every reminder of
# the account (74,000 at 200,000 applications: ~90 ms).
SECTION_COUNT_CAP = 1_000


def _section_ranges(*, user_id: int, now: datetime.datetime) -> list[QuerySet[Reminder]]:
    mine = Reminder.objects.for_user(user_id)
    return [mine.filter(part) for key in SECTION_KEYS for part in _section_parts(key, now)]


# Built and compiled once a process (accounts/prepared.py): it was a fifth of the page's CPU.
_SECTION_COUNTS = prepared_counts(
    _section_ranges, values={"user_id": int, "now": datetime.datetime}, model=Reminder
)


def reminder_section_counts(
    user: User, *, now: datetime.datetime, cap: int = SECTION_COUNT_CAP
) -> dict[str, BoundedCount]:
    """How many reminders each section holds, up to `cap + 1` each, in one query.

    Each of a section's index ranges is counted on its own and the counts
    added: counted as one OR, PostgreSQL scanned the table for "due" and
    "upcoming" (2 ms each at 200,000 applications) where each range alone is
    an index scan. Parts each capped add up past the cap exactly when the
    section's rows do."""
    counts = iter(_SECTION_COUNTS(user_id=user.pk, now=now, cap=cap))
    totals = {key: sum(next(counts) for _part in _section_parts(key, now)) for key in SECTION_KEYS}
    return {key: BoundedCount(min(totals[key], cap + 1), cap) for key in SECTION_KEYS}


def _picked_parts(*, user_id: int, now: datetime.datetime, limit: int) -> list[QuerySet[Any]]:
    mine = Reminder.objects.for_user(user_id).order_by()
    return [
        mine.filter(part)
        .order_by(*_order(key))
        .annotate(section=Value(key))
        .values_list("section", "due_at", "id")[:limit]
        for key in SECTION_KEYS
        for part in _section_parts(key, now)
    ]


# Which rows each section shows, built and compiled once a process.
_PICKED = prepared_union(
    _picked_parts,
    values={"user_id": int, "now": datetime.datetime},
    model=Reminder,
    rows=PreparedValues,
)


def reminders_page(
    user: User, *, now: datetime.datetime | None = None, limit: int = 10
) -> dict[str, list[Reminder]]:
    """The first `limit` reminders of each section, in two queries: which
    rows (one UNION ALL of every section's index ranges, each ordered and
    limited to `limit`: ids and due times only), then those rows' cards. A
    query per section compiled and read the cards' five tables eight times.
    """
    now = now or timezone.now()
    picked = _PICKED(user_id=user.pk, now=now, limit=limit)
    ids = [pk for _key, _due_at, pk in picked]
    cards = {card.pk: card for card in _CARDS_OF(user_id=user.pk, ids=ids)} if ids else {}
    ranked: dict[str, list[tuple[datetime.datetime, int]]] = {key: [] for key in SECTION_KEYS}
    for key, due_at, pk in picked:
        ranked[key].append((due_at, pk))
    return {
        key: [
            cards[pk]
            for _due_at, pk in sorted(rows, reverse=key in _NEWEST_FIRST)[:limit]
            # Deleted between the two queries: not shown.
            if pk in cards
        ]
        for key, rows in ranked.items()
    }


def unacknowledged_failures(user: User, *, limit: int = 5) -> list[Reminder]:
    return list(
        Reminder.objects.for_user(user)
        .filter(status=ReminderStatus.FAILED, failure_acknowledged=False)
        .select_related("application__company")
        # The banner names the application and its company, nothing more.
        .only("application__role", "application__company__name")
        .order_by("-updated_at")[:limit]
    )


def last_delivered_at(user: User) -> datetime.datetime | None:
    return Reminder.objects.for_user(user).aggregate(last=Max("sent_at"))["last"]


def _email_enabled(*, user_id: int) -> QuerySet[Any]:
    return ReminderSettings.objects.filter(user_id=user_id).values_list("email_enabled")


_EMAIL_ENABLED = PreparedValues(_email_enabled, values=("user_id",))


def email_enabled(user: User) -> bool:
    """Whether the user's circle-backs are emailed: their setting, or its
    default while they have none (read, not created, by a page that shows it)."""
    rows = _EMAIL_ENABLED(user_id=user.pk)
    if rows:
        return bool(rows[0][0])
    return bool(ReminderSettings().email_enabled)
