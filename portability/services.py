"""Use cases that write: the import, the restore, the feed's secret, the account's deletion."""

import datetime
from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from applications.models import Application, Company, Outcome, StageEvent
from applications.services import (
    application_activity_refresh,
    application_search_refresh,
    application_stats_refresh,
)
from contacts.models import Contact
from portability.importing import ContactMatcher, ImportPlan, PlannedRow, counts_text
from portability.models import CalendarFeed, ImportUpload
from reminders.models import Reminder
from reminders.services import Closing, rejections_log_bulk

UPLOAD_KEEP = datetime.timedelta(days=1)


class ImportRefused(ValueError):
    pass


@dataclass(frozen=True)
class ImportResult:
    applications: int
    companies: int
    rejections: int
    contacts: int
    duplicates: int
    skipped_rows: int

    def counts_text(self) -> str:
        return counts_text(
            applications=self.applications,
            companies=self.companies,
            rejections=self.rejections,
            contacts=self.contacts,
            duplicates=self.duplicates,
        )


def import_upload_store(*, user: User, filename: str, data: bytes) -> ImportUpload:
    """Keep an uploaded spreadsheet until its mapping is confirmed; the user's
    uploads older than a day go."""
    ImportUpload.objects.for_user(user).filter(created_at__lt=timezone.now() - UPLOAD_KEEP).delete()
    return ImportUpload.objects.create(
        user=user, filename=filename[:255], size=len(data), data=data
    )


@transaction.atomic
def import_apply(*, user: User, plan: ImportPlan) -> ImportResult:
    """Write an import plan, all or nothing: every row or none (the bad rows
    only left out when the user chose to skip them)."""
    if not plan.can_import:
        raise ImportRefused("The plan has errors.")
    rows = plan.rows
    # 1. Companies: the account's, and the new ones in one INSERT.
    companies = {c.name.casefold(): c for c in Company.objects.for_user(user).select_for_update()}
    new = {}
    for row in rows:
        key = row.company.casefold()
        if key not in companies and key not in new:
            new[key] = Company(user=user, name=row.company)
    Company.objects.bulk_create(new.values())
    companies.update(new)

    # 2. Applications and the stage events their dates give. Closed outcomes
    # other than a rejection or a silence are set here; those two go through
    # rejections_log_bulk below: rejection_log's rules, for all of them at once.
    applications = []
    for row in rows:
        closed_here = row.outcome not in {Outcome.OPEN, Outcome.REJECTED, Outcome.GHOSTED}
        applications.append(
            Application(
                user=user,
                company=companies[row.company.casefold()],
                role=row.role,
                job_url=row.job_url,
                job_description=row.description,
                source=row.source,
                location=row.location,
                applied_on=row.applied_on,
                notes=row.notes,
                current_stage=row.stage,
                furthest_stage=row.stage,
                outcome=row.outcome if closed_here else Outcome.OPEN,
                outcome_on=row.outcome_on if closed_here else None,
            )
        )
    Application.objects.bulk_create(applications, batch_size=500)
    StageEvent.objects.bulk_create(
        [
            StageEvent(application=app, stage=stage, occurred_on=on, scheduled_at=at)
            for app, row in zip(applications, rows, strict=True)
            for stage, on, at in row.events
        ],
        batch_size=1000,
    )

    created_contacts = _link_contacts(user, applications, rows)
    closings = [
        Closing(
            application=app,
            stage_reached=row.stage,
            received_on=row.outcome_on,
            ghosted=row.outcome == Outcome.GHOSTED,
        )
        for app, row in zip(applications, rows, strict=True)
        if row.outcome in {Outcome.REJECTED, Outcome.GHOSTED}
    ]
    closed = {closing.application.pk for closing in closings}
    # bulk_create bypasses the services that keep each application's last news:
    # without it an imported application would never show as quiet.
    application_activity_refresh(application_ids=[app.pk for app in applications])
    application_search_refresh(application_ids=[app.pk for app in applications])
    # The rejected and ghosted ones are counted once, closed, below.
    application_stats_refresh(application_ids=[a.pk for a in applications if a.pk not in closed])

    # 4. Rejections and silences: the one rule every rejection follows, with its
    # date. 5. Old rejections whose cooling-off has passed would all fall due at
    # once: spread over the coming weeks, or not scheduled at all.
    rejections_log_bulk(user=user, closings=closings, old_circle_backs=plan.options.old_rejections)
    rejections = sum(1 for closing in closings if not closing.ghosted)
    return ImportResult(
        applications=len(applications),
        companies=len(new),
        rejections=rejections,
        contacts=len(created_contacts),
        duplicates=plan.duplicates,
        skipped_rows=plan.bad_rows,
    )


def _link_contacts(
    user: User, applications: list[Application], rows: list[PlannedRow]
) -> list[Contact]:
    """Contacts named in a row: matched by email or name, else created."""
    matcher = ContactMatcher.for_user(user)
    links: list[tuple[Contact, Application]] = []
    created_contacts: list[Contact] = []
    for app, row in zip(applications, rows, strict=True):
        if not (row.contact_name or row.contact_email):
            continue
        contact = matcher.find(row)
        if contact is None:
            contact = Contact(
                user=user,
                company=app.company,
                name=(row.contact_name or row.contact_email.split("@")[0])[:200],
                email=row.contact_email,
                phone=row.contact_phone,
            )
            created_contacts.append(contact)
            matcher.remember(row, contact)
        links.append((contact, app))
    Contact.objects.bulk_create(created_contacts, batch_size=500)
    through = Contact.applications.through
    through.objects.bulk_create(
        [through(contact_id=c.pk, application_id=a.pk) for c, a in links],
        batch_size=1000,
        ignore_conflicts=True,
    )
    return created_contacts


# --- Calendar feed ------------------------------------------------------------------


def calendar_feed_get(*, user: User) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def calendar_feed_regenerate(*, user: User) -> CalendarFeed:
    """A new secret URL; the old one answers 404 from now on."""
    CalendarFeed.objects.filter(user=user).delete()
    return CalendarFeed.objects.create(user=user)


# --- Deleting the account ----------------------------------------------------------------


@transaction.atomic
def account_delete(*, user: User) -> str:
    """Delete the user and everything of theirs (cascade: applications, letters,
    contacts, reminders, feed and import rows, email addresses). Returns the
    address, to which a confirmation goes once the deletion has committed.

    A reminder claimed but not sent yet is not delivered: its send task locks
    the row and finds it gone. Locking the user's reminders first waits for a
    send in progress (which holds its row's lock) to finish.
    """
    email = user.email
    list(Reminder.objects.for_user(user).select_for_update().values_list("pk", flat=True))
    User.objects.filter(pk=user.pk).delete()

    def confirm() -> None:
        send_mail(
            _("Your Ajar account was deleted"),
            _(
                "Your Ajar account and everything in it (applications, letters, contacts, "
                "reminders, calendar feed) were deleted. No more reminders will be sent.\n"
            ),
            None,
            [email],
            fail_silently=True,
        )

    transaction.on_commit(confirm)
    return email
