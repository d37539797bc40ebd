"""Reads the applications pages share: each keeps its query count flat."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from applications.models import Application, Attachment, StageEvent
from contacts.models import Contact, Interaction
from reminders.models import Reminder


def application_search(
    *,
    user,
    q: str = "",
    stage: int | None = None,
    outcome: str = "",
    company=None,
    source: str = "",
    applied_from: datetime.date | None = None,
    applied_to: datetime.date | None = None,
) -> QuerySet[Application]:
    """The list page: the user's applications matching every given filter."""
    applications = Application.objects.for_user(user).select_related("company")
    for word in q.split()[:10]:
        applications = applications.filter(
            Q(role__icontains=word)
            | Q(company__name__icontains=word)
            | Q(location__icontains=word)
            | Q(notes__icontains=word)
        )
    if stage:
        applications = applications.filter(current_stage=stage)
    if outcome:
        applications = applications.filter(outcome=outcome)
    if company is not None:
        applications = applications.filter(company=company)
    if source:
        applications = applications.filter(source=source)
    if applied_from:
        applications = applications.filter(applied_on__gte=applied_from)
    if applied_to:
        applications = applications.filter(applied_on__lte=applied_to)
    return applications.order_by("-applied_on", "-created_at", "-id")


def application_for_detail(*, user, pk: int) -> Application:
    """One application with everything its page shows, in a fixed number of queries."""
    from django.shortcuts import get_object_or_404

    queryset = (
        Application.objects.for_user(user)
        .select_related("company", "rejection")
        .prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.order_by("name", "id")),
            Prefetch(
                "interactions",
                queryset=Interaction.objects.prefetch_related("contacts").order_by(
                    "occurred_on", "id"
                ),
            ),
        )
    )
    return get_object_or_404(queryset, pk=pk)


def attachment_of(application: Application) -> Attachment | None:
    rejection = getattr(application, "rejection", None) if _has_rejection(application) else None
    if rejection is None:
        return None
    return Attachment.objects.without_data().filter(rejection=rejection).first()


def reminder_of(application: Application) -> Reminder | None:
    return Reminder.objects.filter(application=application).first()


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
    extra: dict = field(default_factory=dict)


_KIND_ORDER = {"stage": 0, "interaction": 1, "rejection": 2, "ghosted": 2, "reminder": 3}


def application_timeline(
    application: Application, *, reminder: Reminder | None, attachment: Attachment | None
) -> list[TimelineEntry]:
    """Every stage change (interviews with their time), the interactions, the
    rejection and its letter (or the silence), and the circle-back."""
    entries = [
        TimelineEntry(on=event.occurred_on, kind="stage", obj=event)
        for event in StageEvent.objects.filter(application=application)
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
                extra={"attachment": attachment},
            )
        )
    elif application.outcome == "ghosted" and application.outcome_on:
        entries.append(TimelineEntry(on=application.outcome_on, kind="ghosted"))
    if reminder is not None:
        entries.append(TimelineEntry(on=reminder.due_date, kind="reminder", obj=reminder))
    return sorted(entries, key=lambda e: (e.on, _KIND_ORDER[e.kind]))
