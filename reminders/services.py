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
