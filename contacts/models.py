from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import ChoiceLabels, OwnedQuerySet
from accounts.validators import validate_user_date
from applications.models import Application, Company


class ContactRole(models.TextChoices):
    """The part someone played in a hiring process."""

    RECRUITER = "recruiter", _("Recruiter")
    HIRING_MANAGER = "hiring_manager", _("Hiring manager")
    INTERVIEWER = "interviewer", _("Interviewer")
    REFERRER = "referrer", _("Referrer")
    EMPLOYEE = "employee", _("Employee")
    OTHER = "other", _("Other")


class InteractionChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video call")
    IN_PERSON = "in_person", _("In person")
    LINKEDIN = "linkedin", _("LinkedIn")
    MESSAGE = "message", _("Message")
    OTHER = "other", _("Other")


class ContactQuerySet(OwnedQuerySet["Contact"]):
    def with_last_contacted(self) -> Self:
        """Each contact with `last_contacted_on`, the day of their latest interaction.

        A subquery per contact shown, not a GROUP BY of every contact: ordered
        by name and sliced, a page of 50 reads 50 (contact_list_idx)."""
        last = (
            Interaction.objects.filter(contacts=OuterRef("pk"))
            .order_by("-occurred_on")
            .values("occurred_on")[:1]
        )
        return self.annotate(last_contacted_on=Subquery(last))


class Contact(ChoiceLabels):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="contacts", null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(
        _("role in the process"), max_length=20, choices=ContactRole.choices, default="other"
    )
    title = models.CharField(_("job title"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    profile_url = models.URLField(_("profile URL"), blank=True, max_length=500)
    notes = models.TextField(_("notes"), blank=True)
    applications = models.ManyToManyField(
        Application, related_name="contacts", blank=True, verbose_name=_("met during")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            # The contacts list: WHERE user ORDER BY name, id LIMIT 50.
            models.Index(fields=["user", "name", "id"], name="contact_list_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=ContactRole.values), name="contact_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("contacts:detail", args=[self.pk])


class InteractionQuerySet(OwnedQuerySet["Interaction"]):
    def left_alone_by(self, leaving: models.QuerySet[Contact]) -> Self:
        """The conversations every participant of which is in `leaving` (a
        QuerySet of contacts about to be deleted): they would be held with
        nobody, so they go with them. A conversation held with others stays."""
        return (
            self.filter(contacts__in=leaving.values("pk"))
            .exclude(contacts__in=Contact.objects.exclude(pk__in=leaving.values("pk")).values("pk"))
            .distinct()
        )


class Interaction(ChoiceLabels):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    occurred_on = models.DateField(_("date"), validators=[validate_user_date])
    channel = models.CharField(
        _("channel"), max_length=20, choices=InteractionChannel.choices, default="email"
    )
    summary = models.TextField(_("summary"), blank=True)
    contacts = models.ManyToManyField(Contact, related_name="interactions")
    application = models.ForeignKey(
        Application,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interactions",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InteractionQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} on {self.occurred_on}"
