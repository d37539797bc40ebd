import datetime

from django.conf import settings
from django.core.validators import BaseValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import OwnedQuerySet, User
from applications.models import Application, Rejection

COOLING_OFF_MIN, COOLING_OFF_MAX = 1, 365

DEFAULT_NOTE_TEMPLATE = """Hi {first_name},

I hope you've been well since we spoke about the {role} role at {company}. \
I enjoyed meeting the team, and I've kept following what {company} is working on.

If anything opens up that fits my background, I'd love to be considered. \
Happy to catch up whenever suits you.

Best,
{my_name}"""


def cooling_off_validators() -> list[BaseValidator]:
    return [MinValueValidator(COOLING_OFF_MIN), MaxValueValidator(COOLING_OFF_MAX)]


def _cooling_off_in_range(field: str) -> Q:
    return Q(**{f"{field}__gte": COOLING_OFF_MIN, f"{field}__lte": COOLING_OFF_MAX})


class ReminderSettingsQuerySet(OwnedQuerySet["ReminderSettings"]):
    def of(self, user: User) -> "ReminderSettings":
        """The user's settings, created with their defaults on first use."""
        settings_, _created = self.get_or_create(user=user)
        return settings_


class ReminderSettings(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_settings"
    )
    cooling_off_days = models.PositiveSmallIntegerField(
        _("cooling-off period (days)"),
        default=30,
        validators=cooling_off_validators(),
        help_text=_("How long after a rejection to circle back."),
    )
    send_time = models.TimeField(_("time of day to send"), default=datetime.time(9, 0))
    email_enabled = models.BooleanField(_("email me circle-back reminders"), default=True)
    # Turning email back on sends only what falls due afterwards (DESIGN.md).
    email_enabled_at = models.DateTimeField(
        default=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    )
    note_template = models.TextField(_("note template"), default=DEFAULT_NOTE_TEMPLATE)

    objects = ReminderSettingsQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "reminder settings"
        constraints = [
            models.CheckConstraint(
                condition=_cooling_off_in_range("cooling_off_days"),
                name="settings_cooling_off_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder settings of {self.user}"


class ReminderKind(models.TextChoices):
    REJECTED = "rejected", _("After a rejection")
    GHOSTED = "ghosted", _("After no reply")


class ReminderStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DONE = "done", _("Done")
    DISMISSED = "dismissed", _("Dismissed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# Statuses a user or the service may still move the reminder out of.
ACTIVE_STATUSES = (ReminderStatus.SCHEDULED, ReminderStatus.SENT, ReminderStatus.FAILED)


class ReminderQuerySet(OwnedQuerySet["Reminder"]):
    pass


class Reminder(models.Model):
    """The circle-back of one application. Its row holds every piece of the
    delivery state: the database, not the broker, is the source of truth."""

    # No index of its own: reminder_user_status_idx starts with user_id. Every
    # claim and send rewrites each index of this table (a status change is
    # never a HOT update), so redundant ones slow the engine down.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminders",
        db_index=False,
    )
    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="reminder"
    )
    rejection = models.OneToOneField(
        Rejection, on_delete=models.SET_NULL, null=True, blank=True, related_name="reminder"
    )
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    counted_from = models.DateField(_("counted from"))
    cooling_off_days = models.PositiveSmallIntegerField(
        _("cooling-off period (days)"), validators=cooling_off_validators()
    )
    due_date = models.DateField(_("due date"))  # the user's local date
    due_at = models.DateTimeField(_("due at"))  # that date at the send time, in UTC
    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.SCHEDULED
    )
    # Delivery state, owned by the engine.
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Committed before each SMTP conversation begins: a reclaim counts an attempt
    # only when one was made (a lost or unstarted dispatch costs none). Kept after
    # the send; sent_at minus this is the send's latency.
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    # The last time the server stopped answering after the end of DATA: the
    # message may have been delivered (the retry keeps its Message-ID).
    possibly_delivered_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Each snooze starts a new occurrence, and so a new Message-ID.
    occurrence = models.PositiveSmallIntegerField(default=1)
    snoozed_count = models.PositiveSmallIntegerField(default=0)
    resolved_at = models.DateTimeField(null=True, blank=True)
    failure_acknowledged = models.BooleanField(default=False)
    # "I applied again" from the done page: the circle-back paid off.
    reapplication = models.ForeignKey(
        Application,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="circled_back_from",
        db_index=False,  # reminder_reapplication_idx: partial, most rows have none
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReminderStatus.values), name="reminder_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReminderKind.values), name="reminder_kind_valid"
            ),
            models.CheckConstraint(
                condition=_cooling_off_in_range("cooling_off_days"),
                name="reminder_cooling_off_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReminderStatus.SENDING)
                | Q(claim_token__isnull=False, lease_expires_at__isnull=False),
                name="reminder_sending_has_lease",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReminderStatus.SENT) | Q(sent_at__isnull=False),
                name="reminder_sent_has_sent_at",
            ),
        ]
        indexes = [
            # The sweep: WHERE status = 'scheduled' AND next_attempt_at <= now
            # ORDER BY next_attempt_at. Partial, so it holds only pending rows.
            models.Index(
                fields=["next_attempt_at"],
                name="reminder_due_scheduled_idx",
                condition=Q(status="scheduled"),
            ),
            # The sweep's reclaim of expired leases: WHERE status = 'sending'
            # AND lease_expires_at <= now.
            models.Index(
                fields=["lease_expires_at"],
                name="reminder_sending_lease_idx",
                condition=Q(status="sending"),
            ),
            # Health and metrics: the last successful send, and the latency of the
            # last hour's sends (WHERE status = 'sent' AND sent_at >= ...).
            models.Index(
                fields=["sent_at"], name="reminder_sent_at_idx", condition=Q(status="sent")
            ),
            # Health: failed in the last day (few rows; the partial index is cheap).
            models.Index(
                fields=["updated_at"], name="reminder_failed_idx", condition=Q(status="failed")
            ),
            # Health: reminders backing off after a failed attempt.
            models.Index(
                fields=["next_attempt_at"],
                name="reminder_backing_off_idx",
                condition=Q(status="scheduled", attempts__gt=0),
            ),
            # Health: possibly delivered in the last day.
            models.Index(
                fields=["possibly_delivered_at"],
                name="reminder_maybe_delivered_idx",
                condition=Q(possibly_delivered_at__isnull=False),
            ),
            # A user's reminders page, by status.
            models.Index(fields=["user", "status", "due_at"], name="reminder_user_status_idx"),
            # The failed-email banner on every page: WHERE user AND status = 'failed'
            # AND NOT failure_acknowledged ORDER BY updated_at DESC LIMIT 5. Partial:
            # it holds only the few unacknowledged failures, so the engine's
            # status changes seldom touch it.
            models.Index(
                fields=["user", "-updated_at"],
                name="reminder_failed_banner_idx",
                condition=Q(status="failed", failure_acknowledged=False),
            ),
            # Deleting an application nulls the reapplication links to it.
            models.Index(
                fields=["reapplication"],
                name="reminder_reapplication_idx",
                condition=Q(reapplication__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Circle back: {self.application} ({self.status})"


class Heartbeat(models.Model):
    """The last time a periodic job ran; the health endpoint reads it."""

    name = models.CharField(max_length=50, unique=True)
    beat_at = models.DateTimeField()
    detail = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at}"


class HeldLetterQuerySet(OwnedQuerySet):
    pass


class HeldLetter(models.Model):
    """A letter file attached to the log-rejection form, kept on the server while
    the form goes back and forth (a validation error, a suggested application),
    so the user never attaches it twice. The form carries a signed token naming
    it; it is deleted once the rejection is logged, or after a day."""

    MAX_AGE_SECONDS = 24 * 3600

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = HeldLetterQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(size__lte=5 * 1024 * 1024), name="held_letter_size_capped"
            ),
        ]

    def __str__(self):
        return self.filename
