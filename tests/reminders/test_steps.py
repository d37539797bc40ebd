"""Reminder steps: the cadence's rows, their constraints, their Message-IDs, the
settings they are scheduled from, and the email's words from real dates."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from applications.models import Stage
from reminders.emails import message_id_for, reminder_message
from reminders.models import Reminder, ReminderSettings, ReminderStatus, ReminderStep
from reminders.services import reminder_settings_get, reminder_snooze
from tests.factories import ApplicationFactory, ReminderFactory, UserFactory
from tests.reminders.helpers import html_part, log_rejection

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeker(db):
    return UserFactory(name="Jo Seeker")


def test_an_existing_style_reminder_is_a_circle_back_step():
    assert ReminderFactory().step == ReminderStep.CIRCLE_BACK


def test_an_application_has_at_most_one_pending_step():
    first = ReminderFactory(step=ReminderStep.THANK_YOU, cooling_off_days=1)
    for pending in (ReminderStatus.SCHEDULED, ReminderStatus.SENDING):
        with pytest.raises(IntegrityError), transaction.atomic():
            ReminderFactory(
                user=first.user,
                application=first.application,
                status=pending,
                claim_token="00000000-0000-0000-0000-000000000001",
                lease_expires_at=timezone.now(),
            )


def test_a_step_that_went_out_makes_way_for_the_next():
    thank_you = ReminderFactory(step=ReminderStep.THANK_YOU, cooling_off_days=1)
    Reminder.objects.filter(pk=thank_you.pk).update(
        status=ReminderStatus.SENT, sent_at=timezone.now()
    )
    circle_back = ReminderFactory(user=thank_you.user, application=thank_you.application)
    radar = ReminderFactory(
        user=thank_you.user,
        application=thank_you.application,
        step=ReminderStep.KEEP_ON_RADAR,
        cooling_off_days=None,
        interval_months=6,
        status=ReminderStatus.DONE,
    )
    assert list(thank_you.application.reminders.order_by("id")) == [thank_you, circle_back, radar]


@pytest.mark.parametrize(
    ("step", "days", "months"),
    [
        (ReminderStep.KEEP_ON_RADAR, 30, None),
        (ReminderStep.KEEP_ON_RADAR, None, 5),
        (ReminderStep.CIRCLE_BACK, None, 6),
        (ReminderStep.THANK_YOU, 1, 6),
    ],
)
def test_a_step_counts_in_days_or_in_radar_months_never_both(step, days, months):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderFactory(step=step, cooling_off_days=days, interval_months=months)


def test_each_step_has_its_own_message_id_stable_across_renders(seeker, settings):
    settings.AJAR_MESSAGE_ID_DOMAIN = "mail.ajar.example"
    application = ApplicationFactory(user=seeker)
    thank_you = ReminderFactory(
        user=seeker,
        application=application,
        step=ReminderStep.THANK_YOU,
        cooling_off_days=1,
        status=ReminderStatus.SENT,
        sent_at=timezone.now(),
    )
    circle_back = ReminderFactory(user=seeker, application=application)
    ids = {message_id_for(thank_you), message_id_for(circle_back)}
    assert len(ids) == 2
    # The one documented duplicate window resends with the same id...
    first, again = reminder_message(circle_back), reminder_message(circle_back)
    assert first.extra_headers["Message-ID"] == again.extra_headers["Message-ID"]
    # ...and the id of a row written before steps existed is unchanged.
    assert message_id_for(circle_back) == f"<reminder-{circle_back.pk}-1@mail.ajar.example>"


# --- Settings: cooling-off per stage, thank-you, radar, digest --------------------------------


def test_new_settings_thank_you_on_radar_six_months_one_email_per_reminder(seeker):
    settings_ = reminder_settings_get(user=seeker)
    assert settings_.thank_you_enabled is True
    assert settings_.keep_on_radar_months == 6
    assert settings_.digest_mode == "each"
    assert settings_.cooling_off_by_stage == {}


def test_the_cooling_off_per_stage_defaults_to_the_single_value(seeker):
    settings_ = reminder_settings_get(user=seeker)
    settings_.cooling_off_days = 40
    settings_.cooling_off_by_stage = {str(Stage.FINAL_ROUND.value): 60}
    settings_.full_clean()
    assert settings_.cooling_off_for(Stage.FINAL_ROUND) == 60
    assert settings_.cooling_off_for(Stage.SCREEN) == 40


@pytest.mark.parametrize(
    "by_stage",
    [{"60": 0}, {"60": 366}, {"60": "45"}, {"99": 30}, {"60": True}, [30]],
)
def test_a_cooling_off_per_stage_out_of_range_is_refused(seeker, by_stage):
    settings_ = reminder_settings_get(user=seeker)
    settings_.cooling_off_by_stage = by_stage
    with pytest.raises(ValidationError):
        settings_.full_clean()


def test_radar_months_and_digest_mode_are_held_by_constraints(seeker):
    settings_ = reminder_settings_get(user=seeker)
    for field, value in (("keep_on_radar_months", 5), ("digest_mode", "hourly")):
        with pytest.raises(IntegrityError), transaction.atomic():
            ReminderSettings.objects.filter(pk=settings_.pk).update(**{field: value})


def test_the_circle_back_takes_the_cooling_off_of_the_stage_reached(seeker):
    settings_ = reminder_settings_get(user=seeker)
    settings_.cooling_off_by_stage = {str(Stage.FINAL_ROUND.value): 60}
    settings_.save()
    final = log_rejection(seeker, stage_reached=Stage.FINAL_ROUND).reminder
    screen = log_rejection(seeker, company="Initech", stage_reached=Stage.SCREEN).reminder
    assert (final.cooling_off_days, final.due_date) == (60, datetime.date(2026, 4, 2))
    assert (screen.cooling_off_days, screen.due_date) == (30, datetime.date(2026, 3, 3))


def test_the_circle_back_waits_until_the_company_says_you_may_reapply(seeker):
    first = log_rejection(seeker)
    company = first.application.company
    company.reapply_after_months = 6
    company.save()
    again = log_rejection(seeker, role="Principal Engineer")
    assert again.reminder.due_date == datetime.date(2026, 8, 1)
    assert again.reminder.cooling_off_days == 30


# --- The email says how long ago from the real dates ------------------------------------------


def _text(reminder):
    return reminder_message(reminder).body


def test_the_email_sent_on_time_says_the_day_and_30_days_ago(seeker):
    reminder = log_rejection(seeker).reminder
    with time_machine.travel(datetime.datetime(2026, 3, 3, 9, tzinfo=datetime.UTC)):
        text = _text(reminder)
        body = html_part(reminder_message(reminder))
    assert "on 1 February, 30 days ago" in text
    assert "on 1 February, 30 days ago" in body
    assert "That was" not in text
    assert "That was" not in body


def test_a_snoozed_circle_back_says_how_long_ago_it_really_was(seeker):
    reminder = log_rejection(seeker).reminder
    with time_machine.travel(datetime.datetime(2026, 3, 3, 10, tzinfo=datetime.UTC)):
        reminder = reminder_snooze(reminder=reminder, weeks=2)
    assert reminder.due_date == datetime.date(2026, 3, 17)
    with time_machine.travel(datetime.datetime(2026, 3, 17, 9, tzinfo=datetime.UTC)):
        assert "on 1 February, 44 days ago" in _text(reminder)


def test_a_rejection_logged_months_late_says_months(seeker):
    reminder = log_rejection(seeker, received_on=datetime.date(2025, 10, 20)).reminder
    with time_machine.travel(datetime.datetime(2026, 11, 27, 9, tzinfo=datetime.UTC)):
        assert "on 20 October 2025, 13 months ago" in _text(reminder)
    with time_machine.travel(datetime.datetime(2026, 2, 20, 9, tzinfo=datetime.UTC)):
        assert "on 20 October 2025, 4 months ago" in _text(reminder)


def test_a_ghosted_email_says_when_it_was_marked_from_the_dates(seeker):
    reminder = log_rejection(seeker, ghosted=True).reminder
    with time_machine.travel(datetime.datetime(2026, 2, 2, 9, tzinfo=datetime.UTC)):
        text = _text(reminder)
    assert "you marked it on 1 February, yesterday" in text
