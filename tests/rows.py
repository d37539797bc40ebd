"""Many rows fast (bulk_create), for query counts "the same with 5 and with 5,000"."""

import datetime

from django.utils import timezone

from applications.models import Application, Company, Outcome, Rejection, Stage, StageEvent
from applications.services import (
    application_activity_refresh,
    application_search_refresh,
    application_stats_refresh,
)
from contacts.models import Contact, Interaction
from reminders.models import Reminder, ReminderKind, ReminderStatus

STAGES = list(Stage)


def make_rows(user, n: int, *, on: datetime.date = datetime.date(2026, 1, 5)) -> None:
    """n companies, each with one application (every stage and outcome in
    turn), a stage event, a contact, an interaction; closed ones with a
    rejection and a circle-back."""
    companies = Company.objects.bulk_create(
        Company(user=user, name=f"Bulk company {i}") for i in range(n)
    )
    outcomes = [Outcome.OPEN, Outcome.OPEN, Outcome.REJECTED, Outcome.GHOSTED]
    applications = Application.objects.bulk_create(
        Application(
            user=user,
            company=company,
            role=f"Role {i}",
            applied_on=on,
            current_stage=STAGES[i % len(STAGES)],
            furthest_stage=STAGES[i % len(STAGES)],
            outcome=outcomes[i % len(outcomes)],
            outcome_on=None if outcomes[i % len(outcomes)] == Outcome.OPEN else on,
        )
        for i, company in enumerate(companies)
    )
    StageEvent.objects.bulk_create(
        StageEvent(application=a, stage=a.current_stage, occurred_on=on) for a in applications
    )
    rejections = Rejection.objects.bulk_create(
        Rejection(
            application=a,
            user=user,
            received_on=on,
            stage_reached=a.current_stage,
            letter_text="No.",
        )
        for a in applications
        if a.outcome == Outcome.REJECTED
    )
    by_app = {r.application_id: r for r in rejections}
    now = timezone.now()
    Reminder.objects.bulk_create(
        Reminder(
            user=user,
            application=a,
            rejection=by_app.get(a.pk),
            kind=ReminderKind.REJECTED if a.pk in by_app else ReminderKind.GHOSTED,
            counted_from=on,
            cooling_off_days=30,
            due_date=now.date(),
            due_at=now,
            next_attempt_at=now,
            status=ReminderStatus.SCHEDULED if i % 3 else ReminderStatus.FAILED,
        )
        for i, a in enumerate(applications)
        if not a.is_open
    )
    contacts = Contact.objects.bulk_create(
        Contact(
            user=user, company=company, name=f"Insider {i}", email="" if i % 2 else "a@b.example"
        )
        for i, company in enumerate(companies)
    )
    Contact.applications.through.objects.bulk_create(
        Contact.applications.through(contact_id=c.pk, application_id=a.pk)
        for c, a in zip(contacts, applications, strict=True)
    )
    interactions = Interaction.objects.bulk_create(
        Interaction(user=user, occurred_on=on, summary="Hello", application=a) for a in applications
    )
    Interaction.contacts.through.objects.bulk_create(
        Interaction.contacts.through(interaction_id=i.pk, contact_id=c.pk)
        for i, c in zip(interactions, contacts, strict=True)
    )
    # The services keep each application's last news; bulk rows get it here.
    application_activity_refresh(application_ids=[a.pk for a in applications])
    application_search_refresh(application_ids=[a.pk for a in applications])
    application_stats_refresh(application_ids=[a.pk for a in applications])


def query_counts_at_5_and_5000(client, url: str, params: list[dict]) -> tuple[list, list]:
    """The queries of GET `url` with each of `params`, for an account of 5 rows
    and one of 5,000 (make_rows): the two lists must be equal."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import UserFactory

    counts = []
    for n in (5, 5000):
        owner = UserFactory()
        make_rows(owner, n)
        client.force_login(owner)
        measured = []
        for query in params:
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url, query)
            assert response.status_code == 200
            measured.append(len(ctx.captured_queries))
        counts.append(measured)
    return counts[0], counts[1]
