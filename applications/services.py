"""Use cases that write applications, their history and their rejections.

`rejection_log` is the one use case that spans the three apps: it reads top to
bottom (rejection, application outcome and history, contacts, reminder) in one
transaction, instead of a chain of signals.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.attachments import EML, LetterFile, email_body_text
from applications.models import (
    Application,
    Attachment,
    Channel,
    Company,
    Outcome,
    Rejection,
    Stage,
    StageEvent,
)
from contacts.models import Contact, ContactRole
from reminders.models import Reminder, ReminderKind
from reminders.services import reminder_cancel, reminder_reschedule, reminder_schedule


def user_today(user) -> datetime.date:
    return timezone.localdate(timezone=user.zone)


def _check_owner(user, *objects) -> None:
    # Forms already scope their choices; this is the last line of defence.
    for obj in objects:
        if obj is not None and obj.user_id != user.pk:
            raise PermissionDenied("Not yours.")


# --- Companies ----------------------------------------------------------------------


def company_get_or_create(*, user, name: str) -> Company:
    name = " ".join(name.split())[:200]
    if not name:
        raise ValidationError({"company": _("Name the company.")})
    company = Company.objects.for_user(user).filter(name__iexact=name).first()
    if company is None:
        # Another request may be creating the same company right now (a
        # double-clicked submit): the unique index makes us wait for it, and then
        # we take its row. The savepoint keeps the caller's transaction usable.
        try:
            with transaction.atomic():
                company = Company.objects.create(user=user, name=name)
        except IntegrityError:
            company = Company.objects.for_user(user).get(name__iexact=name)
    return company


# --- Applications and their history -----------------------------------------------------


def application_refresh_furthest_stage(application: Application) -> None:
    """furthest_stage is the highest stage in the history (or the current one)."""
    highest = application.events.aggregate(m=Max("stage"))["m"]
    application.furthest_stage = max(
        highest or application.current_stage, application.current_stage
    )


@transaction.atomic
def application_create(
    *,
    user,
    company: Company,
    role: str,
    stage: Stage = Stage.APPLIED,
    occurred_on: datetime.date | None = None,
    **fields,
) -> Application:
    _check_owner(user, company)
    application = Application(
        user=user,
        company=company,
        role=role,
        current_stage=stage,
        furthest_stage=stage,
        **fields,
    )
    if application.applied_on is None and stage >= Stage.APPLIED:
        application.applied_on = occurred_on or user_today(user)
    application.full_clean(exclude=["user", "company"])
    application.save()
    StageEvent.objects.create(
        application=application,
        stage=stage,
        occurred_on=occurred_on or application.applied_on or user_today(user),
    )
    return application


@transaction.atomic
def application_update(*, application: Application, company: Company, **fields) -> Application:
    """Edit an application's details; its stages move only through the history."""
    _check_owner(application.user, company)
    application = Application.objects.select_for_update().get(pk=application.pk)
    application.company = company
    for name, value in fields.items():
        if name in {"current_stage", "furthest_stage", "outcome", "outcome_on", "user"}:
            raise TypeError(f"application_update does not change {name}")
        setattr(application, name, value)
    application.full_clean(exclude=["user", "company"])
    application.save()
    return application


@transaction.atomic
def application_delete(*, application: Application) -> None:
    """Delete an application with its history, rejection, letter and reminder.

    Refused while its circle-back email is being sent.
    """
    application = Application.objects.select_for_update().get(pk=application.pk)
    reminder_cancel(application=application)
    application.delete()


@transaction.atomic
def application_move(
    *,
    application: Application,
    stage: Stage,
    occurred_on: datetime.date | None = None,
    scheduled_at: datetime.datetime | None = None,
    note: str = "",
) -> StageEvent:
    """Move the board column; every move is a StageEvent."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    event = StageEvent.objects.create(
        application=application,
        stage=stage,
        occurred_on=occurred_on or user_today(application.user),
        scheduled_at=scheduled_at,
        note=note,
    )
    application.current_stage = stage
    application_refresh_furthest_stage(application)
    application.save(update_fields=["current_stage", "furthest_stage", "updated_at"])
    return event


@transaction.atomic
def stage_event_update(
    *,
    event: StageEvent,
    stage: Stage,
    occurred_on: datetime.date,
    scheduled_at: datetime.datetime | None = None,
    note: str = "",
) -> StageEvent:
    """Correct a mistaken move; the application's stages follow the history."""
    application = Application.objects.select_for_update().get(pk=event.application_id)
    event.stage, event.occurred_on = stage, occurred_on
    event.scheduled_at, event.note = scheduled_at, note
    event.save()
    _follow_history(application)
    return event


@transaction.atomic
def stage_event_delete(*, event: StageEvent) -> None:
    application = Application.objects.select_for_update().get(pk=event.application_id)
    if application.events.count() <= 1:
        raise ValidationError(_("An application keeps at least one stage in its history."))
    event.delete()
    _follow_history(application)


def _follow_history(application: Application) -> None:
    latest = application.events.order_by("-occurred_on", "-created_at", "-id").first()
    if latest is not None:
        application.current_stage = latest.stage
    application_refresh_furthest_stage(application)
    application.save(update_fields=["current_stage", "furthest_stage", "updated_at"])


# --- Rejections ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewContact:
    name: str
    role: str = ContactRole.OTHER
    email: str = ""


@dataclass(frozen=True)
class RejectionLogResult:
    application: Application
    rejection: Rejection | None
    reminder: Reminder


@transaction.atomic
def rejection_log(
    *,
    user,
    stage_reached: Stage,
    application: Application | None = None,
    company_name: str = "",
    role: str = "",
    received_on: datetime.date | None = None,
    ghosted: bool = False,
    channel: Channel = Channel.EMAIL,
    letter_text: str = "",
    letter_file: LetterFile | None = None,
    feedback: str = "",
    invited_to_reapply: bool = False,
    cooling_off_days: int | None = None,
    contacts: Sequence[Contact] = (),
    new_contacts: Sequence[NewContact] = (),
) -> RejectionLogResult:
    """Record a rejection (or that they never wrote back) and schedule its circle-back.

    Either `application` or a company name and role (a new application) is given.
    Works with the broker down: nothing is enqueued here; the sweep finds the row.
    """
    received_on = received_on or user_today(user)
    stage_reached = Stage(stage_reached)

    # 1. The application: the one picked, or a new one for the typed company and role.
    if application is None:
        if not role.strip():
            raise ValidationError({"role": _("Name the role.")})
        company = company_get_or_create(user=user, name=company_name)
        application = application_create(
            user=user,
            company=company,
            role=role.strip()[:200],
            stage=stage_reached,
            occurred_on=received_on,
        )
    _check_owner(user, application, *contacts)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if Rejection.objects.filter(application=application).exists():
        raise ValidationError(_("This application already has a rejection: edit that one."))
    # Checked under the lock: the caller's copy may predate another request that
    # closed it (a double-clicked "never heard back"), whose reminder must stay.
    if not application.is_open:
        raise ValidationError(
            _("This application is already closed: undo its outcome first to log another.")
        )

    # 2. The rejection itself; "never heard back" is an outcome, not a rejection.
    rejection = None
    if not ghosted:
        if letter_file is not None and not letter_text and letter_file.content_type == EML:
            letter_text = email_body_text(letter_file.data)
        rejection = Rejection(
            application=application,
            received_on=received_on,
            stage_reached=stage_reached,
            channel=channel,
            letter_text=letter_text,
            feedback=feedback,
            invited_to_reapply=invited_to_reapply,
        )
        rejection.full_clean(exclude=["application"])
        rejection.save()
        if letter_file is not None:
            Attachment.objects.create(
                user=user,
                rejection=rejection,
                filename=letter_file.filename,
                content_type=letter_file.content_type,
                size=letter_file.size,
                data=letter_file.data,
            )

    # 3. The application's outcome and history: how far it got is a fact.
    if stage_reached != application.current_stage:
        StageEvent.objects.create(
            application=application,
            stage=stage_reached,
            occurred_on=received_on,
            note=_("Recorded with the outcome."),
        )
        application.current_stage = stage_reached
    application.outcome = Outcome.GHOSTED if ghosted else Outcome.REJECTED
    application.outcome_on = received_on
    application_refresh_furthest_stage(application)
    application.save()

    # 4. The people met along the way.
    for contact in contacts:
        contact.applications.add(application)
    for new in new_contacts:
        contact = Contact(
            user=user,
            company=application.company,
            name=new.name.strip()[:200],
            role=new.role,
            email=new.email.strip(),
        )
        contact.full_clean(exclude=["user", "company", "applications"])
        contact.save()
        contact.applications.add(application)

    # 5. The circle-back: a row with its due time. Nothing is queued.
    reminder = reminder_schedule(
        user=user,
        application=application,
        rejection=rejection,
        kind=ReminderKind.GHOSTED if ghosted else ReminderKind.REJECTED,
        counted_from=received_on,
        cooling_off_days=cooling_off_days,
    )
    return RejectionLogResult(application=application, rejection=rejection, reminder=reminder)


@transaction.atomic
def rejection_update(
    *,
    rejection: Rejection,
    received_on: datetime.date,
    cooling_off_days: int | None = None,
    letter_file: LetterFile | None = None,
    remove_letter_file: bool = False,
    **fields,
) -> Rejection:
    """Edit a rejection; a changed date or cooling-off moves its unsent reminder.
    A new letter file replaces the stored one.

    Refused while its reminder is being sent.
    """
    rejection = Rejection.objects.select_for_update().get(pk=rejection.pk)
    reminder = Reminder.objects.filter(application_id=rejection.application_id).first()
    if reminder is not None:
        days = cooling_off_days or reminder.cooling_off_days
        # Locks the reminder and refuses when it is being sent.
        reminder_reschedule(reminder=reminder, counted_from=received_on, cooling_off_days=days)
    if (
        letter_file is not None
        and not fields.get("letter_text")
        and letter_file.content_type == EML
    ):
        fields["letter_text"] = email_body_text(letter_file.data)
    for name, value in fields.items():
        setattr(rejection, name, value)
    rejection.received_on = received_on
    rejection.full_clean(exclude=["application"])
    rejection.save()
    if letter_file is not None or remove_letter_file:
        Attachment.objects.filter(rejection=rejection).delete()
    if letter_file is not None:
        Attachment.objects.create(
            user=rejection.application.user,
            rejection=rejection,
            filename=letter_file.filename,
            content_type=letter_file.content_type,
            size=letter_file.size,
            data=letter_file.data,
        )
    Application.objects.filter(pk=rejection.application_id).update(outcome_on=received_on)
    return rejection


@transaction.atomic
def application_reopen(*, application: Application) -> Application:
    """Undo a rejection or a "ghosted": the application is open again, its
    rejection deleted and an unsent circle-back cancelled."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    reminder_cancel(application=application)
    Rejection.objects.filter(application=application).delete()
    application.outcome = Outcome.OPEN
    application.outcome_on = None
    application.save(update_fields=["outcome", "outcome_on", "updated_at"])
    return application


def rejection_delete(*, rejection: Rejection) -> Application:
    return application_reopen(application=rejection.application)


# --- Companies: rename, merge, delete; ghosted from the dashboard ----------------------


def _refuse_while_sending(applications) -> None:
    from reminders.models import ReminderStatus
    from reminders.services import ReminderBeingSent

    if Reminder.objects.filter(
        application__in=applications, status=ReminderStatus.SENDING
    ).exists():
        raise ReminderBeingSent()


@transaction.atomic
def company_rename(*, company: Company, name: str) -> Company:
    """Rename a company; a name another of the user's companies has is refused
    (merge the two instead)."""
    name = " ".join(name.split())[:200]
    if not name:
        raise ValidationError({"name": _("Name the company.")})
    clash = (
        Company.objects.for_user(company.user)
        .filter(name__iexact=name)
        .exclude(pk=company.pk)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {"name": _("You already have “%(name)s”: merge the two instead.") % {"name": clash}}
        )
    company.name = name
    company.save(update_fields=["name"])
    return company


@transaction.atomic
def company_merge(*, keep: Company, duplicate: Company) -> Company:
    """Fold a duplicate company into `keep`: its applications (with their
    history, rejections and circle-backs) and its contacts move over."""
    if keep.pk == duplicate.pk:
        raise ValidationError({"duplicate": _("Pick a different company to merge.")})
    _check_owner(keep.user, duplicate)
    keep, duplicate = Company.objects.lock_in_order(keep, duplicate)
    Application.objects.filter(company=duplicate).update(company=keep)
    Contact.objects.filter(company=duplicate).update(company=keep)
    if not keep.website and duplicate.website:
        keep.website = duplicate.website
    if duplicate.notes.strip() and duplicate.notes.strip() not in keep.notes:
        keep.notes = "\n\n".join(n for n in (keep.notes.strip(), duplicate.notes.strip()) if n)
    keep.save()
    duplicate.delete()
    return keep


@transaction.atomic
def company_delete(*, company: Company) -> None:
    """Delete a company with its applications (history, rejections, letters,
    circle-backs) and its contacts. A conversation left with nobody in it goes
    too. Refused while one of its circle-back emails is being sent."""
    from contacts.models import Interaction

    company = Company.objects.select_for_update().get(pk=company.pk)
    _refuse_while_sending(company.applications.all())
    leaving = Contact.objects.filter(company=company).values("pk")
    orphaned = (
        Interaction.objects.filter(contacts__in=leaving)
        .exclude(contacts__in=Contact.objects.exclude(company=company).values("pk"))
        .values_list("pk", flat=True)
    )
    Interaction.objects.filter(pk__in=list(orphaned)).delete()
    company.delete()


def application_mark_ghosted(
    *, application: Application, on: datetime.date | None = None
) -> RejectionLogResult:
    """They never wrote back: the ghosted outcome, with its circle-back scheduled."""
    if not application.is_open:
        raise ValidationError(_("This application is already closed."))
    return rejection_log(
        user=application.user,
        application=application,
        stage_reached=Stage(application.current_stage),
        received_on=on,
        ghosted=True,
    )
