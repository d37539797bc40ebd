"""Use cases that write reminders and their settings, and the ones that span apps.

`rejection_log` is the one use case that spans the three apps: it reads top to
bottom (rejection, application outcome and history, contacts, reminder) in one
transaction, instead of a chain of signals. It lives here, in the top layer of
the three, so that each of its steps is a plain call downwards.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import check_owner
from accounts.timezones import user_today
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
from applications.services import (
    application_create,
    application_note_activity,
    application_refresh_furthest_stage,
    company_get_or_create,
)
from contacts.models import Contact, ContactRole, Interaction
from contacts.services import interaction_log
from reminders.emails import sample_message
from reminders.links import SNOOZE_WEEKS
from reminders.models import (
    ACTIVE_STATUSES,
    Reminder,
    ReminderKind,
    ReminderSettings,
    ReminderStatus,
)
from reminders.scheduling import due_at_for, due_date_for, snoozed_due_date
from reminders.selectors import insiders_for

# A reminder in one of these has not been delivered and may still be moved.
UNSENT_STATUSES = (ReminderStatus.SCHEDULED, ReminderStatus.FAILED)


class ReminderBeingSent(ValidationError):
    def __init__(self):
        super().__init__(
            _("Its circle-back email is being sent now; try again in a minute."),
            code="being_sent",
        )


def reminder_settings_get(*, user) -> ReminderSettings:
    return ReminderSettings.objects.of(user)


def _schedule(reminder: Reminder, *, user, settings_: ReminderSettings) -> None:
    reminder.due_date = due_date_for(reminder.counted_from, reminder.cooling_off_days)
    reminder.due_at = due_at_for(reminder.due_date, settings_.send_time, user.zone)
    reminder.next_attempt_at = reminder.due_at


def _reset_delivery(reminder: Reminder) -> None:
    reminder.status = ReminderStatus.SCHEDULED
    reminder.attempts = 0
    reminder.last_error = ""
    reminder.claim_token = None
    reminder.claimed_at = None
    reminder.lease_expires_at = None
    reminder.resolved_at = None
    reminder.failure_acknowledged = False


def _locked(application) -> Reminder | None:
    # Lock the row: the send task holds this lock while it talks to SMTP, so we
    # wait for it and then see "sent" rather than racing it.
    return Reminder.objects.select_for_update().filter(application=application).first()


def reminder_schedule(
    *,
    user,
    application,
    rejection=None,
    kind: ReminderKind,
    counted_from: datetime.date,
    cooling_off_days: int | None = None,
    new_application: bool = False,
) -> Reminder:
    """Create the application's circle-back, or schedule its existing row anew.

    Refused while an email for it is being sent. An application created in the
    caller's transaction has no reminder yet: `new_application` skips the lookup.
    """
    settings_ = reminder_settings_get(user=user)
    days = cooling_off_days or settings_.cooling_off_days
    reminder = None if new_application else _locked(application)
    if reminder is None:
        reminder = Reminder(user=user, application=application)
    elif reminder.status == ReminderStatus.SENDING:
        raise ReminderBeingSent
    elif reminder.status not in UNSENT_STATUSES:
        # A new rejection after an earlier circle-back went out: a new occurrence.
        reminder.occurrence += 1
        reminder.sent_at = None
    reminder.rejection = rejection
    reminder.kind = kind
    reminder.counted_from = counted_from
    reminder.cooling_off_days = days
    _schedule(reminder, user=user, settings_=settings_)
    _reset_delivery(reminder)
    # The fields' choices and validators cover the check constraints; the
    # delivery ones (a lease when sending, sent_at when sent) hold for a row this
    # function sets to scheduled. The database enforces them all.
    reminder.full_clean(exclude=["user", "application", "rejection"], validate_constraints=False)
    reminder.save()
    return reminder


def reminder_reschedule(
    *, reminder: Reminder, counted_from: datetime.date, cooling_off_days: int
) -> Reminder:
    """The rejection's date or cooling-off changed: move an unsent reminder."""
    reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
    if reminder.status == ReminderStatus.SENDING:
        raise ReminderBeingSent
    reminder.counted_from = counted_from
    reminder.cooling_off_days = cooling_off_days
    if reminder.status in UNSENT_STATUSES:
        _schedule(reminder, user=reminder.user, settings_=reminder_settings_get(user=reminder.user))
        _reset_delivery(reminder)
    reminder.save()
    return reminder


def reminder_cancel(*, application) -> Reminder | None:
    """The rejection was undone or deleted: an unsent reminder is cancelled."""
    reminder = _locked(application)
    if reminder is None:
        return None
    if reminder.status == ReminderStatus.SENDING:
        raise ReminderBeingSent
    if reminder.status in UNSENT_STATUSES:
        reminder.status = ReminderStatus.CANCELLED
        reminder.resolved_at = timezone.now()
        reminder.claim_token = None
        reminder.lease_expires_at = None
        reminder.save()
    return reminder


@transaction.atomic
def reminders_recompute_for_user(*, user) -> int:
    """The send time or zone changed: every scheduled reminder keeps its local
    due date and moves to the new local send time. Returns how many moved."""
    settings_ = reminder_settings_get(user=user)
    moved = 0
    reminders = Reminder.objects.select_for_update().filter(
        user=user, status=ReminderStatus.SCHEDULED
    )
    for reminder in reminders:
        due_at = due_at_for(reminder.due_date, settings_.send_time, user.zone)
        if due_at == reminder.due_at:
            continue
        reminder.due_at = due_at
        # A reminder waiting for a retry keeps its backoff if that is later.
        if reminder.attempts == 0 or reminder.next_attempt_at < due_at:
            reminder.next_attempt_at = due_at
        reminder.save(update_fields=["due_at", "next_attempt_at", "updated_at"])
        moved += 1
    return moved


@transaction.atomic
def reminder_settings_update(
    *,
    user,
    cooling_off_days: int,
    send_time: datetime.time,
    email_enabled: bool,
    note_template: str | None = None,
    time_zone: str | None = None,
) -> ReminderSettings:
    settings_ = ReminderSettings.objects.select_for_update().get(
        pk=reminder_settings_get(user=user).pk
    )
    recompute = send_time != settings_.send_time
    if time_zone is not None and time_zone != user.time_zone:
        user.time_zone = time_zone
        user.full_clean(validate_unique=False, validate_constraints=False)
        user.save(update_fields=["time_zone"])
        recompute = True
    if email_enabled and not settings_.email_enabled:
        # Reminders that fell due while email was off stay in the app only.
        settings_.email_enabled_at = timezone.now()
    settings_.cooling_off_days = cooling_off_days
    settings_.send_time = send_time
    settings_.email_enabled = email_enabled
    if note_template is not None:
        settings_.note_template = note_template
    settings_.full_clean(exclude=["user"])
    settings_.save()
    if recompute:
        reminders_recompute_for_user(user=user)
    return settings_


@transaction.atomic
def user_settings_update(*, user, name: str, **reminder_settings) -> None:
    """The Settings page: the user's name and their reminder settings, saved
    together (a refused setting leaves the name as it was)."""
    user.name = " ".join(name.split())
    user.save(update_fields=["name"])
    reminder_settings_update(user=user, **reminder_settings)


# --- What the user does with a circle-back: the Reminders page and the email's links ---------


class ReminderAlreadyHandled(ValidationError):
    """Done, dismissed, cancelled, or snoozed since the link was sent."""

    def __init__(self, reminder: Reminder):
        self.reminder = reminder
        super().__init__(
            _("This circle-back was already handled (%(status)s).")
            % {"status": reminder.get_status_display().lower()},
            code="already_handled",
        )


def _lock_actionable(reminder: Reminder, *, occurrence: int | None = None) -> Reminder:
    """Lock the row and check the user may still act on it.

    `occurrence` comes from an email link: after a snooze the row is a new
    occurrence, and the earlier email's links no longer act on it.
    """

    locked = Reminder.objects.select_for_update().select_related("user").get(pk=reminder.pk)
    if locked.status == ReminderStatus.SENDING:
        raise ReminderBeingSent
    if locked.status not in ACTIVE_STATUSES or (
        occurrence is not None and occurrence != locked.occurrence
    ):
        raise ReminderAlreadyHandled(locked)
    return locked


def _resolve(reminder: Reminder, status: ReminderStatus) -> None:
    reminder.status = status
    reminder.resolved_at = timezone.now()
    reminder.claim_token = None
    reminder.claimed_at = None
    reminder.lease_expires_at = None
    reminder.save()


@transaction.atomic
def reminder_done(
    *,
    reminder: Reminder,
    contacts=(),
    channel: str = "email",
    occurred_on: datetime.date | None = None,
    summary: str = "",
    occurrence: int | None = None,
    reapplied_role: str | None = None,
) -> Reminder:
    """The user re-contacted the insiders: one interaction per contact, with the
    channel, and the circle-back is done. `reapplied_role` also records "I
    applied again" (see reminder_reapply)."""

    reminder = _lock_actionable(reminder, occurrence=occurrence)
    user = reminder.user
    contacts = list(contacts)
    insider_ids = set(insiders_for(reminder).values_list("pk", flat=True))
    if any(contact.pk not in insider_ids for contact in contacts):
        raise ValidationError({"contacts": _("Pick people from this company.")})
    day = occurred_on or timezone.localdate(timezone=user.zone)
    summary = summary.strip() or _("Circled back after %(role)s at %(company)s.") % {
        "role": reminder.application.role,
        "company": reminder.application.company.name,
    }
    for contact in contacts:
        interaction_log(
            user=user,
            contacts=[contact],
            occurred_on=day,
            channel=channel,
            summary=summary,
            application=reminder.application,
        )
    _resolve(reminder, ReminderStatus.DONE)
    if reapplied_role is not None:
        reminder_reapply(reminder=reminder, role=reapplied_role, applied_on=day)
    return reminder


@transaction.atomic
def reminder_reapply(
    *, reminder: Reminder, role: str = "", applied_on: datetime.date | None = None
):
    """ "I applied again": a new application at the same company, linked to the
    reminder, so circle-backs that paid off can be counted. An open circle-back
    is done by it."""

    reminder = Reminder.objects.select_for_update().select_related("user").get(pk=reminder.pk)
    if reminder.status == ReminderStatus.SENDING:
        raise ReminderBeingSent
    if reminder.status == ReminderStatus.CANCELLED:
        raise ReminderAlreadyHandled(reminder)
    if reminder.reapplication_id is not None:
        raise ValidationError(_("You already recorded applying again."), code="already_reapplied")
    original = reminder.application
    application = application_create(
        user=reminder.user,
        company=original.company,
        role=(role.strip() or original.role)[:200],
        occurred_on=applied_on or timezone.localdate(timezone=reminder.user.zone),
        notes=_("Applied again after circling back on %(role)s.") % {"role": original.role},
    )
    reminder.reapplication = application
    if reminder.status != ReminderStatus.DONE:
        reminder.status = ReminderStatus.DONE
        reminder.resolved_at = timezone.now()
    reminder.save()
    return application


@transaction.atomic
def reminder_snooze(*, reminder: Reminder, weeks: int, occurrence: int | None = None) -> Reminder:
    """Later, please: weeks are added to the local due date (or to today, if the
    due date has passed), and the local send time is kept, whatever the daylight
    saving offset is then. A new occurrence, so a new email and Message-ID."""

    if weeks not in SNOOZE_WEEKS:
        raise ValidationError({"weeks": _("Snooze for 1, 2 or 4 weeks.")})
    reminder = _lock_actionable(reminder, occurrence=occurrence)
    user = reminder.user
    settings_ = reminder_settings_get(user=user)
    today = timezone.localdate(timezone=user.zone)
    reminder.due_date = snoozed_due_date(max(reminder.due_date, today), weeks)
    reminder.due_at = due_at_for(reminder.due_date, settings_.send_time, user.zone)
    reminder.next_attempt_at = reminder.due_at
    reminder.occurrence += 1
    reminder.snoozed_count += 1
    _reset_delivery(reminder)
    reminder.save()
    return reminder


@transaction.atomic
def reminder_dismiss(*, reminder: Reminder, occurrence: int | None = None) -> Reminder:
    reminder = _lock_actionable(reminder, occurrence=occurrence)
    _resolve(reminder, ReminderStatus.DISMISSED)
    return reminder


@transaction.atomic
def reminder_failure_acknowledge(*, user, reminder: Reminder | None = None) -> int:
    """Hide the failure banner: for one failed reminder, or all of the user's."""
    failed = Reminder.objects.for_user(user).filter(
        status=ReminderStatus.FAILED, failure_acknowledged=False
    )
    if reminder is not None:
        failed = failed.filter(pk=reminder.pk)
    return failed.update(failure_acknowledged=True, updated_at=timezone.now())


@transaction.atomic
def reminder_unsubscribe(*, user) -> ReminderSettings:
    """Reminder emails off (the email's unsubscribe link, RFC 8058 one-click).
    Reminders stay scheduled and show as due in the app."""
    settings_ = ReminderSettings.objects.select_for_update().get(
        pk=reminder_settings_get(user=user).pk
    )
    if settings_.email_enabled:
        settings_.email_enabled = False
        settings_.save(update_fields=["email_enabled"])
    return settings_


class TestEmailFailed(ValidationError):
    pass


def reminder_test_send(*, user) -> None:
    """Send the user a sample circle-back now, through the configured mail server,
    so they see what one looks like and that mail arrives. Synchronous on purpose:
    the user is waiting to hear whether it worked, and EMAIL_TIMEOUT bounds it."""

    if not EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists():
        raise TestEmailFailed(
            _("Verify your email address first: reminders go only to a verified address."),
            code="unverified",
        )
    message = sample_message(user)
    message.connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
    try:
        message.send()
    except Exception as error:  # any mail failure is reported to the user
        raise TestEmailFailed(
            _("The test email could not be sent: %(error)s") % {"error": error},
            code="send_failed",
        ) from error


# --- Logging a rejection: the one use case that spans the three apps -----------------


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


def _lock_open_application(application: Application) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if Rejection.objects.filter(application=application).exists():
        raise ValidationError(_("This application already has a rejection: edit that one."))
    # Checked under the lock: the caller's copy may predate another request that
    # closed it (a double-clicked "never heard back"), whose reminder must stay.
    if not application.is_open:
        raise ValidationError(
            _("This application is already closed: undo its outcome first to log another.")
        )
    return application


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
    # A new one is this transaction's own row: nobody else can see it yet, so it
    # needs no lock, has no rejection, and its furthest stage is the one given.
    created = application is None
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
    check_owner(user, application, *contacts)
    if not created:
        application = _lock_open_application(application)

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
        # The fields' choices check what the table's check constraints do (and the
        # database enforces them): Django would validate each constraint again
        # with a SELECT in a savepoint, three statements apiece.
        rejection.full_clean(exclude=["application"], validate_constraints=False)
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
        application_note_activity(application, received_on)
    application.outcome = Outcome.GHOSTED if ghosted else Outcome.REJECTED
    application.outcome_on = received_on
    if not created:
        application_refresh_furthest_stage(application)
    application.save()

    # 4. The people met along the way.
    for contact in contacts:
        contact.applications.add(application)
    for new in new_contacts:
        contact = Contact(
            user=user,
            company_id=application.company_id,
            name=new.name.strip()[:200],
            role=new.role,
            email=new.email.strip(),
        )
        contact.full_clean(exclude=["user", "company", "applications"], validate_constraints=False)
        contact.save()
        contact.applications.add(application)

    # 5. The circle-back: a row with its due time. Nothing is queued.
    reminder = reminder_schedule(
        user=user,
        application=application,
        rejection=rejection,
        kind=ReminderKind.GHOSTED if ghosted else ReminderKind.REJECTED,
        counted_from=received_on,
        new_application=created,
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


@transaction.atomic
def application_delete(*, application: Application) -> None:
    """Delete an application with its history, rejection, letter and reminder.

    Refused while its circle-back email is being sent.
    """
    application = Application.objects.select_for_update().get(pk=application.pk)
    reminder_cancel(application=application)
    application.delete()


def _refuse_while_sending(applications) -> None:
    if Reminder.objects.filter(
        application__in=applications, status=ReminderStatus.SENDING
    ).exists():
        raise ReminderBeingSent


@transaction.atomic
def company_delete(*, company: Company) -> None:
    """Delete a company with its applications (history, rejections, letters,
    circle-backs) and its contacts. A conversation left with nobody in it goes
    too. Refused while one of its circle-back emails is being sent."""
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
