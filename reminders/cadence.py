"""The cadence after a rejection: thank-you, circle back, keep on your radar.

Each step is a reminder row with the engine's guarantees; an application has at
most one step pending (scheduled or sending), by a database constraint. A step
queued behind the pending one is `waiting`: never claimed, it becomes scheduled
when the one before it is out of the way (sent, done, dismissed, failed,
cancelled). The engine is not told about cadences: `cadence_advance`, run by
beat, moves waiting steps on after a send, and the user's own actions move them
at once.

The rules of when each step falls due are in reminders.scheduling.
"""

import datetime
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from applications.models import Application, Outcome
from contacts.models import Interaction
from reminders.models import (
    PENDING_STATUSES,
    Reminder,
    ReminderSettings,
    ReminderStatus,
    ReminderStep,
)
from reminders.scheduling import add_months, due_at_for, moved_due_date

logger = logging.getLogger(__name__)

# A thank-you only makes sense soon after the letter: a rejection logged later
# than this goes straight to its circle-back.
THANK_YOU_WITHIN_DAYS = 7

# Outcomes after which the cadence goes on (keep-on-radar follow-ups).
CADENCE_OUTCOMES = (Outcome.REJECTED, Outcome.GHOSTED, Outcome.OFFER_DECLINED)

# Steps that a conversation moves: the circle-backs, not the thank-you.
MOVABLE_STEPS = (ReminderStep.CIRCLE_BACK, ReminderStep.KEEP_ON_RADAR)


def _today(user: User) -> datetime.date:
    return timezone.localdate(timezone=user.zone)


def _settings(user: User) -> ReminderSettings:
    settings_, _created = ReminderSettings.objects.get_or_create(user=user)
    return settings_


def set_due(reminder: Reminder, due_date: datetime.date, settings_: ReminderSettings) -> None:
    reminder.due_date = due_date
    reminder.due_at = due_at_for(due_date, settings_.send_time, reminder.user.zone)
    reminder.next_attempt_at = reminder.due_at


def _schedule_waiting(application_id: int) -> Reminder | None:
    """Make the application's waiting step scheduled, if none is pending.
    Runs under the caller's locks; a savepoint keeps a lost race harmless."""
    if Reminder.objects.filter(application_id=application_id, status__in=PENDING_STATUSES).exists():
        return None
    waiting = (
        Reminder.objects.select_for_update()
        .filter(application_id=application_id, status=ReminderStatus.WAITING)
        .order_by("id")
        .first()
    )
    if waiting is None:
        return None
    try:
        with transaction.atomic():
            waiting.status = ReminderStatus.SCHEDULED
            waiting.save(update_fields=["status", "updated_at"])
    except IntegrityError:
        # Another step became pending meanwhile (the constraint held): later.
        waiting.status = ReminderStatus.WAITING
        return None
    return waiting


def cadence_next(*, reminder: Reminder) -> Reminder | None:
    """What follows a step the user just resolved (call in the same
    transaction, the row locked). A thank-you done or dismissed lets its
    circle-back go; a circle-back done schedules a keep-on-radar one, when that
    setting is on and the application is still closed. A dismissal of a
    circle-back ends the cadence: not this company."""
    if reminder.step == ReminderStep.THANK_YOU:
        return _schedule_waiting(reminder.application_id)
    if reminder.status != ReminderStatus.DONE:
        return None
    return _keep_on_radar_after(reminder)


def _keep_on_radar_after(reminder: Reminder) -> Reminder | None:
    settings_ = _settings(reminder.user)
    months = settings_.keep_on_radar_months
    application = Application.objects.get(pk=reminder.application_id)
    if not months or application.outcome not in CADENCE_OUTCOMES:
        return None
    if Reminder.objects.filter(
        application_id=application.pk, status__in=(*PENDING_STATUSES, ReminderStatus.WAITING)
    ).exists():
        return None
    radar = Reminder(
        user=reminder.user,
        application=application,
        rejection=reminder.rejection,
        kind=reminder.kind,
        step=ReminderStep.KEEP_ON_RADAR,
        counted_from=_today(reminder.user),
        interval_months=months,
    )
    set_due(radar, add_months(radar.counted_from, months), settings_)
    radar.save()
    return radar


# --- Beat: move waiting steps on --------------------------------------------------------------


@dataclass
class AdvanceResult:
    superseded: int = 0
    scheduled: int = 0


def cadence_advance(*, now: datetime.datetime, limit: int = 500) -> AdvanceResult:
    """Move cadences on: a waiting step whose predecessor is no longer pending
    becomes scheduled; a thank-you still unsent when its circle-back falls due
    (email off, address unverified) is cancelled so the circle-back is not
    held up by it. Safe to run in two beats at once: rows are locked with SKIP
    LOCKED, and the one-pending-step constraint has the last word."""
    result = AdvanceResult()
    waiting_due = Reminder.objects.filter(
        application_id=OuterRef("application_id"),
        status=ReminderStatus.WAITING,
        due_at__lte=now,
    )
    with transaction.atomic():
        stale = list(
            Reminder.objects.filter(
                Exists(waiting_due), step=ReminderStep.THANK_YOU, status=ReminderStatus.SCHEDULED
            )
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        if stale:
            result.superseded = Reminder.objects.filter(
                id__in=stale, status=ReminderStatus.SCHEDULED
            ).update(
                status=ReminderStatus.CANCELLED,
                resolved_at=now,
                last_error=_("Not sent before its circle-back fell due."),
                updated_at=now,
            )
    pending = Reminder.objects.filter(
        application_id=OuterRef("application_id"), status__in=PENDING_STATUSES
    )
    with transaction.atomic():
        ready = list(
            Reminder.objects.filter(status=ReminderStatus.WAITING)
            .exclude(Exists(pending))
            .select_for_update(skip_locked=True)
            .values_list("application_id", flat=True)[:limit]
        )
        for application_id in dict.fromkeys(ready):
            if _schedule_waiting(application_id) is not None:
                result.scheduled += 1
    if result.superseded or result.scheduled:
        logger.info(
            "Cadences: %s steps scheduled, %s thank-yous superseded.",
            result.scheduled,
            result.superseded,
        )
    return result


# --- A conversation moves the next step -------------------------------------------------------


def cadence_conversation_logged(*, interaction: Interaction) -> list[Reminder]:
    """A conversation with one of an application's contacts after its
    rejection restarts the interval of its next circle-back from that day
    ("moved: you talked to them on 3 March"). Returns the steps moved.

    A step being sent is left alone (it is going out); a step the
    conversation would not move later is left alone too."""
    contact_ids = list(interaction.contacts.values_list("pk", flat=True))
    linked = Q(application__contacts__in=contact_ids) if contact_ids else Q(pk__in=[])
    if interaction.application_id is not None:
        linked |= Q(application_id=interaction.application_id)
    candidates = (
        Reminder.objects.filter(
            linked,
            user_id=interaction.user_id,
            step__in=MOVABLE_STEPS,
            status__in=(ReminderStatus.SCHEDULED, ReminderStatus.WAITING),
            counted_from__lt=interaction.occurred_on,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    moved = []
    for reminder in (
        Reminder.objects.select_for_update(skip_locked=True)
        .select_related("user")
        .filter(pk__in=list(candidates))
        .order_by("id")
    ):
        new_due = moved_due_date(
            interaction.occurred_on,
            reminder.due_date,
            cooling_off_days=reminder.cooling_off_days,
            interval_months=reminder.interval_months,
        )
        if new_due is None:
            continue
        if reminder.due_date_before_move is None:
            reminder.due_date_before_move = reminder.due_date
        reminder.moved_by = interaction
        reminder.moved_on = interaction.occurred_on
        set_due(reminder, new_due, _settings(reminder.user))
        reminder.attempts = 0
        reminder.save()
        moved.append(reminder)
    return moved
