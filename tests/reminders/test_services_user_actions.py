"""What the user does with a circle-back: the services behind the Reminders page
and the email's links."""

import datetime
import uuid
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from applications.models import Application
from contacts.models import Contact, Interaction
from reminders.models import Reminder, ReminderSettings, ReminderStatus
from reminders.services import (
    ReminderAlreadyHandled,
    ReminderBeingSent,
    reminder_dismiss,
    reminder_done,
    reminder_failure_acknowledge,
    reminder_reapply,
    reminder_settings_update,
    reminder_snooze,
    reminder_test_send,
    reminder_unsubscribe,
)
from tests.factories import ContactFactory, UserFactory
from tests.reminders.helpers import log_rejection, log_with_insiders

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def utc(*args):
    return datetime.datetime(*args, tzinfo=datetime.UTC)


def test_a_snooze_across_the_spring_dst_change_keeps_the_local_send_time():
    user = UserFactory(time_zone="America/New_York")
    # Rejected 31 Jan; due 2 March at 09:00 EST = 14:00 UTC.
    reminder = log_rejection(user, received_on=datetime.date(2026, 1, 31)).reminder
    assert reminder.due_at == utc(2026, 3, 2, 14)
    with time_machine.travel(utc(2026, 3, 2, 14, 5)):
        reminder_snooze(reminder=reminder, weeks=2)
    reminder.refresh_from_db()
    # 16 March is after the 8 March change: 09:00 EDT = 13:00 UTC.
    assert reminder.due_date == datetime.date(2026, 3, 16)
    assert reminder.due_at == utc(2026, 3, 16, 13)
    assert reminder.due_at.astimezone(NEW_YORK).time() == datetime.time(9, 0)
    assert reminder.next_attempt_at == reminder.due_at
    assert reminder.status == ReminderStatus.SCHEDULED
    assert (reminder.occurrence, reminder.snoozed_count) == (2, 1)


def test_a_snooze_of_a_long_overdue_reminder_counts_from_today():
    user = UserFactory(time_zone="Europe/London")
    reminder = log_rejection(user, received_on=datetime.date(2026, 1, 1)).reminder  # due 31 Jan
    with time_machine.travel(utc(2026, 3, 20, 12)):
        reminder_snooze(reminder=reminder, weeks=1)
    reminder.refresh_from_db()
    assert reminder.due_date == datetime.date(2026, 3, 27)
    assert reminder.due_at == utc(2026, 3, 27, 9)  # 09:00 GMT, before the 29 March change


def test_a_snooze_for_an_odd_number_of_weeks_is_refused():
    reminder = log_rejection(UserFactory()).reminder
    with pytest.raises(ValidationError):
        reminder_snooze(reminder=reminder, weeks=3)


def test_a_failed_reminder_snoozed_starts_afresh():
    reminder = log_rejection(UserFactory()).reminder
    Reminder.objects.filter(pk=reminder.pk).update(
        status=ReminderStatus.FAILED, attempts=6, last_error="550 no such user"
    )
    reminder_snooze(reminder=reminder, weeks=4)
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, reminder.last_error) == ("scheduled", 0, "")


def test_done_logs_one_interaction_per_re_contacted_contact_with_the_channel():
    user = UserFactory()
    result = log_with_insiders(user)
    contacts = list(result.application.contacts.filter(name__in=["Priya Raman", "Tom Okafor"]))
    dana = Contact.objects.get(name="Dana Webb")
    reminder_done(
        reminder=result.reminder,
        contacts=[*contacts, dana],
        channel="phone",
        occurred_on=datetime.date(2026, 3, 5),
    )
    result.reminder.refresh_from_db()
    assert result.reminder.status == ReminderStatus.DONE
    assert result.reminder.resolved_at is not None
    logged = Interaction.objects.filter(user=user, channel="phone").prefetch_related("contacts")
    assert sorted(len(i.contacts.all()) for i in logged) == [1, 1, 1]
    assert sorted(i.contacts.get().name for i in logged) == [
        "Dana Webb",
        "Priya Raman",
        "Tom Okafor",
    ]
    assert {i.application_id for i in logged} == {result.application.pk}
    assert all("Staff Engineer at Acme" in i.summary for i in logged)
    # "When you last spoke" follows.
    assert Contact.objects.with_last_contacted().get(pk=dana.pk).last_contacted_on == datetime.date(
        2026, 3, 5
    )


def test_done_refuses_a_contact_from_elsewhere_and_logs_nothing():
    user = UserFactory()
    result = log_with_insiders(user)
    elsewhere = ContactFactory(user=user, name="Elsewhere Eve")  # another company
    with pytest.raises(ValidationError):
        reminder_done(reminder=result.reminder, contacts=[elsewhere], channel="email")
    result.reminder.refresh_from_db()
    assert result.reminder.status == ReminderStatus.SCHEDULED
    assert not Interaction.objects.filter(summary__startswith="Circled back").exists()


def test_done_with_nobody_to_log_still_resolves():
    result = log_rejection(UserFactory())
    reminder_done(reminder=result.reminder)
    result.reminder.refresh_from_db()
    assert result.reminder.status == ReminderStatus.DONE


def test_i_applied_again_creates_a_linked_application_at_the_same_company():
    user = UserFactory()
    result = log_with_insiders(user)
    reminder_done(
        reminder=result.reminder,
        contacts=[result.application.contacts.get(name="Priya Raman")],
        reapplied_role="Principal Engineer",
        occurred_on=datetime.date(2026, 3, 6),
    )
    reminder = Reminder.objects.get(pk=result.reminder.pk)
    new = reminder.reapplication
    assert new is not None
    assert new.pk != result.application.pk
    assert (new.company_id, new.role, new.outcome) == (
        result.application.company_id,
        "Principal Engineer",
        "open",
    )
    assert new.applied_on == datetime.date(2026, 3, 6)
    assert new.events.count() == 1
    assert list(Application.objects.filter(circled_back_from=reminder)) == [new]
    with pytest.raises(ValidationError):
        reminder_reapply(reminder=reminder, role="Again")


def test_i_applied_again_on_an_open_reminder_resolves_it():
    result = log_rejection(UserFactory())
    application = reminder_reapply(reminder=result.reminder)
    result.reminder.refresh_from_db()
    assert result.reminder.status == ReminderStatus.DONE
    assert application.role == "Staff Engineer"


def test_a_handled_reminder_cannot_be_acted_on_again():
    reminder = log_rejection(UserFactory()).reminder
    reminder_dismiss(reminder=reminder)
    for action in (
        lambda: reminder_dismiss(reminder=reminder),
        lambda: reminder_snooze(reminder=reminder, weeks=1),
        lambda: reminder_done(reminder=reminder),
    ):
        with pytest.raises(ReminderAlreadyHandled):
            action()


def test_an_email_links_occurrence_must_match():
    reminder = log_rejection(UserFactory()).reminder
    reminder_snooze(reminder=reminder, weeks=1, occurrence=1)
    with pytest.raises(ReminderAlreadyHandled):
        reminder_dismiss(reminder=reminder, occurrence=1)
    reminder_dismiss(reminder=reminder, occurrence=2)


def test_a_reminder_being_sent_is_not_changed():
    reminder = log_rejection(UserFactory()).reminder
    Reminder.objects.filter(pk=reminder.pk).update(
        status=ReminderStatus.SENDING,
        claim_token=uuid.uuid4(),
        lease_expires_at=timezone.now() + datetime.timedelta(minutes=5),
    )
    with pytest.raises(ReminderBeingSent):
        reminder_snooze(reminder=reminder, weeks=1)


def test_acknowledging_failures_hides_only_the_users_own():
    user, other = UserFactory(), UserFactory()
    mine = log_rejection(user).reminder
    theirs = log_rejection(other).reminder
    Reminder.objects.filter(pk__in=[mine.pk, theirs.pk]).update(status=ReminderStatus.FAILED)
    assert reminder_failure_acknowledge(user=user) == 1
    assert Reminder.objects.get(pk=mine.pk).failure_acknowledged
    assert not Reminder.objects.get(pk=theirs.pk).failure_acknowledged


def test_unsubscribe_turns_email_off_and_keeps_reminders_scheduled():
    user = UserFactory()
    reminder = log_rejection(user).reminder
    reminder_unsubscribe(user=user)
    assert not ReminderSettings.objects.get(user=user).email_enabled
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SCHEDULED


def test_a_test_reminder_is_sent_to_the_verified_address(settings):
    settings.BASE_URL = "https://ajar.example"
    user = UserFactory(email="jo@seeker.example")
    reminder_test_send(user=user)
    (message,) = mail.outbox
    assert message.to == ["jo@seeker.example"]
    assert message.subject == "[Test] Time to circle back with Example Co"
    assert "This is a test reminder" in message.body
    assert "Alex Example" in message.body
    headers = message.message()
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Its action links open the Reminders page and act on nothing.
    assert "https://ajar.example/reminders/email/" not in message.body


def test_a_test_reminder_needs_a_verified_address():
    user = UserFactory(verified=False)
    with pytest.raises(ValidationError, match="Verify your email address"):
        reminder_test_send(user=user)
    assert mail.outbox == []


def test_a_test_reminder_reports_a_mail_server_that_is_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with pytest.raises(ValidationError, match="could not be sent"):
        reminder_test_send(user=UserFactory())


def test_changing_the_zone_recomputes_scheduled_reminders_but_not_snoozed_dates():
    user = UserFactory(time_zone="UTC")
    reminder = log_rejection(user, received_on=datetime.date(2026, 5, 1)).reminder
    assert reminder.due_at == utc(2026, 5, 31, 9)
    reminder_settings_update(
        user=user,
        cooling_off_days=30,
        send_time=datetime.time(9, 0),
        email_enabled=True,
        time_zone="America/New_York",
    )
    reminder.refresh_from_db()
    assert reminder.due_date == datetime.date(2026, 5, 31)
    assert reminder.due_at == utc(2026, 5, 31, 13)
