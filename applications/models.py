from typing import Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import ChoiceLabels, OwnedQuerySet
from accounts.validators import validate_user_date


class Stage(models.IntegerChoices):
    """The pipeline, in order: comparisons and Max() mean "how far"."""

    SAVED = 10, _("Saved")
    APPLIED = 20, _("Applied")
    SCREEN = 30, _("Screen")
    INTERVIEW = 40, _("Interview")
    ONSITE = 50, _("Onsite")
    FINAL_ROUND = 60, _("Final round")
    OFFER = 70, _("Offer")


class Outcome(models.TextChoices):
    OPEN = "open", _("Open")
    REJECTED = "rejected", _("Rejected")
    GHOSTED = "ghosted", _("Ghosted")
    OFFER_ACCEPTED = "offer_accepted", _("Offer accepted")
    OFFER_DECLINED = "offer_declined", _("Offer declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Source(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    JOB_BOARD = "job_board", _("Job board")
    RECRUITER = "recruiter", _("Recruiter")
    COMPANY_SITE = "company_site", _("Company site")
    NETWORKING = "networking", _("Networking")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    """How a rejection arrived."""

    LETTER = "letter", _("Letter")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    PORTAL = "portal", _("Portal")


def _stage_in_pipeline(field: str) -> Q:
    return Q(**{f"{field}__in": Stage.values})


class CompanyQuerySet(OwnedQuerySet["Company"]):
    def named(self, name: str) -> "CompanyQuerySet":
        """Case aside as company_name_unique_per_user_ci has it: one entry of that index."""
        return self.alias(name_lower=Lower("name")).filter(name_lower=Lower(Value(name)))


class Company(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    name = models.CharField(_("name"), max_length=200)
    website = models.URLField(_("website"), blank=True, max_length=500)
    notes = models.TextField(_("notes"), blank=True)
    # "You may re-apply after 6 months": the circle-back waits at least this long.
    reapply_after_months = models.PositiveSmallIntegerField(
        _("may re-apply after (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
        help_text=_("If they said when you may apply again, the circle-back waits for it."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CompanyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "companies"
        ordering = [Lower("name")]
        constraints = [
            models.UniqueConstraint("user", Lower("name"), name="company_name_unique_per_user_ci"),
            models.CheckConstraint(
                condition=Q(reapply_after_months__isnull=True)
                | Q(reapply_after_months__gte=1, reapply_after_months__lte=36),
                name="company_reapply_after_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ApplicationQuerySet(OwnedQuerySet["Application"]):
    def open(self) -> Self:
        return self.filter(outcome=Outcome.OPEN)

    def closed(self) -> Self:
        return self.exclude(outcome=Outcome.OPEN)


class Application(ChoiceLabels):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="applications")
    role = models.CharField(_("role"), max_length=200)
    job_url = models.URLField(_("job posting URL"), blank=True, max_length=1000)
    job_description = models.TextField(_("job description"), blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    salary_min = models.PositiveIntegerField(_("salary from"), null=True, blank=True)
    salary_max = models.PositiveIntegerField(_("salary to"), null=True, blank=True)
    salary_currency = models.CharField(_("currency"), max_length=3, blank=True)
    applied_on = models.DateField(
        _("applied on"), null=True, blank=True, validators=[validate_user_date]
    )
    notes = models.TextField(_("notes"), blank=True)
    # The board column: moved freely, back as well as forward.
    current_stage = models.PositiveSmallIntegerField(
        _("stage"), choices=Stage.choices, default=Stage.APPLIED
    )
    # The highest stage ever reached: kept by the services from the StageEvents.
    furthest_stage = models.PositiveSmallIntegerField(
        _("furthest stage"), choices=Stage.choices, default=Stage.APPLIED
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.OPEN
    )
    # The day the outcome was set (a ghosted circle-back counts from it).
    outcome_on = models.DateField(
        _("outcome date"), null=True, blank=True, validators=[validate_user_date]
    )
    # The last news: the latest of its stage events, its conversations and the day
    # it was applied for (or created). Kept by the services that write those
    # (applications.services.application_activity_refresh), so the dashboard's
    # quiet applications are an index range, not a scan of the whole history.
    last_activity_on = models.DateField(null=True, blank=True, editable=False)
    # What the list's `q` search reads: the role, the company's name, the
    # location, the notes and the start of the rejection letter in one column,
    # so one trigram index serves every word (migration 0008_search_text). Kept by the
    # services that write those (applications.services.application_search_refresh).
    search_text = models.TextField(blank=True, default="", db_default="", editable=False)
    # What this application adds to its user's StatsCount rows (applications.
    # summary): kept with them by application_stats_refresh, so the stats page
    # reads a few hundred counters instead of the account's history.
    stats_keys = models.JSONField(
        default=list, db_default=models.Value([], models.JSONField()), blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=_stage_in_pipeline("current_stage"),
                name="application_current_stage_valid",
            ),
            models.CheckConstraint(
                condition=_stage_in_pipeline("furthest_stage"),
                name="application_furthest_stage_valid",
            ),
            models.CheckConstraint(
                condition=Q(furthest_stage__gte=models.F("current_stage")),
                name="application_furthest_at_least_current",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=Outcome.values), name="application_outcome_valid"
            ),
            models.CheckConstraint(
                condition=Q(salary_min__isnull=True)
                | Q(salary_max__isnull=True)
                | Q(salary_min__lte=models.F("salary_max")),
                name="application_salary_range_ordered",
            ),
        ]
        indexes = [
            # The board, one query per column: WHERE user AND outcome = 'open' AND
            # current_stage = s ORDER BY updated_at DESC, id DESC LIMIT 50; its
            # prefix serves the column totals and the list's stage/outcome filters.
            models.Index(
                fields=["user", "outcome", "current_stage", "-updated_at", "-id"],
                name="application_board_idx",
            ),
            # The dashboard's quiet applications: WHERE user AND outcome = 'open'
            # AND last_activity_on <= cutoff ORDER BY last_activity_on, id LIMIT 11.
            models.Index(
                fields=["user", "last_activity_on", "id"],
                name="application_quiet_idx",
                condition=Q(outcome="open"),
            ),
            # The list: ORDER BY applied_on DESC, created_at DESC, id DESC LIMIT 25.
            models.Index(
                fields=["user", "-applied_on", "-created_at", "-id"], name="application_list_idx"
            ),
            # The insights' search start when the user set none: MIN(COALESCE(
            # applied_on, outcome_on)) of the sent applications, one index entry.
            models.Index(
                F("user"),
                Coalesce("applied_on", "outcome_on"),
                name="application_first_day_idx",
                condition=Q(furthest_stage__gte=Stage.APPLIED),
            ),
            # The dashboard's recent rejections and silences: WHERE outcome IN
            # (rejected, ghosted) AND outcome_on >= since ORDER BY outcome_on
            # DESC, id DESC LIMIT 5.
            models.Index(
                fields=["user", "-outcome_on", "-id"],
                name="application_recent_no_idx",
                condition=Q(outcome__in=[Outcome.REJECTED, Outcome.GHOSTED]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} at {self.company}"

    # Written only by their own services (application_search_refresh,
    # application_stats_refresh): a full save of a copy read before them (or
    # before a company rename in another request) would write stale values back.
    DERIVED_FIELDS = ("search_text", "stats_keys")

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in self.DERIVED_FIELDS
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("review:application", args=[self.pk])

    def clean(self):
        if (
            self.salary_min is not None
            and self.salary_max is not None
            and self.salary_min > self.salary_max
        ):
            raise ValidationError({"salary_max": _("The upper bound is below the lower one.")})

    @property
    def is_open(self) -> bool:
        return self.outcome == Outcome.OPEN


class StageEventQuerySet(OwnedQuerySet["StageEvent"]):
    user_field = "application__user"


class StageEvent(ChoiceLabels):
    """One move of an application: "how far it got" and "when" are facts."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    stage = models.PositiveSmallIntegerField(_("stage"), choices=Stage.choices)
    occurred_on = models.DateField(_("date"), validators=[validate_user_date])
    scheduled_at = models.DateTimeField(
        _("scheduled for"), null=True, blank=True, validators=[validate_user_date]
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StageEventQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_on", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=_stage_in_pipeline("stage"), name="stage_event_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} on {self.occurred_on}"


class RejectionQuerySet(OwnedQuerySet["Rejection"]):
    pass


class Rejection(ChoiceLabels):
    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="rejection"
    )
    # The application's user, on the row itself: the insights count a user's
    # rejections since a day as a range of rejection_user_received_idx.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    received_on = models.DateField(_("received on"), validators=[validate_user_date])
    stage_reached = models.PositiveSmallIntegerField(_("how far it got"), choices=Stage.choices)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    letter_text = models.TextField(_("letter"), blank=True)
    feedback = models.TextField(_("feedback"), blank=True)
    invited_to_reapply = models.BooleanField(_("invited future applications"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RejectionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=_stage_in_pipeline("stage_reached"), name="rejection_stage_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="rejection_channel_valid"
            ),
        ]
        indexes = [
            # The insights: WHERE user AND received_on >= start, counted with
            # the stage from the index itself (an index-only range), and the
            # latest long-process ones ORDER BY received_on DESC, id DESC.
            models.Index(
                fields=["user", "-received_on", "-id", "stage_reached"],
                name="rejection_user_received_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Rejection: {self.application}"


class AttachmentKind(models.TextChoices):
    LETTER = "letter", _("The letter")
    ENCLOSED = "enclosed", _("A file with the letter")


class AttachmentQuerySet(OwnedQuerySet["Attachment"]):
    def without_data(self) -> Self:
        return self.defer("data")

    def letter_first(self) -> Self:
        # The rejection page lists the letter, then the files with it in the
        # order they came (the rejection's attachments: its foreign key index).
        return self.order_by("-kind", "id")


class Attachment(models.Model):
    """A rejection's files, kept in the database so every host sees them,
    pg_dump backs them up, and deleting the rejection (or user) deletes them:
    the letter itself (a PDF or the email file, at most one) and the files that
    came with it (found inside the email, or added on the edit form). Their
    limits are letters.uploads'."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    rejection = models.ForeignKey(Rejection, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(
        _("kind"), max_length=10, choices=AttachmentKind.choices, default=AttachmentKind.LETTER
    )
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(size__lte=5 * 1024 * 1024), name="attachment_size_capped"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AttachmentKind.values), name="attachment_kind_valid"
            ),
            models.UniqueConstraint(
                fields=["rejection"],
                condition=Q(kind=AttachmentKind.LETTER),
                name="attachment_one_letter_per_rejection",
            ),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_letter(self) -> bool:
        return self.kind == AttachmentKind.LETTER


class StatsCount(models.Model):
    """One counter of a user's stats page: how many applications carry `key`
    (applications.summary names them: a (furthest stage, outcome, source)
    group, a rejection's (stage, channel), a day applied, a number of days to
    a stage or to the answer). The sum of every application's stats_keys,
    moved by deltas as they change (applications.services.application_stats_refresh)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=40)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="stats_count_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.n}"
