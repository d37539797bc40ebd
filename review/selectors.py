"""Reads for the board, the companies pages and the dashboard.

Each function returns what one page shows in a fixed number of queries, however
many applications the user has: the pages assert it.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.prepared import PreparedQuery, PreparedValues, keep_as_prefetched
from applications.models import (
    Application,
    Attachment,
    Company,
    Outcome,
    Rejection,
    Stage,
    StageEvent,
    StatsCount,
)
from contacts.models import Contact, Interaction
from reminders.models import Reminder, ReminderStatus

# --- Companies ----------------------------------------------------------------------------


def company_list(user: User) -> QuerySet[Company]:
    """Companies with what happened there, counted in the same query."""
    qs = Company.objects.for_user(user)
    apps = Application.objects.filter(company=OuterRef("pk")).order_by().values("company")
    # Subqueries rather than joins: counting over two joins would multiply the rows.
    return qs.annotate(
        application_count=Coalesce(
            Subquery(apps.annotate(n=Count("pk")).values("n")[:1]), Value(0)
        ),
        open_count=Coalesce(
            Subquery(apps.filter(outcome=Outcome.OPEN).annotate(n=Count("pk")).values("n")[:1]),
            Value(0),
        ),
        rejected_count=Coalesce(
            Subquery(apps.filter(outcome=Outcome.REJECTED).annotate(n=Count("pk")).values("n")[:1]),
            Value(0),
        ),
        ghosted_count=Coalesce(
            Subquery(apps.filter(outcome=Outcome.GHOSTED).annotate(n=Count("pk")).values("n")[:1]),
            Value(0),
        ),
        furthest=Subquery(apps.annotate(m=Max("furthest_stage")).values("m")[:1]),
        next_circle_back=Subquery(
            Reminder.objects.circle_backs()
            .filter(
                application__company=OuterRef("pk"),
                status__in=(ReminderStatus.SCHEDULED, ReminderStatus.WAITING),
            )
            .order_by("due_date")
            .values("due_date")[:1]
        ),
        contact_count=Coalesce(
            Subquery(
                Contact.objects.filter(company=OuterRef("pk"))
                .order_by()
                .values("company")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            Value(0),
        ),
    )


@dataclass
class CompanyReply:
    """How a company answered one application."""

    key: str  # letter, message, silent, pending, other
    label: str


def _reply(application: Application) -> CompanyReply:
    if application.outcome == Outcome.GHOSTED:
        return CompanyReply("silent", _("Went silent"))
    if application.outcome == Outcome.REJECTED:
        rejection = getattr(application, "rejection", None)
        if rejection is not None and (rejection.letter_text.strip() or rejection.has_file):
            return CompanyReply("letter", _("Wrote back with a letter"))
        return CompanyReply("message", _("Said no, without a letter"))
    if application.outcome == Outcome.OPEN:
        return CompanyReply("pending", _("Still open"))
    return CompanyReply("other", application.get_outcome_display())


def company_applications(company: Company) -> list[Application]:
    applications = list(
        company.applications.select_related("rejection")
        .prefetch_related(Prefetch("reminders", queryset=Reminder.objects.latest_first()))
        .order_by("-created_at", "-id")
    )
    with_file = set(
        Attachment.objects.filter(
            rejection__application__in=[a.pk for a in applications]
        ).values_list("rejection__application_id", flat=True)
    )
    for application in applications:
        rejection = getattr(application, "rejection", None)
        if rejection is not None:
            rejection.has_file = application.pk in with_file
        # The page's per-row values, set like annotations (mypy cannot see an
        # attribute set at run time on a model instance).
        application.reply = _reply(application)  # type: ignore[attr-defined]
        steps = application.reminders.all()
        application.current_step = steps[0] if steps else None  # type: ignore[attr-defined]
    return applications


def company_contacts(company: Company) -> list[Contact]:
    return list(
        Contact.objects.filter(company=company).with_last_contacted().order_by("name", "id")
    )


def company_interactions(company: Company, *, limit: int = 20) -> list[Interaction]:
    return list(
        Interaction.objects.filter(Q(contacts__company=company) | Q(application__company=company))
        .distinct()
        .prefetch_related("contacts")
        .select_related("application")
        .order_by("-occurred_on", "-id")[:limit]
    )


def company_reply_summary(applications: Iterable[Application]) -> dict[str, int]:
    summary = {"letter": 0, "message": 0, "silent": 0, "pending": 0, "other": 0}
    for application in applications:
        summary[application.reply.key] += 1  # type: ignore[attr-defined]  # see above
    return summary


@dataclass
class CompanyDeletion:
    """What goes with a company: said on the confirmation page."""

    applications: int
    rejections: int
    reminders: int
    contacts: int
    interactions: int

    @property
    def anything(self) -> bool:
        return any((self.applications, self.contacts, self.interactions))


def company_deletion_summary(company: Company) -> CompanyDeletion:
    alone = Interaction.objects.left_alone_by(Contact.objects.filter(company=company))
    return CompanyDeletion(
        applications=company.applications.count(),
        rejections=Rejection.objects.filter(application__company=company).count(),
        reminders=Reminder.objects.filter(application__company=company)
        .filter(status__in=[ReminderStatus.SCHEDULED, ReminderStatus.FAILED])
        .count(),
        contacts=Contact.objects.filter(company=company).count(),
        interactions=alone.count(),
    )


# --- Dashboard -------------------------------------------------------------------------------


def _quiet(user: User | int, *, quiet_since: datetime.date) -> QuerySet[Application]:
    return (
        Application.objects.for_user(user)
        .open()
        .filter(last_activity_on__lte=quiet_since)
        .exclude(current_stage__in=[Stage.SAVED, Stage.OFFER])
        .select_related("company")
        .annotate(last_news_on=F("last_activity_on"))
        .order_by("last_activity_on", "id")
    )


def stale_applications(
    user: User, *, today: datetime.date, days: int | None = None
) -> QuerySet[Application]:
    """Open applications with no news (no move, no conversation) for `days`:
    candidates for "mark as ghosted". The wishlist and offers wait on the user,
    not on the company, so they are left out.

    The last news is Application.last_activity_on, kept by the services: the
    query is a range of application_quiet_idx, where computing it from the
    history ran two correlated subqueries per open application (90,119 of them
    each, 1.3 s, for an account of 200,000)."""
    days = settings.AJAR_GHOSTED_AFTER_DAYS if days is None else days
    return _quiet(user, quiet_since=today - datetime.timedelta(days=days))


def _circle_backs(user_id: int) -> QuerySet[Reminder]:
    """The user's circle-backs with only the columns shown, each with
    `insiders`, the number of contacts at its company, in due order."""
    insiders = (
        Contact.objects.filter(user=user_id, company=OuterRef("application__company_id"))
        .order_by()
        .values("company")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return (
        Reminder.objects.for_user(user_id)
        .select_related("application__company")
        .only(
            "status",
            "kind",
            "due_at",
            "due_date",
            "application__role",
            "application__company__name",
        )
        .annotate(insiders=Coalesce(Subquery(insiders), Value(0)))
        .order_by("due_at", "id")
    )


def _due_soon(*, user_id: int, soon: datetime.datetime, limit: int) -> QuerySet[Reminder]:
    return _circle_backs(user_id).filter(status=ReminderStatus.SCHEDULED, due_at__lte=soon)[:limit]


def _emailed(*, user_id: int, limit: int) -> QuerySet[Reminder]:
    return _circle_backs(user_id).filter(status=ReminderStatus.SENT)[:limit]


def _recent(*, user_id: int, since: datetime.date, limit: int) -> QuerySet[Application]:
    return recent_outcomes(user_id, since=since)[:limit]


def _stale(*, user_id: int, quiet_since: datetime.date, limit: int) -> QuerySet[Application]:
    return _quiet(user_id, quiet_since=quiet_since)[:limit]


def _any_application(*, user_id: int) -> QuerySet[Any]:
    # Unordered, as exists() is: the model's ordering sorted every application
    # of the account to keep one (28 ms at 200,000).
    return Application.objects.for_user(user_id).order_by().values_list("pk")[:1]


STAGE_COUNT_KEYS = {f"o:{stage.value}": stage for stage in Stage}


def _stage_counts(*, user_id: int) -> QuerySet[Any]:
    return StatsCount.objects.filter(user=user_id, key__in=STAGE_COUNT_KEYS).values_list("key", "n")


# The dashboard's reads, built and compiled once a process (accounts.prepared):
# building and compiling its dozen querysets was a fifth of its CPU.
_DUE_SOON = PreparedQuery[Reminder](_due_soon, values={"user_id": int, "soon": datetime.datetime})
_EMAILED = PreparedQuery[Reminder](_emailed, values=("user_id",))
_RECENT = PreparedQuery[Application](_recent, values={"user_id": int, "since": datetime.date})
_STALE = PreparedQuery[Application](_stale, values={"user_id": int, "quiet_since": datetime.date})
_ANY_APPLICATION = PreparedValues(_any_application, values=("user_id",))
# Planned on each call: one plan for every account read the largest one's
# 1,200 counters through the user index to keep 7.
_STAGE_COUNTS = PreparedValues(_stage_counts, values=("user_id",), plan_once=False)


def stale_rows(user: User, *, today: datetime.date, limit: int) -> list[Application]:
    """The first `limit` of stale_applications(user, today=today)."""
    quiet_since = today - datetime.timedelta(days=settings.AJAR_GHOSTED_AFTER_DAYS)
    return _STALE(user_id=user.pk, quiet_since=quiet_since, limit=limit)


def recent_rows(user: User, *, since: datetime.date, limit: int) -> list[Application]:
    """The first `limit` of recent_outcomes(user, since=since)."""
    return _RECENT(user_id=user.pk, since=since, limit=limit)


def has_applications(user: User) -> bool:
    return bool(_ANY_APPLICATION(user_id=user.pk))


def circle_backs(
    user: User, *, now: datetime.datetime, limit: int, within_days: int = 7
) -> list[Reminder]:
    """The first `limit` circle-backs to act on, by due time: due (scheduled and
    past due, or emailed and not yet done) and coming up within a week; each
    with `insiders`, the number of contacts at its company.

    Two queries, one a status: each an ordered range of
    reminder_user_status_idx whose first `limit` rows meet their application,
    company and insiders (a nested loop, 11 rows each: 2.6 and 0.9 ms at
    200,000 applications). One OR'ed query with a COUNT ... GROUP BY over every
    due reminder took 0.9 s for an account of 200,000 applications."""
    soon = now + datetime.timedelta(days=within_days)
    rows = [
        *_DUE_SOON(user_id=user.pk, soon=soon, limit=limit),
        *_EMAILED(user_id=user.pk, limit=limit),
    ]
    rows.sort(key=lambda reminder: (reminder.due_at, reminder.pk))
    return rows[:limit]


def recent_outcomes(user: User | int, *, since: datetime.date) -> QuerySet[Application]:
    return (
        Application.objects.for_user(user)
        .filter(outcome__in=[Outcome.REJECTED, Outcome.GHOSTED], outcome_on__gte=since)
        .select_related("company")
        .order_by("-outcome_on", "-id")
    )


def stage_counts(user: User) -> list[tuple[Stage, int]]:
    """The open applications in each board column: the user's "o:<stage>"
    counters (applications.summary), seven rows, where counting the
    applications read every open one (114,000 index entries, 23-40 ms, for an
    account of 200,000)."""
    totals = dict(_STAGE_COUNTS(user_id=user.pk))
    return [(stage, totals.get(key, 0)) for key, stage in STAGE_COUNT_KEYS.items()]


# --- The application page: its timeline across every app ---------------------------


def _application_row(*, user_id: int, pk: int) -> QuerySet[Application]:
    mine = Application.objects.for_user(user_id)
    return mine.filter(pk=pk).select_related("company", "rejection")


def _steps(*, application_id: int) -> QuerySet[Reminder]:
    return Reminder.objects.filter(application_id=application_id).order_by("id")


def _files(*, rejection_id: int) -> QuerySet[Attachment]:
    return Attachment.objects.without_data().filter(rejection_id=rejection_id).letter_first()


def _stage_events(*, application_id: int) -> QuerySet[StageEvent]:
    return StageEvent.objects.filter(application_id=application_id)


def _people_met(*, application_id: int) -> QuerySet[Contact]:
    return Contact.objects.filter(applications=application_id).order_by("name", "id")


def _conversations(*, application_id: int) -> QuerySet[Interaction]:
    return Interaction.objects.filter(application_id=application_id).order_by("occurred_on", "id")


def _conversation_people(*, application_id: int) -> QuerySet[Any]:
    """Who each of the application's conversations was with, as the rows of
    their many-to-many table, each with its contact; in the contacts' order."""
    return (
        Interaction.contacts.through.objects.filter(interaction__application_id=application_id)
        .select_related("contact")
        .order_by("contact__name", "contact__id")
    )


# The application page's own reads, compiled once a process (accounts.prepared):
# building and compiling them, and the prefetches they replace, was about a
# fifth of the page's CPU.
_APPLICATION_ROW = PreparedQuery[Application](_application_row, values=("user_id", "pk"))
_PEOPLE_MET = PreparedQuery[Contact](_people_met, values=("application_id",))
_CONVERSATIONS = PreparedQuery[Interaction](_conversations, values=("application_id",))
_CONVERSATION_PEOPLE = PreparedQuery[Any](_conversation_people, values=("application_id",))
_STEPS = PreparedQuery[Reminder](_steps, values=("application_id",))
_FILES = PreparedQuery[Attachment](_files, values=("rejection_id",))
_STAGE_EVENTS = PreparedQuery[StageEvent](_stage_events, values=("application_id",))


def application_for_detail(*, user: User, pk: int) -> Application:
    """One application with everything its page shows, in a fixed number of
    queries; 404 unless it is `user`'s. The people met (`contacts`), the
    conversations (`interactions`) and who each was with are kept as
    prefetch_related would keep them."""
    rows = _APPLICATION_ROW(user_id=user.pk, pk=pk)
    if not rows:
        raise Http404("No application matches the given query.")
    application = rows[0]
    keep_as_prefetched(application, "contacts", _PEOPLE_MET(application_id=application.pk))
    conversations = _CONVERSATIONS(application_id=application.pk)
    keep_as_prefetched(application, "interactions", conversations)
    if conversations:
        people: dict[int, list[Contact]] = {c.pk: [] for c in conversations}
        for row in _CONVERSATION_PEOPLE(application_id=application.pk):
            people[row.interaction_id].append(row.contact)
        for conversation in conversations:
            conversation.application = application  # as the prefetch set it
            keep_as_prefetched(conversation, "contacts", people[conversation.pk])
    return application


def files_of(application: Application) -> list[Attachment]:
    """The rejection's files, the letter first (without their bytes): a
    rejection keeps at most letters.uploads.MAX_FILES_PER_REJECTION."""
    if not _has_rejection(application):
        return []
    return _FILES(rejection_id=application.rejection.pk)


def reminder_of(application: Application) -> Reminder | None:
    """The application's current step of its cadence (the newest row)."""
    return Reminder.objects.filter(application=application).latest_first().first()


def steps_of(application: Application) -> list[Reminder]:
    """Every step of the application's cadence, oldest first (a few rows): the
    last is its current step (reminder_of), and the timeline shows the others,
    read in one query instead of two."""
    return _STEPS(application_id=application.pk)


def _has_rejection(application: Application) -> bool:
    try:
        return application.rejection is not None
    except Application.rejection.RelatedObjectDoesNotExist:
        return False


@dataclass(frozen=True)
class TimelineEntry:
    """One line of an application's history, in date order."""

    on: datetime.date
    kind: str  # stage, rejection, ghosted, interaction, reminder
    obj: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


_KIND_ORDER = {"stage": 0, "interaction": 1, "rejection": 2, "ghosted": 2, "reminder": 3}


def application_timeline(
    application: Application,
    *,
    reminder: Reminder | None,
    files: Sequence[Attachment] = (),
    steps: Sequence[Reminder] | None = None,
) -> list[TimelineEntry]:
    """Every stage change (interviews with their time), the interactions, the
    rejection and its letter (or the silence), and the circle-back. `steps`:
    the application's steps_of when the caller has them."""
    entries = [
        TimelineEntry(on=event.occurred_on, kind="stage", obj=event)
        for event in _STAGE_EVENTS(application_id=application.pk)
    ]
    entries += [
        TimelineEntry(on=interaction.occurred_on, kind="interaction", obj=interaction)
        for interaction in application.interactions.all()
    ]
    if _has_rejection(application):
        rejection = application.rejection
        entries.append(
            TimelineEntry(
                on=rejection.received_on,
                kind="rejection",
                obj=rejection,
                extra={"files": files},
            )
        )
    elif application.outcome == "ghosted" and application.outcome_on:
        entries.append(TimelineEntry(on=application.outcome_on, kind="ghosted"))
    # Every step of the cadence that is still to come or went out, not only
    # the current one (a thank-you and the circle-back waiting behind it).
    if reminder is not None:
        if steps is None:
            steps = steps_of(application)
        for step in steps:
            if step.status != ReminderStatus.CANCELLED:
                entries.append(TimelineEntry(on=step.due_date, kind="reminder", obj=step))
    return sorted(entries, key=lambda e: (e.on, _KIND_ORDER[e.kind]))
