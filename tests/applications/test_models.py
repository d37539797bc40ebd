"""What must never happen is refused by the database itself."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.models import User
from applications.models import Application, Attachment, Company, Rejection, StageEvent
from reminders.models import Reminder, ReminderKind, ReminderSettings, ReminderStatus
from tests.factories import (
    ApplicationFactory,
    CompanyFactory,
    RejectionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 1, 14, 0, tzinfo=datetime.UTC)


def refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def reminder_kwargs(application, **overrides):
    return {
        "user": application.user,
        "application": application,
        "kind": ReminderKind.REJECTED,
        "counted_from": datetime.date(2026, 2, 1),
        "cooling_off_days": 30,
        "due_date": datetime.date(2026, 3, 3),
        "due_at": NOW,
        "next_attempt_at": NOW,
        **overrides,
    }


def test_two_users_with_the_same_email_in_another_case_are_refused():
    UserFactory(email="ada@example.com")
    refused(lambda: User.objects.filter(pk=UserFactory().pk).update(email="ADA@example.com"))


def test_two_companies_with_the_same_name_in_another_case_are_refused(user):
    Company.objects.create(user=user, name="Acme")
    refused(lambda: Company.objects.create(user=user, name="ACME"))


def test_two_users_may_each_have_a_company_of_the_same_name(user, other_user):
    Company.objects.create(user=user, name="Acme")
    Company.objects.create(user=other_user, name="acme")
    assert Company.objects.filter(name__iexact="acme").count() == 2


def test_two_rejections_for_one_application_are_refused():
    rejection = RejectionFactory()
    refused(
        lambda: Rejection.objects.create(
            application=rejection.application,
            user=rejection.user,
            received_on=NOW.date(),
            stage_reached=20,
        )
    )


def test_two_circle_back_reminders_for_one_application_are_refused():
    application = ApplicationFactory()
    Reminder.objects.create(**reminder_kwargs(application))
    refused(lambda: Reminder.objects.create(**reminder_kwargs(application)))


@pytest.mark.parametrize("days", [0, 366])
def test_a_cooling_off_outside_1_to_365_days_is_refused(user, days):
    refused(lambda: ReminderSettings.objects.create(user=user, cooling_off_days=days))
    application = ApplicationFactory(user=user)
    refused(lambda: Reminder.objects.create(**reminder_kwargs(application, cooling_off_days=days)))


@pytest.mark.parametrize("days", [1, 365])
def test_a_cooling_off_at_the_bounds_is_accepted(user, days):
    assert ReminderSettings.objects.create(user=user, cooling_off_days=days).pk


@pytest.mark.parametrize("field", ["current_stage", "furthest_stage"])
def test_an_application_stage_outside_the_pipeline_is_refused(field):
    application = ApplicationFactory()
    refused(lambda: Application.objects.filter(pk=application.pk).update(**{field: 99}))


def test_a_stage_event_or_rejection_stage_outside_the_pipeline_is_refused():
    application = ApplicationFactory()
    refused(lambda: StageEvent.objects.create(application=application, stage=15, occurred_on=NOW))
    refused(
        lambda: Rejection.objects.create(
            application=application,
            user=application.user,
            received_on=NOW.date(),
            stage_reached=0,
        )
    )


def test_furthest_stage_below_the_current_stage_is_refused():
    application = ApplicationFactory(current_stage=40)
    refused(lambda: Application.objects.filter(pk=application.pk).update(furthest_stage=20))


def test_a_reminder_sending_without_a_lease_is_refused():
    application = ApplicationFactory()
    refused(
        lambda: Reminder.objects.create(
            **reminder_kwargs(application, status=ReminderStatus.SENDING)
        )
    )


def test_a_reminder_sending_with_a_lease_is_accepted():
    application = ApplicationFactory()
    reminder = Reminder.objects.create(
        **reminder_kwargs(
            application,
            status=ReminderStatus.SENDING,
            claim_token="6f1c1e0a-3c1b-4b8e-9a43-6a8d0a0f1c11",
            lease_expires_at=NOW,
        )
    )
    assert reminder.pk


def test_a_reminder_sent_without_a_sent_time_is_refused():
    application = ApplicationFactory()
    refused(
        lambda: Reminder.objects.create(**reminder_kwargs(application, status=ReminderStatus.SENT))
    )


def test_an_unknown_reminder_status_is_refused():
    application = ApplicationFactory()
    refused(lambda: Reminder.objects.create(**reminder_kwargs(application, status="lost")))


def test_an_attachment_over_5_mb_is_refused():
    rejection = RejectionFactory()
    refused(
        lambda: Attachment.objects.create(
            user=rejection.application.user,
            rejection=rejection,
            filename="big.pdf",
            content_type="application/pdf",
            size=5 * 1024 * 1024 + 1,
            data=b"%PDF-",
        )
    )


def test_a_salary_range_upside_down_is_refused():
    application = ApplicationFactory()
    refused(
        lambda: Application.objects.filter(pk=application.pk).update(
            salary_min=100_000, salary_max=90_000
        )
    )


def test_deleting_a_user_deletes_everything_they_own():
    rejection = RejectionFactory()
    user = rejection.application.user
    Attachment.objects.create(
        user=user,
        rejection=rejection,
        filename="letter.pdf",
        content_type="application/pdf",
        size=5,
        data=b"%PDF-",
    )
    CompanyFactory(user=user)
    user.delete()
    assert not Attachment.objects.exists()
    assert not Application.objects.exists()
    assert not Company.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_a_company_is_found_by_name_case_aside_in_one_entry_of_the_unique_index(user):
    Company.objects.bulk_create(Company(user=user, name=f"Company {i}") for i in range(300))
    with connection.cursor() as cursor:
        # A small table is read whole anyway: ask which index the lookup can use.
        cursor.execute("ANALYZE applications_company")
        cursor.execute("SET LOCAL enable_seqscan = off")
    found = Company.objects.for_user(user).named("COMPANY 7")
    assert [company.name for company in found] == ["Company 7"]
    assert "company_name_unique_per_user_ci" in found.explain()
