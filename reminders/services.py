"""Use cases that write reminders and their settings."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reminders.models import (
    Reminder,
    ReminderKind,
    ReminderSettings,
    ReminderStatus,
)
from reminders.scheduling import due_at_for, due_date_for

# A reminder in one of these has not been delivered and may still be moved.
UNSENT_STATUSES = (ReminderStatus.SCHEDULED, ReminderStatus.FAILED)


class ReminderBeingSent(ValidationError):
    def __init__(self):
        super().__init__(
            _("Its circle-back email is being sent now; try again in a minute."),
            code="being_sent",
        )


def reminder_settings_get(*, user) -> ReminderSettings:
    settings_, _created = ReminderSettings.objects.get_or_create(user=user)
    return settings_


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
) -> Reminder:
    """Create the application's circle-back, or schedule its existing row anew.

    Refused while an email for it is being sent.
    """
    settings_ = reminder_settings_get(user=user)
    days = cooling_off_days or settings_.cooling_off_days
    reminder = _locked(application)
    if reminder is None:
        reminder = Reminder(user=user, application=application)
    elif reminder.status == ReminderStatus.SENDING:
        raise ReminderBeingSent()
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
    reminder.full_clean(exclude=["user", "application", "rejection"])
    reminder.save()
    return reminder


def reminder_reschedule(
    *, reminder: Reminder, counted_from: datetime.date, cooling_off_days: int
) -> Reminder:
    """The rejection's date or cooling-off changed: move an unsent reminder."""
    reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
    if reminder.status == ReminderStatus.SENDING:
        raise ReminderBeingSent()
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
        raise ReminderBeingSent()
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
    from reminders.models import ACTIVE_STATUSES

    locked = Reminder.objects.select_for_update().select_related("user").get(pk=reminder.pk)
    if locked.status == ReminderStatus.SENDING:
        raise ReminderBeingSent()
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
    from contacts.services import interaction_log
    from reminders.selectors import insiders_for

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
    from applications.services import application_create

    reminder = Reminder.objects.select_for_update().select_related("user").get(pk=reminder.pk)
    if reminder.status == ReminderStatus.SENDING:
        raise ReminderBeingSent()
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
    from reminders.links import SNOOZE_WEEKS
    from reminders.scheduling import snoozed_due_date

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
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.core.mail import get_connection

    from reminders.emails import sample_message

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
