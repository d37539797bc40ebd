import datetime

import factory
from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from applications.models import Application, Attachment, Company, Rejection, Stage, StageEvent
from applications.services import (
    application_activity_refresh,
    application_search_refresh,
    application_stats_refresh,
)
from contacts.models import Contact, Interaction
from reminders.models import Reminder, ReminderKind, ReminderSettings


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"seeker{n}@example.com")
    name = factory.Faker("name")
    time_zone = "UTC"
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """A verified primary address, as after sign-up and confirmation
        (pass verified=False for an unverified user)."""
        if not create:
            return
        self.save()
        EmailAddress.objects.create(
            user=self, email=self.email, primary=True, verified=extracted is not False
        )


class ReminderSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReminderSettings
        django_get_or_create = ["user"]

    user = factory.SubFactory(UserFactory)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Company {n}")


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application with the one StageEvent its creation records."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory, user=factory.SelfAttribute("..user"))
    role = factory.Sequence(lambda n: f"Engineer {n}")
    applied_on = datetime.date(2026, 1, 5)
    current_stage = Stage.APPLIED
    furthest_stage = factory.SelfAttribute("current_stage")

    @factory.post_generation
    def history(self, create, extracted, **kwargs):
        if create:
            StageEvent.objects.create(
                application=self, stage=self.current_stage, occurred_on=self.applied_on
            )
            # As the services keep it: the dashboard's quiet list reads it.
            application_activity_refresh(application_ids=[self.pk])
            # And its search text, as the services write it.
            application_search_refresh(application_ids=[self.pk])
            # It locks the rows it counts: a transaction of its own where a
            # test runs in autocommit (live_server, transactional tests).
            with transaction.atomic():
                application_stats_refresh(application_ids=[self.pk])
            self.refresh_from_db(fields=["last_activity_on", "search_text", "stats_keys"])


class RejectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rejection
        skip_postgeneration_save = True

    application = factory.SubFactory(ApplicationFactory)
    user = factory.SelfAttribute("application.user")
    received_on = datetime.date(2026, 2, 1)
    stage_reached = Stage.INTERVIEW

    @factory.post_generation
    def derived(self, create, extracted, **kwargs):
        """The search text and the stats counters, as the services keep them."""
        if create:
            application_search_refresh(application_ids=[self.application_id])
            with transaction.atomic():
                application_stats_refresh(application_ids=[self.application_id])


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory, user=factory.SelfAttribute("..user"))
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"insider{n}@company.example")


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    occurred_on = datetime.date(2026, 1, 20)
    summary = "Coffee chat"

    @factory.post_generation
    def activity(self, create, extracted, **kwargs):
        if create and self.application_id:
            application_activity_refresh(application_ids=[self.application_id])


class ReminderFactory(factory.django.DjangoModelFactory):
    """A scheduled circle-back due at `due_at` (default: now), its user emailable."""

    class Meta:
        model = Reminder
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    application = factory.SubFactory(ApplicationFactory, user=factory.SelfAttribute("..user"))
    kind = ReminderKind.REJECTED
    counted_from = datetime.date(2026, 2, 1)
    cooling_off_days = 30
    due_at = factory.LazyFunction(timezone.now)
    due_date = factory.LazyAttribute(lambda o: o.due_at.date())
    next_attempt_at = factory.SelfAttribute("due_at")

    @factory.post_generation
    def reminder_settings(self, create, extracted, **kwargs):
        if create:
            ReminderSettingsFactory(user=self.user)


class RejectedApplicationFactory(ApplicationFactory):
    """An application closed by a rejection (as rejection_log leaves it)."""

    current_stage = Stage.INTERVIEW
    outcome = "rejected"
    outcome_on = datetime.date(2026, 2, 1)

    @factory.post_generation
    def rejection(self, create, extracted, **kwargs):
        if create:
            RejectionFactory(application=self, received_on=self.outcome_on, **kwargs)


class AttachmentFactory(factory.django.DjangoModelFactory):
    """A PDF letter attached to a rejection."""

    class Meta:
        model = Attachment

    user = factory.SubFactory(UserFactory)
    rejection = factory.SubFactory(
        RejectionFactory, application__user=factory.SelfAttribute("...user")
    )
    filename = "letter.pdf"
    content_type = "application/pdf"
    data = b"%PDF-1.4\n% a letter\n"
    size = factory.LazyAttribute(lambda o: len(o.data))


class ConversationFactory(InteractionFactory):
    """An interaction with its contacts (one new contact of the same user unless
    `contacts=[...]` is given)."""

    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def contacts(self, create, extracted, **kwargs):
        if not create:
            return
        people = extracted if extracted is not None else [ContactFactory(user=self.user)]
        self.contacts.set(people)
