import datetime
from typing import Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import BaseValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import ChoiceLabels, OwnedQuerySet, User
from applications.models import Application, Rejection, Stage

COOLING_OFF_MIN, COOLING_OFF_MAX = 1, 365

# "Keep on your radar": months after a circle-back is done; 0 is off.
RADAR_MONTHS = (0, 3, 6, 12)

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


class DigestMode(models.TextChoices):
    EACH = "each", _("One email per reminder")
    DAILY = "daily", _("A daily digest")
    WEEKLY = "weekly", _("A weekly digest")


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
    thank_you_enabled = models.BooleanField(
        _("remind me to thank them the day after a rejection"), default=True
    )
    # {"60": 45}: a cooling-off for a stage reached (Stage values as strings);
    # a stage not listed takes cooling_off_days.
    cooling_off_by_stage = models.JSONField(
        _("cooling-off by stage reached"), default=dict, blank=True
    )
    keep_on_radar_months = models.PositiveSmallIntegerField(
        _("keep the company on my radar"),
        default=6,
        choices=[
            (0, _("Off")),
            (3, _("Every 3 months")),
            (6, _("Every 6 months")),
            (12, _("Every 12 months")),
        ],
        help_text=_("After you circle back, another circle-back this many months later."),
    )
    digest_mode = models.CharField(
        _("how to email reminders"),
        max_length=6,
        choices=DigestMode.choices,
        default=DigestMode.EACH,
    )
    # Weekly digests go out on this weekday (0 = Monday), at the send time.
    digest_weekday = models.PositiveSmallIntegerField(
        _("weekly digest on"), default=0, validators=[MaxValueValidator(6)]
    )

    objects = ReminderSettingsQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "reminder settings"
        constraints = [
            models.CheckConstraint(
                condition=_cooling_off_in_range("cooling_off_days"),
                name="settings_cooling_off_in_range",
            ),
            models.CheckConstraint(
                condition=Q(keep_on_radar_months__in=RADAR_MONTHS),
                name="settings_radar_months_valid",
            ),
            models.CheckConstraint(
                condition=Q(digest_mode__in=DigestMode.values), name="settings_digest_mode_valid"
            ),
            models.CheckConstraint(
                condition=Q(digest_weekday__lte=6), name="settings_digest_weekday_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder settings of {self.user}"

    def clean(self) -> None:
        by_stage = self.cooling_off_by_stage
        if not isinstance(by_stage, dict):
            raise ValidationError({"cooling_off_by_stage": _("Give days per stage.")})
        for key, days in by_stage.items():
            if str(key) not in {str(v) for v in Stage.values}:
                raise ValidationError(
                    {"cooling_off_by_stage": _("Unknown stage %(s)s.") % {"s": key}}
                )
            if (
                not isinstance(days, int)
                or isinstance(days, bool)
                or not COOLING_OFF_MIN <= days <= COOLING_OFF_MAX
            ):
                raise ValidationError(
                    {
                        "cooling_off_by_stage": _("A cooling-off is %(min)s to %(max)s days.")
                        % {"min": COOLING_OFF_MIN, "max": COOLING_OFF_MAX}
                    }
                )

    def cooling_off_for(self, stage: int) -> int:
        """The cooling-off after a process that got as far as `stage`."""
        days = (self.cooling_off_by_stage or {}).get(str(int(stage)))
        if isinstance(days, int) and COOLING_OFF_MIN <= days <= COOLING_OFF_MAX:
            return days
        return self.cooling_off_days


class ReminderKind(models.TextChoices):
    REJECTED = "rejected", _("After a rejection")
    GHOSTED = "ghosted", _("After no reply")
    DECLINED = "declined", _("After you turned an offer down")


class ReminderStep(models.TextChoices):
    """The cadence after a rejection: each step is a reminder row of its own."""

    THANK_YOU = "thank_you", _("Thank-you")
    CIRCLE_BACK = "circle_back", _("Circle back")
    KEEP_ON_RADAR = "keep_on_radar", _("Keep on your radar")


class ReminderStatus(models.TextChoices):
    # The next step of a cadence, queued behind the one still pending (its
    # thank-you): never claimed; scheduled once that one is out of the way.
    WAITING = "waiting", _("Next")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DONE = "done", _("Done")
    DISMISSED = "dismissed", _("Dismissed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# Statuses a user or the service may still move the reminder out of.
ACTIVE_STATUSES = (ReminderStatus.SCHEDULED, ReminderStatus.SENT, ReminderStatus.FAILED)
# A step waiting to go out: an application has at most one (a constraint).
PENDING_STATUSES = (ReminderStatus.SCHEDULED, ReminderStatus.SENDING)


class ReminderQuerySet(OwnedQuerySet["Reminder"]):
    def for_user(self, user: "User | int") -> Self:
        """The user's reminders, as the union of the two indexes that hold
        them: reminder_user_status_idx (every status but "sending") and
        reminder_sending_lease_idx (the "sending" ones). Spelled out as that
        OR, PostgreSQL reads a user's rows through both (a BitmapOr) when
        nothing else narrows the status; with `user_id = %s` alone neither
        partial index applies and it would scan the table. A status condition
        added later picks one of the two.
        """
        return (
            super()
            .for_user(user)
            .filter(~Q(status=ReminderStatus.SENDING) | Q(status=ReminderStatus.SENDING))
        )

    def pending(self) -> "ReminderQuerySet":
        return self.filter(status__in=PENDING_STATUSES)

    def latest_first(self) -> "ReminderQuerySet":
        """Newest step first: steps are written in order and at most one is
        pending, so an application's newest row is its current step."""
        return self.order_by("-id")

    def circle_backs(self) -> "ReminderQuerySet":
        """The circle-back steps (the first and the keep-on-radar ones)."""
        return self.exclude(step=ReminderStep.THANK_YOU)


class Reminder(ChoiceLabels):
    """One step of an application's cadence (a thank-you, its circle-back, a
    keep-on-radar follow-up). Its row holds every piece of the delivery state:
    the database, not the broker, is the source of truth."""

    # No index of its own: reminder_user_status_idx and, for the rows being
    # sent, reminder_sending_lease_idx start with user_id (both partial:
    # ReminderQuerySet.for_user reads a user's rows through the two; the
    # cascade of an account's deletion, WHERE user_id IN ..., scans the
    # table). Every claim and send rewrites each index of this table (a
    # status change is never a HOT update), so redundant ones slow the engine.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminders",
        db_index=False,
    )
    # No index of its own: reminder_one_pending_step and
    # reminder_application_idx start with application_id.
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="reminders", db_index=False
    )
    rejection = models.ForeignKey(
        Rejection,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminders",
        db_index=False,  # reminder_rejection_idx: partial, ghosted ones have none
    )
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    step = models.CharField(
        max_length=13, choices=ReminderStep.choices, default=ReminderStep.CIRCLE_BACK
    )
    # Whom to write to, when known: the thank-you goes to the letter's writer.
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminders",
        db_index=False,  # reminder_contact_idx: partial
    )
    counted_from = models.DateField(_("counted from"))
    # The interval from counted_from: days (thank-you, circle-back) or months
    # (keep on your radar), never both.
    cooling_off_days = models.PositiveSmallIntegerField(
        _("cooling-off period (days)"), validators=cooling_off_validators(), null=True, blank=True
    )
    interval_months = models.PositiveSmallIntegerField(null=True, blank=True)
    # "Moved: you talked to them on 3 March": a conversation after the
    # rejection moved this step; the date it had before, to undo that.
    moved_by = models.ForeignKey(
        "contacts.Interaction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moved_reminders",
        db_index=False,  # reminder_moved_by_idx: partial
    )
    moved_on = models.DateField(null=True, blank=True)
    due_date_before_move = models.DateField(null=True, blank=True)
    # The digest email this step goes out in, for users who asked for one.
    digest = models.ForeignKey(
        "Digest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        db_index=False,  # reminder_digest_idx: partial
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
                condition=Q(step__in=ReminderStep.values), name="reminder_step_valid"
            ),
            # Days for the first steps, months for keep-on-radar.
            models.CheckConstraint(
                condition=Q(
                    step=ReminderStep.KEEP_ON_RADAR,
                    cooling_off_days__isnull=True,
                    interval_months__in=RADAR_MONTHS[1:],
                )
                | (
                    ~Q(step=ReminderStep.KEEP_ON_RADAR)
                    & Q(cooling_off_days__isnull=False, interval_months__isnull=True)
                ),
                name="reminder_interval_fits_step",
            ),
            # The cadence moves one step at a time: at most one waiting to go out.
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status__in=["scheduled", "sending"]),
                name="reminder_one_pending_step",
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
            # The rows being sent: a user's, in the Reminders page's order (its
            # "due" section; they are not in reminder_user_status_idx), and the
            # sweep's reclaim of expired leases (WHERE status = 'sending' AND
            # lease_expires_at <= now: a scan of this small index comparing the
            # last column, no row read unless it matches). Few rows (claimed,
            # not yet sent), so a claim's 1,000 entries land on a few pages.
            models.Index(
                fields=["user", "due_at", "id", "lease_expires_at"],
                name="reminder_sending_lease_idx",
                condition=Q(status="sending"),
            ),
            # The Reminders page's "snoozed" section, its rows and its count: in
            # reminder_user_status_idx they are a few among every scheduled row
            # due later (22,000 entries read for 1,000 at 200,000 applications).
            # A claimed row leaves it ("sending"): no entry written by a claim.
            models.Index(
                fields=["user", "due_at", "id"],
                name="reminder_snoozed_idx",
                condition=Q(status="scheduled", snoozed_count__gt=0),
            ),
            # The Reminders page's "upcoming" section, its rows and its count: in
            # reminder_user_status_idx the snoozed rows come first (they are due
            # within weeks), and a scan reads each one's row to skip it (4,000
            # heap reads for 1,001 rows at 200,000 applications, 5.8 ms a page).
            # A claimed row leaves it, like the snoozed index.
            models.Index(
                fields=["user", "due_at", "id"],
                name="reminder_upcoming_idx",
                condition=Q(status="scheduled", snoozed_count=0),
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
            # A user's reminders by status (the Reminders page's sections, the
            # dashboard's circle-backs), in each section's order: `id` last, so
            # that rows due at the same moment (a day's reminders share the send
            # time) come out in (due_at, id) order and a section stops at its
            # LIMIT instead of sorting its ties. Every status but "sending": a
            # claim turns up to 1,000 scheduled rows of as many users into
            # sending ones, and in this index their entries would land on as
            # many leaf pages (the claim's costliest index, issue 14).
            models.Index(
                fields=["user", "status", "due_at", "id"],
                name="reminder_user_status_idx",
                condition=~Q(status="sending"),
            ),
            # An application's steps (its page, the services' lookups).
            models.Index(fields=["application", "step"], name="reminder_application_idx"),
            # Deleting a rejection, contact or interaction nulls the links to it.
            models.Index(
                fields=["rejection"],
                name="reminder_rejection_idx",
                condition=Q(rejection__isnull=False),
            ),
            models.Index(
                fields=["contact"], name="reminder_contact_idx", condition=Q(contact__isnull=False)
            ),
            models.Index(
                fields=["moved_by"],
                name="reminder_moved_by_idx",
                condition=Q(moved_by__isnull=False),
            ),
            # A digest's items: WHERE digest_id = %s.
            models.Index(
                fields=["digest"], name="reminder_digest_idx", condition=Q(digest__isnull=False)
            ),
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
        return f"{self.get_step_display()}: {self.application} ({self.status})"

    @property
    def is_thank_you(self) -> bool:
        return self.step == ReminderStep.THANK_YOU

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES


class DigestStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# A digest in one of these still owns its items.
DIGEST_OPEN_STATUSES = (DigestStatus.SCHEDULED, DigestStatus.SENDING)


class Digest(models.Model):
    """One digest email: the steps of one user that fell due by `slot_at`,
    claimed and sent together with the engine's guarantees (reminders.digest).
    Its Message-ID is stable per row: a digest resent after its worker died
    carries the same one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests"
    )
    slot_at = models.DateTimeField()  # the digest time it covers
    status = models.CharField(
        max_length=10, choices=DigestStatus.choices, default=DigestStatus.SCHEDULED
    )
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DigestStatus.values), name="digest_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=DigestStatus.SENDING)
                | Q(claim_token__isnull=False, lease_expires_at__isnull=False),
                name="digest_sending_has_lease",
            ),
        ]
        indexes = [
            # The digest sweep: open digests by next attempt, and expired leases.
            models.Index(
                fields=["status", "next_attempt_at"],
                name="digest_open_idx",
                condition=Q(status__in=["scheduled", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"Digest of {self.user} for {self.slot_at} ({self.status})"


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
