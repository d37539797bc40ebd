"""The cadence: thank-you, circle back, keep on your radar, and a conversation
moving the next step. Through the real services, with the clock fixed."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from applications.models import Stage
from contacts.services import interaction_log
from reminders.cadence import cadence_advance
from reminders.emails import reminder_message
from reminders.models import Reminder, ReminderStatus, ReminderStep
from reminders.services import (
    NewContact,
    application_reopen,
    rejection_log,
    rejection_update,
    reminder_dismiss,
    reminder_done,
    reminder_move_undo,
    reminder_settings_get,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 10)
NOW = datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def seeker(db):
    return UserFactory(name="Jo Seeker")


def log(user, **kwargs):
    kwargs.setdefault("stage_reached", Stage.FINAL_ROUND)
    kwargs.setdefault("received_on", TODAY)
    return rejection_log(user=user, company_name="Acme", role="Staff Engineer", **kwargs)


def steps(application):
    return list(
        Reminder.objects.filter(application=application)
        .order_by("id")
        .values_list("step", "status")
    )


def test_editing_the_rejection_while_the_thank_you_is_pending_moves_both_steps(seeker):
    result = log(
        seeker,
        new_contacts=[NewContact(name="Priya Raman", email="p@acme.example", wrote_letter=True)],
    )
    rejection_update(rejection=result.rejection, received_on=TODAY - datetime.timedelta(days=1))
    # The circle-back still waits behind the thank-you: one pending step.
    assert steps(result.application) == [
        (ReminderStep.CIRCLE_BACK, ReminderStatus.WAITING),
        (ReminderStep.THANK_YOU, ReminderStatus.SCHEDULED),
    ]
    circle_back = Reminder.objects.get(step=ReminderStep.CIRCLE_BACK)
    assert circle_back.due_date == result.reminder.due_date - datetime.timedelta(days=1)


def test_a_fresh_rejection_starts_with_a_thank_you_to_the_letters_writer(seeker):
    result = log(
        seeker,
        new_contacts=[
            NewContact(name="Priya Raman", email="priya@acme.example", wrote_letter=True),
            NewContact(name="Tom Okafor", email="tom@acme.example"),
        ],
    )
    thank_you = result.thank_you
    assert thank_you.step == ReminderStep.THANK_YOU
    assert thank_you.contact.name == "Priya Raman"
    assert thank_you.due_date == datetime.date(2026, 3, 11)
    assert thank_you.due_at == datetime.datetime(2026, 3, 11, 9, tzinfo=datetime.UTC)
    assert result.reminder.due_date == datetime.date(2026, 4, 9)
    assert steps(result.application) == [
        (ReminderStep.CIRCLE_BACK, ReminderStatus.WAITING),
        (ReminderStep.THANK_YOU, ReminderStatus.SCHEDULED),
    ]
    message = reminder_message(thank_you)
    assert message.subject == "Say thank you to Acme"
    assert "Priya Raman" in message.body
    assert "Tom Okafor" not in message.body  # only the writer
    assert "Thank you for letting me know" in message.body
    assert "feedback" in " ".join(message.body.split())
    assert "said no to you for Staff Engineer today" in message.body


@pytest.mark.parametrize(
    "case",
    ["setting off", "logged late", "never heard back"],
)
def test_no_thank_you_when_off_late_or_ghosted(seeker, case):
    if case == "setting off":
        settings_ = reminder_settings_get(user=seeker)
        settings_.thank_you_enabled = False
        settings_.save()
    kwargs = {
        "setting off": {},
        "logged late": {"received_on": TODAY - datetime.timedelta(days=8)},
        "never heard back": {"ghosted": True},
    }[case]
    result = log(seeker, **kwargs)
    assert result.thank_you is None
    assert steps(result.application) == [(ReminderStep.CIRCLE_BACK, ReminderStatus.SCHEDULED)]


def test_once_the_thank_you_went_out_beat_schedules_the_circle_back_once(seeker):
    result = log(seeker)
    Reminder.objects.filter(pk=result.thank_you.pk).update(
        status=ReminderStatus.SENT, sent_at=timezone.now()
    )
    assert cadence_advance(now=timezone.now()).scheduled == 1
    assert cadence_advance(now=timezone.now()).scheduled == 0
    assert steps(result.application) == [
        (ReminderStep.CIRCLE_BACK, ReminderStatus.SCHEDULED),
        (ReminderStep.THANK_YOU, ReminderStatus.SENT),
    ]


def test_a_thank_you_done_or_dismissed_lets_the_circle_back_go_at_once(seeker):
    result = log(seeker)
    reminder_dismiss(reminder=result.thank_you)
    assert Reminder.objects.get(pk=result.reminder.pk).status == ReminderStatus.SCHEDULED


def test_a_thank_you_never_sent_gives_way_when_the_circle_back_falls_due(seeker, clock):
    result = log(seeker)
    assert cadence_advance(now=timezone.now()).superseded == 0
    clock.move_to(datetime.datetime(2026, 4, 9, 9, 0, 1, tzinfo=datetime.UTC))
    outcome = cadence_advance(now=timezone.now())
    assert (outcome.superseded, outcome.scheduled) == (1, 1)
    assert steps(result.application) == [
        (ReminderStep.CIRCLE_BACK, ReminderStatus.SCHEDULED),
        (ReminderStep.THANK_YOU, ReminderStatus.CANCELLED),
    ]


def test_a_circle_back_done_schedules_keep_on_radar_months_later(seeker, clock):
    result = log(seeker, received_on=datetime.date(2026, 1, 1))
    clock.move_to(datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC))
    reminder_done(reminder=result.reminder)
    radar = Reminder.objects.get(application=result.application, step=ReminderStep.KEEP_ON_RADAR)
    assert radar.status == ReminderStatus.SCHEDULED
    assert (radar.counted_from, radar.interval_months) == (TODAY, 6)
    assert radar.due_date == datetime.date(2026, 9, 10)
    # Done again, months later: the next one.
    clock.move_to(datetime.datetime(2026, 9, 10, 12, tzinfo=datetime.UTC))
    message = reminder_message(radar)
    assert message.subject == "Keep Acme on your radar"
    assert "You last circled back with Acme on 10 March, 6 months ago" in message.body
    reminder_done(reminder=radar)
    nxt = Reminder.objects.filter(step=ReminderStep.KEEP_ON_RADAR).latest_first().first()
    assert (nxt.status, nxt.due_date) == (ReminderStatus.SCHEDULED, datetime.date(2027, 3, 10))


def test_keep_on_radar_off_or_a_dismissal_ends_the_cadence(seeker):
    settings_ = reminder_settings_get(user=seeker)
    settings_.keep_on_radar_months = 0
    settings_.save()
    done = log(seeker, received_on=datetime.date(2026, 1, 1))
    reminder_done(reminder=done.reminder)
    settings_.keep_on_radar_months = 3
    settings_.save()
    dismissed = rejection_log(
        user=seeker,
        company_name="Initech",
        role="Dev",
        stage_reached=Stage.SCREEN,
        received_on=datetime.date(2026, 1, 1),
    )
    reminder_dismiss(reminder=dismissed.reminder)
    assert not Reminder.objects.filter(step=ReminderStep.KEEP_ON_RADAR).exists()


def test_reopening_cancels_every_unsent_step_waiting_ones_too(seeker):
    result = log(seeker)
    application_reopen(application=result.application)
    assert set(
        Reminder.objects.filter(application=result.application).values_list("status", flat=True)
    ) == {ReminderStatus.CANCELLED}


# --- A conversation moves the next step -------------------------------------------------------


def _talk(user, contact, day, application=None):
    return interaction_log(
        user=user, contacts=[contact], occurred_on=day, summary="Coffee", application=application
    )


def test_talking_to_an_insider_after_the_rejection_moves_the_circle_back_and_can_be_undone(seeker):
    result = log(
        seeker,
        received_on=datetime.date(2026, 2, 1),
        new_contacts=[NewContact(name="Priya Raman", email="priya@acme.example")],
    )
    priya = result.application.contacts.get()
    assert result.reminder.due_date == datetime.date(2026, 3, 3)
    talk = _talk(seeker, priya, datetime.date(2026, 3, 1))
    moved = Reminder.objects.get(pk=result.reminder.pk)
    assert moved.due_date == datetime.date(2026, 3, 31)
    assert (moved.moved_on, moved.moved_by, moved.due_date_before_move) == (
        datetime.date(2026, 3, 1),
        talk,
        datetime.date(2026, 3, 3),
    )
    assert moved.due_at == datetime.datetime(2026, 3, 31, 9, tzinfo=datetime.UTC)

    undone = reminder_move_undo(reminder=moved)
    assert undone.due_date == datetime.date(2026, 3, 3)
    assert (undone.moved_on, undone.due_date_before_move) == (None, None)


def test_a_conversation_before_the_rejection_or_with_someone_else_moves_nothing(seeker):
    result = log(
        seeker,
        received_on=datetime.date(2026, 2, 1),
        new_contacts=[NewContact(name="Priya Raman")],
    )
    priya = result.application.contacts.get()
    _talk(seeker, priya, datetime.date(2026, 1, 20))
    other = rejection_log(
        user=seeker,
        company_name="Initech",
        role="Dev",
        stage_reached=Stage.SCREEN,
        received_on=datetime.date(2026, 2, 1),
        new_contacts=[NewContact(name="Sam Other")],
    )
    _talk(seeker, other.application.contacts.get(), datetime.date(2026, 2, 20))
    reminder = Reminder.objects.get(pk=result.reminder.pk)
    assert (reminder.due_date, reminder.moved_on) == (datetime.date(2026, 3, 3), None)


def test_a_step_being_sent_is_not_moved(seeker):
    result = log(
        seeker, received_on=datetime.date(2026, 2, 1), new_contacts=[NewContact(name="Priya")]
    )
    Reminder.objects.filter(pk=result.reminder.pk).update(
        status=ReminderStatus.SENDING,
        claim_token="00000000-0000-0000-0000-000000000001",
        lease_expires_at=timezone.now(),
    )
    _talk(seeker, result.application.contacts.get(), datetime.date(2026, 3, 1))
    assert Reminder.objects.get(pk=result.reminder.pk).due_date == datetime.date(2026, 3, 3)


# --- From the log-rejection form ------------------------------------------------------------


def test_the_form_marks_the_letters_writer_and_when_you_may_reapply(user_client, user):
    from django.urls import reverse

    response = user_client.post(
        reverse("reminders:log_rejection"),
        {
            "company_name": "Acme",
            "role": "Engineer",
            "stage_reached": "60",
            "received_on": "2026-03-10",
            "channel": "email",
            "reapply_after_months": "6",
            "new_contact-TOTAL_FORMS": "2",
            "new_contact-INITIAL_FORMS": "0",
            "new_contact-MIN_NUM_FORMS": "0",
            "new_contact-MAX_NUM_FORMS": "20",
            "new_contact-0-name": "Priya Raman",
            "new_contact-0-role": "recruiter",
            "new_contact-0-email": "priya@acme.example",
            "new_contact-0-wrote_letter": "on",
            "new_contact-1-name": "Tom Okafor",
            "new_contact-1-role": "interviewer",
        },
    )
    assert response.status_code == 302
    thank_you = Reminder.objects.get(step=ReminderStep.THANK_YOU)
    assert thank_you.contact.name == "Priya Raman"
    circle_back = Reminder.objects.get(step=ReminderStep.CIRCLE_BACK)
    assert circle_back.due_date == datetime.date(2026, 9, 10)
    assert circle_back.application.company.reapply_after_months == 6
    page = user_client.get(response["Location"]).content.decode()
    assert "a nudge to thank Priya Raman" in page
    cards = user_client.get(reverse("reminders:list")).content.decode()
    assert "Write to Priya Raman (recruiter), who wrote the letter." in cards
