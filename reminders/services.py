"""Use cases that write reminders and their settings, and the ones that span apps.

`rejection_log` is the one use case that spans the three apps: it reads top to
bottom (rejection, application outcome and history, contacts, reminder) in one
transaction, instead of a chain of signals. It lives here, in the top layer of
the three, so that each of its steps is a plain call downwards.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.bulk import update_rows
from accounts.models import User, check_owner
from accounts.text import squash_spaces
from accounts.timezones import user_today
from accounts.validators import validate_user_date
from applications.models import (
    Application,
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
    application_search_refresh,
    application_stats_count_new,
    application_stats_forget,
    application_stats_refresh,
    applications_refresh_furthest_stage,
    company_get_or_create,
    rejection_files_add,
    rejection_files_remove,
)
from applications.summary import TIMED_STAGES, Facts, stats_keys
from contacts.models import Contact, ContactRole, Interaction, InteractionChannel
from contacts.services import interaction_log
from letters.files import EML, LetterFile, email_contents
from letters.parser import LetterError, parse_letter
from reminders import cadence
from reminders.emails import sample_message
from reminders.links import SNOOZE_WEEKS
from reminders.matching import ApplicationMatcher
from reminders.models import (
    ACTIVE_STATUSES,
    HeldLetter,
    Reminder,
    ReminderKind,
    ReminderSettings,
    ReminderStatus,
    ReminderStep,
)
from reminders.scheduling import (
    due_at_for,
    snoozed_due_date,
    spread_dates,
    step_due_date,
    thank_you_due_date,
)
from reminders.selectors import insiders_for

logger = logging.getLogger(__name__)

# A reminder in one of these has not been delivered and may still be moved.
UNSENT_STATUSES = (ReminderStatus.WAITING, ReminderStatus.SCHEDULED, ReminderStatus.FAILED)


class ReminderBeingSent(ValidationError):
    def __init__(self) -> None:
        super().__init__(
            _("Its circle-back email is being sent now; try again in a minute."),
            code="being_sent",
        )


def reminder_settings_get(*, user: User) -> ReminderSettings:
    return ReminderSettings.objects.of(user)


def _schedule(reminder: Reminder, *, user: User, settings_: ReminderSettings) -> None:
    # Only the first circle-back waits for "you may re-apply after N months":
    # keep-on-radar steps come after it anyway.
    reapply_after = (
        reminder.application.company.reapply_after_months
        if reminder.step == ReminderStep.CIRCLE_BACK
        else None
    )
    reminder.due_date = step_due_date(
        reminder.counted_from,
        cooling_off_days=reminder.cooling_off_days,
        interval_months=reminder.interval_months,
        reapply_after_months=reapply_after,
    )
    reminder.due_at = due_at_for(reminder.due_date, settings_.send_time, user.zone)
    if settings.AJAR_COOLING_OFF_UNIT_SECONDS:
        # For testing only (make prod-check): a cooling-off "day" lasts this many
        # seconds from now, so a circle-back arrives within minutes.
        reminder.due_at = timezone.now() + datetime.timedelta(
            seconds=reminder.cooling_off_days * settings.AJAR_COOLING_OFF_UNIT_SECONDS
        )
        reminder.due_date = reminder.due_at.astimezone(user.zone).date()
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


def _lock_steps(application: Application) -> list[Reminder]:
    """Lock every step of the application, oldest first, and refuse while one
    is being sent. The send task holds its row's lock while it talks to SMTP,
    so we wait for it and then see "sent" rather than racing it."""
    steps = list(
        Reminder.objects.select_for_update().filter(application=application).order_by("id")
    )
    if any(step.status == ReminderStatus.SENDING for step in steps):
        raise ReminderBeingSent
    return steps


def _cancelled(reminder: Reminder, now: datetime.datetime) -> None:
    reminder.status = ReminderStatus.CANCELLED
    reminder.resolved_at = now
    reminder.claim_token = None
    reminder.lease_expires_at = None


# What _cancelled changes, for the bulk writes.
CANCELLED_FIELDS = ["status", "resolved_at", "claim_token", "lease_expires_at", "updated_at"]


def _cancel(reminder: Reminder) -> None:
    _cancelled(reminder, timezone.now())
    reminder.save()


def reminder_schedule(
    *,
    user: User,
    application: Application,
    rejection: Rejection | None = None,
    kind: ReminderKind,
    counted_from: datetime.date,
    cooling_off_days: int | None = None,
    new_application: bool = False,
    settings_: ReminderSettings | None = None,
    waiting: bool = False,
) -> Reminder:
    """Create the application's circle-back, or schedule its existing row anew.
    Any other step still waiting is cancelled: one pending step per application.

    Refused while an email for the application is being sent. An application
    created in the caller's transaction has no steps yet: `new_application`
    skips the lookup. `settings_`: the user's, when the caller has read them;
    `waiting`: the circle-back queues behind a step the caller adds next (a
    thank-you), written so at once rather than scheduled and then changed.
    """
    settings_ = settings_ or reminder_settings_get(user=user)
    steps = [] if new_application else _lock_steps(application)
    reminder, cancelled = _circle_back_step(
        user=user,
        application=application,
        rejection=rejection,
        kind=kind,
        counted_from=counted_from,
        cooling_off_days=cooling_off_days,
        settings_=settings_,
        steps=steps,
    )
    if waiting:
        reminder.status = ReminderStatus.WAITING
    for step in cancelled:
        step.save()
    reminder.save()
    return reminder


def _circle_back_step(
    *,
    user: User,
    application: Application,
    rejection: Rejection | None,
    kind: ReminderKind,
    counted_from: datetime.date,
    cooling_off_days: int | None,
    settings_: ReminderSettings,
    steps: list[Reminder],
) -> tuple[Reminder, list[Reminder]]:
    """The rule of reminder_schedule, writing nothing: the application's last
    circle-back scheduled anew (or a new row), validated, and the other steps
    of `steps` (all of the application's, oldest first) still waiting,
    cancelled. The caller saves both."""
    stage = rejection.stage_reached if rejection is not None else application.furthest_stage
    days = cooling_off_days or settings_.cooling_off_for(stage)
    circle_backs = [step for step in steps if step.step == ReminderStep.CIRCLE_BACK]
    reminder = circle_backs[-1] if circle_backs else None
    cancelled = []
    now = timezone.now()
    for step in steps:
        if step is not reminder and step.status in (
            ReminderStatus.SCHEDULED,
            ReminderStatus.WAITING,
        ):
            _cancelled(step, now)
            cancelled.append(step)
    if reminder is None:
        reminder = Reminder(user=user, application=application, step=ReminderStep.CIRCLE_BACK)
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
    # The table's CheckConstraints hold in the database; validating them here
    # would cost one SELECT each, on every rejection (an import logs thousands).
    reminder.full_clean(exclude=["user", "application", "rejection"], validate_constraints=False)
    return reminder, cancelled


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
        waiting = reminder.status == ReminderStatus.WAITING
        _schedule(reminder, user=reminder.user, settings_=reminder_settings_get(user=reminder.user))
        _reset_delivery(reminder)
        if waiting:
            # Still behind the step before it (a thank-you not yet sent).
            reminder.status = ReminderStatus.WAITING
    reminder.save()
    return reminder


def reminder_cancel(*, application: Application) -> Reminder | None:
    """The rejection was undone or deleted: every unsent step is cancelled.
    Returns the latest step, if any."""
    steps = _lock_steps(application)
    for step in steps:
        if step.status in UNSENT_STATUSES:
            _cancel(step)
    return steps[-1] if steps else None


@transaction.atomic
def reminders_recompute_for_user(*, user: User) -> int:
    """The send time or zone changed: every scheduled reminder keeps its local
    due date and moves to the new local send time. Returns how many moved."""
    settings_ = reminder_settings_get(user=user)
    moved = 0
    reminders = Reminder.objects.select_for_update().filter(
        user=user, status__in=(ReminderStatus.SCHEDULED, ReminderStatus.WAITING)
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


CADENCE_SETTINGS = (
    "thank_you_enabled",
    "cooling_off_by_stage",
    "keep_on_radar_months",
    "digest_mode",
    "digest_weekday",
)


@transaction.atomic
def reminder_settings_update(
    *,
    user: User,
    cooling_off_days: int,
    send_time: datetime.time,
    email_enabled: bool,
    note_template: str | None = None,
    time_zone: str | None = None,
    cadence: dict | None = None,
) -> ReminderSettings:
    """`cadence` (the Settings page) may set thank_you_enabled,
    cooling_off_by_stage, keep_on_radar_months, digest_mode, digest_weekday."""
    settings_ = ReminderSettings.objects.select_for_update().get(
        pk=reminder_settings_get(user=user).pk
    )
    recompute = send_time != settings_.send_time
    if time_zone is not None and time_zone != user.time_zone:
        user.time_zone = time_zone
        user.full_clean(validate_unique=False, validate_constraints=False)
        user.save(update_fields=["time_zone"])
        recompute = True
        # An application without an applied date counts on its local creation day.
        application_stats_refresh(
            application_ids=Application.objects.for_user(user)
            .filter(applied_on__isnull=True)
            .values_list("pk", flat=True)
        )
    if email_enabled and not settings_.email_enabled:
        # Reminders that fell due while email was off stay in the app only.
        settings_.email_enabled_at = timezone.now()
    settings_.cooling_off_days = cooling_off_days
    settings_.send_time = send_time
    settings_.email_enabled = email_enabled
    if note_template is not None:
        settings_.note_template = note_template
    for name, value in (cadence or {}).items():
        if name not in CADENCE_SETTINGS:
            raise ValidationError(_("Unknown setting %(name)s.") % {"name": name})
        setattr(settings_, name, value)
    settings_.full_clean(exclude=["user"])
    settings_.save()
    if recompute:
        reminders_recompute_for_user(user=user)
    return settings_


@transaction.atomic
@transaction.atomic
def user_settings_update(
    *,
    user: User,
    name: str,
    cooling_off_days: int,
    send_time: datetime.time,
    email_enabled: bool,
    note_template: str | None = None,
    time_zone: str | None = None,
    cadence: dict | None = None,
) -> None:
    """The Settings page: the user's name and their reminder settings, saved
    together (a refused setting leaves the name as it was)."""
    user.name = squash_spaces(name)
    user.save(update_fields=["name"])
    reminder_settings_update(
        user=user,
        cooling_off_days=cooling_off_days,
        send_time=send_time,
        email_enabled=email_enabled,
        note_template=note_template,
        time_zone=time_zone,
        cadence=cadence,
    )


# --- What the user does with a circle-back: the Reminders page and the email's links ---------


class ReminderAlreadyHandled(ValidationError):
    """Done, dismissed, cancelled, or snoozed since the link was sent."""

    def __init__(self, reminder: Reminder) -> None:
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
    contacts: Sequence[Contact] = (),
    channel: str = InteractionChannel.EMAIL,
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
    day = occurred_on or user_today(user)
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
    else:
        # The next step: the circle-back after a thank-you, or keep on radar.
        cadence.cadence_next(reminder=reminder)
    return reminder


@transaction.atomic
def reminder_reapply(
    *, reminder: Reminder, role: str = "", applied_on: datetime.date | None = None
) -> Application:
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
        occurred_on=applied_on or user_today(reminder.user),
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
    today = user_today(user)
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
    # A dismissed thank-you lets its circle-back go; a dismissed circle-back
    # ends the cadence (not this company).
    cadence.cadence_next(reminder=reminder)
    return reminder


@transaction.atomic
def reminder_failure_acknowledge(*, user: User, reminder: Reminder | None = None) -> int:
    """Hide the failure banner: for one failed reminder, or all of the user's."""
    failed = Reminder.objects.for_user(user).filter(
        status=ReminderStatus.FAILED, failure_acknowledged=False
    )
    if reminder is not None:
        failed = failed.filter(pk=reminder.pk)
    return failed.update(failure_acknowledged=True, updated_at=timezone.now())


@transaction.atomic
def reminder_unsubscribe(*, user: User) -> ReminderSettings:
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


def reminder_test_send(*, user: User) -> None:
    """Send the user a sample circle-back now, through the configured mail server,
    so they see what one looks like and that mail arrives. Synchronous on purpose:
    the user is waiting to hear whether it worked, and EMAIL_TIMEOUT bounds it."""

    if not EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists():
        raise TestEmailFailed(
            _("Verify your email address first: reminders go only to a verified address."),
            code="unverified",
        )
    _test_send_throttle(user)
    message = sample_message(user)
    message.connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
    try:
        message.send()
    except Exception as error:  # any mail failure is reported to the user
        # The server's own words (host names, account names, the reply) go to the
        # log for the operator, not onto the page.
        logger.warning("test email to user %s failed", user.pk, exc_info=True)
        raise TestEmailFailed(
            _(
                "The test email could not be sent: the mail server could not be "
                "reached or refused it. The details are in the server's log."
            ),
            code="send_failed",
        ) from error


TEST_SENDS_PER_WINDOW = 3
TEST_SEND_WINDOW_SECONDS = 10 * 60


def _test_send_throttle(user: User) -> None:
    """At most TEST_SENDS_PER_WINDOW test emails per user per window: each one
    is a synchronous SMTP conversation and a message in someone's inbox."""
    key = f"ajar:test-email:{user.pk}"
    cache.add(key, 0, timeout=TEST_SEND_WINDOW_SECONDS)
    try:
        sent = cache.incr(key)
    except ValueError:  # expired between add and incr: a fresh window
        cache.set(key, 1, timeout=TEST_SEND_WINDOW_SECONDS)
        sent = 1
    if sent > TEST_SENDS_PER_WINDOW:
        raise TestEmailFailed(
            _("You have sent several test emails just now: wait a few minutes and try again."),
            code="throttled",
        )


# --- The cadence: its start, and undoing a conversation's move -------------------------


@dataclass(frozen=True)
class CadenceStart:
    circle_back: Reminder
    thank_you: Reminder | None

    @property
    def pending(self) -> Reminder:
        return self.thank_you or self.circle_back


def cadence_start(
    *,
    user: User,
    application: Application,
    rejection: Rejection | None,
    kind: ReminderKind,
    counted_from: datetime.date,
    cooling_off_days: int | None = None,
    writer: Contact | None = None,
    new_application: bool = False,
) -> CadenceStart:
    """The steps after a rejection (or a "never heard back", or an offer you
    turned down): the circle-back, and before it, when the setting is on and
    the letter is recent, a thank-you the day after, addressed to `writer`
    (who wrote the letter) when known. Call inside the caller's transaction."""
    settings_ = reminder_settings_get(user=user)
    thank_you = _thank_you_step(
        user=user,
        application=application,
        rejection=rejection,
        kind=kind,
        counted_from=counted_from,
        writer=writer,
        settings_=settings_,
        today=user_today(user),
    )
    # With a thank-you, the circle-back queues behind it (one pending step),
    # written waiting at once; the settings read once for both.
    circle_back = reminder_schedule(
        user=user,
        application=application,
        rejection=rejection,
        kind=kind,
        counted_from=counted_from,
        cooling_off_days=cooling_off_days,
        new_application=new_application,
        settings_=settings_,
        waiting=thank_you is not None,
    )
    if thank_you is None:
        return CadenceStart(circle_back=circle_back, thank_you=None)
    thank_you.save()
    return CadenceStart(circle_back=circle_back, thank_you=thank_you)


def _thank_you_step(
    *,
    user: User,
    application: Application,
    rejection: Rejection | None,
    kind: ReminderKind,
    counted_from: datetime.date,
    writer: Contact | None,
    settings_: ReminderSettings,
    today: datetime.date,
) -> Reminder | None:
    """The rule of the thank-you, writing nothing: the step when the setting is
    on and the letter is recent, else None. Its circle-back then waits."""
    wants_thank_you = (
        kind == ReminderKind.REJECTED
        and rejection is not None
        and settings_.thank_you_enabled
        and (today - counted_from).days <= cadence.THANK_YOU_WITHIN_DAYS
    )
    if not wants_thank_you:
        return None
    thank_you = Reminder(
        user=user,
        application=application,
        rejection=rejection,
        kind=kind,
        step=ReminderStep.THANK_YOU,
        contact=writer,
        counted_from=counted_from,
        cooling_off_days=1,
    )
    cadence.set_due(thank_you, max(thank_you_due_date(counted_from), today), settings_)
    return thank_you


class NotMoved(ValidationError):
    pass


@transaction.atomic
def reminder_move_undo(*, reminder: Reminder) -> Reminder:
    """Undo "moved: you talked to them": back to the date it had before."""
    reminder = Reminder.objects.select_for_update().select_related("user").get(pk=reminder.pk)
    if reminder.status == ReminderStatus.SENDING:
        raise ReminderBeingSent
    if reminder.due_date_before_move is None or reminder.status not in (
        ReminderStatus.SCHEDULED,
        ReminderStatus.WAITING,
    ):
        raise NotMoved(_("This step was not moved by a conversation."))
    cadence.set_due(
        reminder, reminder.due_date_before_move, reminder_settings_get(user=reminder.user)
    )
    reminder.due_date_before_move = None
    reminder.moved_by = None
    reminder.moved_on = None
    reminder.save()
    return reminder


# --- Logging a rejection: the one use case that spans the three apps -----------------


@dataclass(frozen=True)
class NewContact:
    name: str
    role: str = ContactRole.OTHER
    email: str = ""
    # This person wrote the rejection letter: the thank-you is addressed to them.
    wrote_letter: bool = False


@dataclass(frozen=True)
class RejectionLogResult:
    application: Application
    rejection: Rejection | None
    reminder: Reminder  # the circle-back
    thank_you: Reminder | None = None
    # Files with the letter that the rejection could not keep (over its limits).
    files_left_out: list[LetterFile] = field(default_factory=list)


def _people_met(
    *,
    user: User,
    application: Application,
    contacts: Sequence[Contact],
    new_contacts: Sequence[NewContact],
    letter_writer: Contact | None,
) -> Contact | None:
    """Link the people met to the application, adding the new ones; returns
    who wrote the letter, if known."""
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
        contact.full_clean(exclude=["user", "company", "applications"], validate_constraints=False)
        contact.save()
        contact.applications.add(application)
        if new.wrote_letter:
            letter_writer = contact
    if letter_writer is not None:
        letter_writer.applications.add(application)
    return letter_writer


@transaction.atomic
def people_met_add(
    *, user: User, application: Application, new_contacts: Sequence[NewContact]
) -> list[Contact]:
    """People met on an application, added after the fact (the confirmation
    page after logging, or the application's page): each a new contact at its
    company, linked to it. One marked as the letter's writer becomes whom a
    thank-you still to come is addressed to. Returns the people added."""
    check_owner(user, application)
    if not new_contacts:
        raise ValidationError(_("Name at least one person."))
    application = Application.objects.select_for_update().get(pk=application.pk)
    before = set(application.contacts.values_list("pk", flat=True))
    writer = _people_met(
        user=user,
        application=application,
        contacts=(),
        new_contacts=new_contacts,
        letter_writer=None,
    )
    if writer is not None:
        Reminder.objects.filter(
            application=application,
            step=ReminderStep.THANK_YOU,
            status=ReminderStatus.SCHEDULED,
        ).update(contact=writer, updated_at=timezone.now())
    return list(application.contacts.exclude(pk__in=before).order_by("id"))


def _lock_open_application(application: Application) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    _refuse_closed(
        application, has_rejection=Rejection.objects.filter(application=application).exists()
    )
    return application


def _refuse_closed(application: Application, *, has_rejection: bool) -> None:
    if has_rejection:
        raise ValidationError(_("This application already has a rejection: edit that one."))
    # Checked under the lock: the caller's copy may predate another request that
    # closed it (a double-clicked "never heard back"), whose reminder must stay.
    if not application.is_open:
        raise ValidationError(
            _("This application is already closed: undo its outcome first to log another.")
        )


def _rejection_row(
    *,
    user: User,
    application: Application,
    received_on: datetime.date,
    stage_reached: Stage,
    channel: Channel = Channel.EMAIL,
    letter_text: str = "",
    feedback: str = "",
    invited_to_reapply: bool = False,
) -> Rejection:
    """The rejection itself, validated, not saved."""
    rejection = Rejection(
        application=application,
        user=user,
        received_on=received_on,
        stage_reached=stage_reached,
        channel=channel,
        letter_text=letter_text,
        feedback=feedback,
        invited_to_reapply=invited_to_reapply,
    )
    # Constraints: enforced by the database, not re-checked by a SELECT each.
    rejection.full_clean(exclude=["application", "user"], validate_constraints=False)
    return rejection


def _record_outcome(
    application: Application, *, stage_reached: Stage, received_on: datetime.date, ghosted: bool
) -> StageEvent | None:
    """The application's outcome and history, writing nothing: how far it got
    is a fact, a stage event when that is not its current stage. The caller
    saves the event, then refreshes the furthest stage and saves the application."""
    event = None
    if stage_reached != application.current_stage:
        event = StageEvent(
            application=application,
            stage=stage_reached,
            occurred_on=received_on,
            note=_("Recorded with the outcome."),
        )
        application.current_stage = stage_reached
        application_note_activity(application, received_on)
    application.outcome = Outcome.GHOSTED if ghosted else Outcome.REJECTED
    application.outcome_on = received_on
    return event


@transaction.atomic
def rejection_log(
    *,
    user: User,
    stage_reached: Stage,
    application: Application | None = None,
    company_name: str = "",
    role: str = "",
    received_on: datetime.date | None = None,
    ghosted: bool = False,
    channel: Channel = Channel.EMAIL,
    letter_text: str = "",
    letter_file: LetterFile | None = None,
    enclosed_files: Sequence[LetterFile] | None = None,
    feedback: str = "",
    invited_to_reapply: bool = False,
    cooling_off_days: int | None = None,
    contacts: Sequence[Contact] = (),
    new_contacts: Sequence[NewContact] = (),
    letter_writer: Contact | None = None,
    reapply_after_months: int | None = None,
) -> RejectionLogResult:
    """Record a rejection (or that they never wrote back) and schedule its circle-back.

    Either `application` or a company name and role (a new application) is given.
    The letter's file is kept with the files that came with it: `enclosed_files`
    when the caller has them (an Inbox draft's), else those found inside an
    email letter.
    Works with the broker down: nothing is enqueued here; the sweep finds the row.
    """
    received_on = received_on or user_today(user)
    stage_reached = Stage(stage_reached)

    # 1. The application: the one picked, or a new one for the typed company and role.
    # A new one is this transaction's own row: nobody else can see it yet, so it
    # needs no lock, has no rejection, and its furthest stage is the one given.
    created = application is None
    # The letter is read first: a new application's search text holds its words.
    enclosed: Sequence[LetterFile] = ()
    if not ghosted:
        letter_text, enclosed = _read_letter(letter_file, letter_text, enclosed_files)
    if application is None:
        if not role.strip():
            raise ValidationError({"role": _("Name the role.")})
        company = company_get_or_create(user=user, name=company_name)
        # Only the rejection's date is known: no applied date, no stage event
        # made up (how far it got is on the rejection itself).
        application = application_create(
            user=user,
            company=company,
            role=role.strip()[:200],
            stage=stage_reached,
            record_history=False,
            refresh_derived=False,
            # Written closed: no UPDATE of every column just after.
            outcome=Outcome.GHOSTED if ghosted else Outcome.REJECTED,
            outcome_on=received_on,
            # Its search text is written with it, the letter's words included.
            letter_text="" if ghosted else letter_text,
        )
    check_owner(user, application, *contacts, *([letter_writer] if letter_writer else []))
    if not created:
        application = _lock_open_application(application)

    # 2. The rejection itself; "never heard back" is an outcome, not a rejection.
    rejection = None
    left_out: list[LetterFile] = []
    if not ghosted:
        rejection = _rejection_row(
            user=user,
            application=application,
            received_on=received_on,
            stage_reached=stage_reached,
            channel=channel,
            letter_text=letter_text,
            feedback=feedback,
            invited_to_reapply=invited_to_reapply,
        )
        rejection.save()
        left_out = rejection_files_add(
            rejection=rejection, letter=letter_file, enclosed=enclosed, fresh=True
        )

    # 3. The application's outcome and history: how far it got is a fact.
    event = _record_outcome(
        application, stage_reached=stage_reached, received_on=received_on, ghosted=ghosted
    )
    if event is not None:
        event.save()
    if not created:
        # A new application was written closed: it has nothing left to save.
        applications_refresh_furthest_stage([application])
        application.save()
    if created:
        # Its facts are the ones in hand: counted without reading the row back.
        application_stats_count_new(
            application=application, keys=_new_application_stats_keys(application, rejection)
        )
    else:
        if rejection is not None and rejection.letter_text:
            # The letter's words.
            application_search_refresh(application_ids=[application.pk])
        application_stats_refresh(application_ids=[application.pk])

    # 4. The people met along the way.
    letter_writer = _people_met(
        user=user,
        application=application,
        contacts=contacts,
        new_contacts=new_contacts,
        letter_writer=letter_writer,
    )

    # "You may re-apply after N months": the company's, so later ones respect it too.
    if reapply_after_months is not None:
        company = application.company
        company.reapply_after_months = reapply_after_months
        company.full_clean(validate_unique=False, validate_constraints=False)
        company.save(update_fields=["reapply_after_months"])

    # 5. The cadence: rows with their due times (a thank-you first, when it
    # applies, then the circle-back). Nothing is queued.
    steps = cadence_start(
        user=user,
        application=application,
        rejection=rejection,
        kind=ReminderKind.GHOSTED if ghosted else ReminderKind.REJECTED,
        counted_from=received_on,
        new_application=created,
        cooling_off_days=cooling_off_days,
        writer=letter_writer,
    )
    return RejectionLogResult(
        application=application,
        rejection=rejection,
        reminder=steps.circle_back,
        thank_you=steps.thank_you,
        files_left_out=left_out,
    )


# --- Many rejections at once: an import's rows ------------------------------------------


@dataclass(frozen=True)
class Closing:
    """One open application's rejection (or silence) for rejections_log_bulk:
    how far it got and the day, nothing more (no letter, no people)."""

    application: Application
    stage_reached: Stage
    received_on: datetime.date | None = None
    ghosted: bool = False


# What to do with circle-backs whose cooling-off has already passed.
OLD_CIRCLE_BACKS = ("spread", "skip", "keep")


def circle_backs_overdue_settle(
    *, user: User, reminders: Sequence[Reminder], choice: str
) -> list[Reminder]:
    """Circle-backs of old rejections (an import's) due today or before would
    all fall due at once: `spread` them over the coming weeks (in the order
    given), `skip` them (dismissed), or `keep` them. Changes the rows given,
    without saving them; returns the ones changed."""
    if choice not in OLD_CIRCLE_BACKS:
        raise ValueError(f"Unknown choice {choice!r}.")
    today = user_today(user)
    overdue = [reminder for reminder in reminders if reminder.due_date <= today]
    now = timezone.now()
    if choice == "spread":
        settings_ = reminder_settings_get(user=user)
        start = today + datetime.timedelta(days=1)
        for reminder, due in zip(overdue, spread_dates(len(overdue), start=start), strict=True):
            reminder.due_date = due
            reminder.due_at = due_at_for(due, settings_.send_time, user.zone)
            reminder.next_attempt_at = reminder.due_at
            reminder.updated_at = now
        return overdue
    if choice == "skip":
        for reminder in overdue:
            reminder.status = ReminderStatus.DISMISSED
            reminder.resolved_at = now
        return overdue
    return []


@transaction.atomic
def rejections_log_bulk(
    *, user: User, closings: Sequence[Closing], old_circle_backs: str = "keep"
) -> list[RejectionLogResult]:
    """rejection_log for many open applications at once (an import's rejected
    and ghosted rows): the same rows as one call per application, in a few
    statements for them all, by the same rules: the helpers rejection_log uses
    too (_rejection_row, _record_outcome, _circle_back_step, _thank_you_step). Then
    `old_circle_backs` settles the circle-backs already due
    (circle_backs_overdue_settle). Results in the order of `closings`.

    Refused, all of it, like rejection_log: another user's application, one
    already closed or with a rejection, one named twice, or while one of their
    emails is being sent."""
    closings = list(closings)
    if not closings:
        return []
    applications, steps = _lock_open_applications(user, [c.application for c in closings])
    rejections = _close_many(user, closings, applications)
    results = _cadence_start_many(user, applications, rejections, steps)
    circle_backs_overdue_settle(
        user=user, reminders=[result.reminder for result in results], choice=old_circle_backs
    )
    new_steps = []
    for result in results:
        if result.reminder.pk is None:
            new_steps.append(result.reminder)
        else:
            # A circle-back sent before the application was reopened (rare).
            result.reminder.save()
        if result.thank_you is not None:
            new_steps.append(result.thank_you)
    # In order: an application's thank-you after its circle-back, its newest row.
    Reminder.objects.bulk_create(new_steps, batch_size=1000)
    return results


def _lock_open_applications(
    user: User, given: list[Application]
) -> tuple[list[Application], dict[int, list[Reminder]]]:
    """_lock_open_application and _lock_steps for many: the applications
    locked in key order (with their companies), fresh, in the order given, and
    each one's steps, oldest first."""
    check_owner(user, *given)
    ids = [application.pk for application in given]
    if len(set(ids)) != len(ids):
        raise ValidationError(_("An application is named twice."))
    locked = {
        application.pk: application
        for application in Application.objects.select_for_update(of=("self",))
        .select_related("company")
        .filter(pk__in=ids)
        .order_by("pk")
    }
    if len(locked) != len(ids):
        raise Application.DoesNotExist
    rejected = set(
        Rejection.objects.filter(application__in=ids).values_list("application_id", flat=True)
    )
    for application in locked.values():
        _refuse_closed(application, has_rejection=application.pk in rejected)
    steps: dict[int, list[Reminder]] = defaultdict(list)
    for step in Reminder.objects.select_for_update().filter(application__in=ids).order_by("id"):
        if step.status == ReminderStatus.SENDING:
            raise ReminderBeingSent
        step.application = locked[step.application_id]
        steps[step.application_id].append(step)
    return [locked[pk] for pk in ids], steps


def _close_many(
    user: User, closings: list[Closing], applications: list[Application]
) -> list[Rejection | None]:
    """Steps 2 and 3 of rejection_log for many: the rejections, the outcomes
    and history, the stats. No letter: the search text does not change."""
    today = user_today(user)
    rejections: list[Rejection | None] = []
    events = []
    for closing, application in zip(closings, applications, strict=True):
        received_on = closing.received_on or today
        stage_reached = Stage(closing.stage_reached)
        rejections.append(
            None
            if closing.ghosted
            else _rejection_row(
                user=user,
                application=application,
                received_on=received_on,
                stage_reached=stage_reached,
            )
        )
        event = _record_outcome(
            application,
            stage_reached=stage_reached,
            received_on=received_on,
            ghosted=closing.ghosted,
        )
        if event is not None:
            events.append(event)
    Rejection.objects.bulk_create([r for r in rejections if r is not None], batch_size=1000)
    StageEvent.objects.bulk_create(events, batch_size=1000)
    applications_refresh_furthest_stage(applications)
    now = timezone.now()
    for application in applications:
        application.updated_at = now
    update_rows(
        Application,
        applications,
        [
            "current_stage",
            "furthest_stage",
            "last_activity_on",
            "outcome",
            "outcome_on",
            "updated_at",
        ],
    )
    application_stats_refresh(application_ids=[application.pk for application in applications])
    return rejections


def _cadence_start_many(
    user: User,
    applications: list[Application],
    rejections: list[Rejection | None],
    steps: dict[int, list[Reminder]],
) -> list[RejectionLogResult]:
    """cadence_start for many, writing the cancelled steps and leaving the new
    ones to the caller."""
    settings_ = reminder_settings_get(user=user)
    today = user_today(user)
    results = []
    cancelled: list[Reminder] = []
    for application, rejection in zip(applications, rejections, strict=True):
        kind = ReminderKind.REJECTED if rejection is not None else ReminderKind.GHOSTED
        counted_from = application.outcome_on
        assert counted_from is not None  # set by _record_outcome
        circle_back, cancels = _circle_back_step(
            user=user,
            application=application,
            rejection=rejection,
            kind=kind,
            counted_from=counted_from,
            cooling_off_days=None,
            settings_=settings_,
            steps=steps[application.pk],
        )
        cancelled += cancels
        thank_you = _thank_you_step(
            user=user,
            application=application,
            rejection=rejection,
            kind=kind,
            counted_from=counted_from,
            writer=None,
            settings_=settings_,
            today=today,
        )
        if thank_you is not None:
            circle_back.status = ReminderStatus.WAITING
        results.append(
            RejectionLogResult(
                application=application,
                rejection=rejection,
                reminder=circle_back,
                thank_you=thank_you,
            )
        )
    now = timezone.now()
    for step in cancelled:
        step.updated_at = now
    update_rows(Reminder, cancelled, CANCELLED_FIELDS)
    return results


def _plain(value: object) -> str:
    """A choice's value as the database gives it back (a str, not the enum member)."""
    return str(getattr(value, "value", value))


def _new_application_stats_keys(application: Application, rejection: Rejection | None) -> list[str]:
    """The stats keys of an application just written with no stage events (first
    met at its rejection), from the values written: what application_stats_refresh
    would read back."""
    return stats_keys(
        Facts(
            furthest=int(application.furthest_stage),
            current=int(application.current_stage),
            outcome=_plain(application.outcome),
            source=_plain(application.source),
            applied_on=application.applied_on,
            created_at=application.created_at,
            time_zone=application.user.time_zone,
            outcome_on=application.outcome_on,
            rejection_stage=int(rejection.stage_reached) if rejection is not None else None,
            rejection_channel=_plain(rejection.channel) if rejection is not None else None,
            rejection_on=rejection.received_on if rejection is not None else None,
            first_reached=dict.fromkeys((stage.value for stage in TIMED_STAGES), None),
        )
    )


def _read_letter(
    letter_file: LetterFile | None, letter_text: str, enclosed: Sequence[LetterFile] | None
) -> tuple[str, Sequence[LetterFile]]:
    """An email letter read once: its text when none was given, and the files
    inside it when the caller did not bring them."""
    if letter_file is None or letter_file.content_type != EML:
        return letter_text, enclosed or ()
    if letter_text and enclosed is not None:
        return letter_text, enclosed
    contents = email_contents(letter_file.data)
    return letter_text or contents.text, contents.files if enclosed is None else enclosed


@transaction.atomic
def rejection_update(
    *,
    rejection: Rejection,
    received_on: datetime.date,
    cooling_off_days: int | None = None,
    letter_file: LetterFile | None = None,
    remove_files: Sequence[int] = (),
    add_file: LetterFile | None = None,
    channel: str | None = None,
    letter_text: str | None = None,
    feedback: str | None = None,
    invited_to_reapply: bool | None = None,
) -> "RejectionUpdateResult":
    """Edit a rejection; a changed date or cooling-off moves its unsent reminder.
    A new letter file replaces the stored one (an email's files are kept with
    it); `remove_files` lets some go; `add_file` is one more, refused when
    the rejection holds all it may. A detail left None is kept.

    Refused while its reminder is being sent. Returns the rejection and the
    files with a new email letter that did not fit.
    """
    rejection = Rejection.objects.select_for_update().get(pk=rejection.pk)
    # Locks every step and refuses when one is being sent.
    steps = _lock_steps(rejection.application)
    circle_backs = [step for step in steps if step.step == ReminderStep.CIRCLE_BACK]
    if circle_backs:
        reminder = circle_backs[-1]
        days = cooling_off_days or reminder.cooling_off_days or 0
        reminder_reschedule(reminder=reminder, counted_from=received_on, cooling_off_days=days)
    for step in steps:
        if step.step == ReminderStep.THANK_YOU and step.status == ReminderStatus.SCHEDULED:
            step.counted_from = received_on
            user = rejection.application.user
            cadence.set_due(
                step,
                max(thank_you_due_date(received_on), user_today(user)),
                reminder_settings_get(user=user),
            )
            step.save()
    enclosed: Sequence[LetterFile] = ()
    if letter_file is not None:
        letter_text, enclosed = _read_letter(letter_file, letter_text or "", None)
    if channel is not None:
        rejection.channel = channel
    letter_changed = letter_text is not None and letter_text != rejection.letter_text
    if letter_text is not None:
        rejection.letter_text = letter_text
    if feedback is not None:
        rejection.feedback = feedback
    if invited_to_reapply is not None:
        rejection.invited_to_reapply = invited_to_reapply
    rejection.received_on = received_on
    rejection.full_clean(exclude=["application", "user"])
    rejection.save()
    rejection_files_remove(rejection=rejection, ids=remove_files)
    if add_file is not None:
        try:
            rejection_files_add(rejection=rejection, enclosed=[add_file], strict=True)
        except ValidationError as error:
            raise ValidationError({"add_file": error.messages}) from error
    left_out = rejection_files_add(rejection=rejection, letter=letter_file, enclosed=enclosed)
    Application.objects.filter(pk=rejection.application_id).update(outcome_on=received_on)
    if letter_changed:
        application_search_refresh(application_ids=[rejection.application_id])
    # The date moves the days to the answer; the channel, its count.
    application_stats_refresh(application_ids=[rejection.application_id])
    return RejectionUpdateResult(rejection=rejection, files_left_out=left_out)


@dataclass(frozen=True)
class RejectionUpdateResult:
    rejection: Rejection
    files_left_out: list[LetterFile]


@transaction.atomic
def application_reopen(*, application: Application) -> Application:
    """Undo a rejection, a "ghosted" or a recorded outcome: the application is
    open again, its rejection deleted and every unsent step cancelled."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    reminder_cancel(application=application)
    Rejection.objects.filter(application=application).delete()
    application.outcome = Outcome.OPEN
    application.outcome_on = None
    application.save(update_fields=["outcome", "outcome_on", "updated_at"])
    # The letter's words no longer find it.
    application_search_refresh(application_ids=[application.pk])
    application_stats_refresh(application_ids=[application.pk])
    return application


# Outcomes the user records themselves (a rejection has its own form).
RECORDED_OUTCOMES = (Outcome.OFFER_ACCEPTED, Outcome.OFFER_DECLINED, Outcome.WITHDRAWN)


@transaction.atomic
def application_outcome_record(
    *,
    application: Application,
    outcome: Outcome,
    on: datetime.date,
    keep_circle_back: bool = False,
) -> RejectionLogResult | None:
    """Offer accepted, offer declined, or withdrawn, on a date the user gave.

    From an open application, or a ghosted one (they wrote back after all).
    An accepted offer and a withdrawal cancel any unsent circle-back; a declined
    offer starts one when the user asks to keep the door ajar (a company you
    turned down may still be one you want). An offer means the process reached
    the offer stage on that day. Undone like a rejection (application_reopen).
    Returns the declined offer's cadence, if one was started.
    """
    outcome = Outcome(outcome)
    if outcome not in RECORDED_OUTCOMES:
        raise ValidationError({"outcome": _("Pick accepted, declined or withdrawn.")})
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.outcome not in (Outcome.OPEN, Outcome.GHOSTED):
        raise ValidationError(
            _("This application is already closed: undo its outcome first to record another.")
        )
    user = application.user
    if on > user_today(user):
        raise ValidationError({"on": _("Give a date that has passed.")})
    validate_user_date(on)
    # Locks every step; refused while one is being sent.
    reminder_cancel(application=application)
    if outcome in (Outcome.OFFER_ACCEPTED, Outcome.OFFER_DECLINED) and (
        application.current_stage != Stage.OFFER
    ):
        StageEvent.objects.create(
            application=application,
            stage=Stage.OFFER,
            occurred_on=on,
            note=_("Recorded with the outcome."),
        )
        application.current_stage = Stage.OFFER
    application.outcome = outcome
    application.outcome_on = on
    applications_refresh_furthest_stage([application])
    application.save()
    application_stats_refresh(application_ids=[application.pk])
    if outcome != Outcome.OFFER_DECLINED or not keep_circle_back:
        return None
    steps = cadence_start(
        user=user,
        application=application,
        rejection=None,
        kind=ReminderKind.DECLINED,
        counted_from=on,
    )
    return RejectionLogResult(application=application, rejection=None, reminder=steps.circle_back)


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
    application_stats_forget(applications=Application.objects.filter(pk=application.pk))
    application.delete()


def _refuse_while_sending(applications: QuerySet[Application]) -> None:
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
    alone = Interaction.objects.left_alone_by(Contact.objects.filter(company=company))
    Interaction.objects.filter(pk__in=list(alone.values_list("pk", flat=True))).delete()
    application_stats_forget(applications=company.applications.all())
    company.delete()


# --- A letter attached to the log-rejection form ----------------------------------------

HELD_LETTER_SALT = "reminders.held-letter"


@dataclass(frozen=True)
class LetterFill:
    """What the form can fill in from a letter: blank where the letter does not say."""

    company: str = ""
    role: str = ""
    received_on: datetime.date | None = None
    text: str = ""
    application: Application | None = None  # an open application it matches


def held_letter_create(*, user: User, letter: LetterFile) -> tuple[HeldLetter, str]:
    """Keep an attached letter on the server; returns it with its signed token.
    Letters held for more than a day are let go."""
    stale = timezone.now() - datetime.timedelta(seconds=HeldLetter.MAX_AGE_SECONDS)
    HeldLetter.objects.for_user(user).filter(created_at__lt=stale).delete()
    held = HeldLetter.objects.create(
        user=user,
        filename=letter.filename,
        content_type=letter.content_type,
        size=letter.size,
        data=letter.data,
    )
    return held, signing.dumps(held.pk, salt=HELD_LETTER_SALT)


def held_letter_get(*, user: User, token: str) -> HeldLetter | None:
    """The user's held letter a token names, or None (expired, forged, another's)."""
    try:
        pk = signing.loads(token, salt=HELD_LETTER_SALT, max_age=HeldLetter.MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return HeldLetter.objects.for_user(user).filter(pk=pk).first()


def letter_fill(*, user: User, letter: LetterFile) -> LetterFill:
    """Company, role, date and text read from an email letter (the one parser),
    and the open application they match, if any. A PDF fills nothing."""
    if letter.content_type != EML:
        return LetterFill()
    try:
        parsed = parse_letter(letter.data)
    except LetterError:
        return LetterFill()
    match = ApplicationMatcher.for_user(user).best(parsed.company.value, parsed.role.value)
    return LetterFill(
        company=parsed.company.value[:200],
        role=parsed.role.value[:200],
        received_on=parsed.received_on(user.zone),
        text=parsed.text,
        application=Application.objects.for_user(user).filter(pk=match).first() if match else None,
    )


# --- After a failed delivery ----------------------------------------------------------------


class NotFailed(Exception):
    pass


@transaction.atomic
def reminder_retry(*, reminder: Reminder, now: datetime.datetime | None = None) -> Reminder:
    """The user's "retry" on a failed reminder: scheduled again, due now, with
    a fresh set of attempts. The last error stays visible until it is sent."""
    now = now or timezone.now()
    reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
    if reminder.status != ReminderStatus.FAILED:
        raise NotFailed(f"Reminder {reminder.pk} is {reminder.status}, not failed.")
    reminder.status = ReminderStatus.SCHEDULED
    reminder.attempts = 0
    reminder.next_attempt_at = now
    reminder.failure_acknowledged = False
    reminder.save(
        update_fields=[
            "status",
            "attempts",
            "next_attempt_at",
            "failure_acknowledged",
            "updated_at",
        ]
    )
    return reminder
