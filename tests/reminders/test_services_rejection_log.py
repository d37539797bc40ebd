"""rejection_log: one transaction from rejection to circle-back."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from applications.models import Application, Company, Outcome, Rejection, Stage, StageEvent
from applications.services import application_move
from contacts.models import Contact
from letters.files import LetterFile
from reminders.models import Reminder, ReminderKind, ReminderStatus
from reminders.services import (
    NewContact,
    ReminderBeingSent,
    application_reopen,
    rejection_log,
    rejection_update,
    reminder_settings_update,
)
from tests.factories import ApplicationFactory, ContactFactory

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture
def new_yorker(user):
    user.time_zone = "America/New_York"
    user.save()
    return user


def test_logging_a_rejection_records_it_and_schedules_the_circle_back(new_yorker):
    application = ApplicationFactory(user=new_yorker, current_stage=Stage.SCREEN)
    met = ContactFactory(user=new_yorker, company=application.company)

    result = rejection_log(
        user=new_yorker,
        application=application,
        stage_reached=Stage.FINAL_ROUND,
        received_on=datetime.date(2026, 2, 20),
        letter_text="Thank you for your time...",
        invited_to_reapply=True,
        contacts=[met],
        new_contacts=[NewContact(name="Grace Hopper", role="hiring_manager", email="g@acme.test")],
    )

    application.refresh_from_db()
    assert application.outcome == Outcome.REJECTED
    assert application.outcome_on == datetime.date(2026, 2, 20)
    assert application.current_stage == Stage.FINAL_ROUND
    assert application.furthest_stage == Stage.FINAL_ROUND
    assert list(application.events.values_list("stage", flat=True)) == [
        Stage.SCREEN,
        Stage.FINAL_ROUND,
    ]
    rejection = Rejection.objects.get(application=application)
    assert rejection.letter_text == "Thank you for your time..."
    assert rejection.invited_to_reapply
    assert set(application.contacts.values_list("name", flat=True)) == {met.name, "Grace Hopper"}
    grace = Contact.objects.get(name="Grace Hopper")
    assert grace.company == application.company
    assert grace.user == new_yorker
    reminder = result.reminder
    assert reminder.status == ReminderStatus.SCHEDULED
    assert reminder.kind == ReminderKind.REJECTED
    assert reminder.rejection == rejection
    # 30 days after 2026-02-20 is 2026-03-22, 09:00 in New York (EDT by then).
    assert reminder.due_date == datetime.date(2026, 3, 22)
    assert reminder.due_at == datetime.datetime(2026, 3, 22, 13, tzinfo=datetime.UTC)
    assert reminder.next_attempt_at == reminder.due_at


def test_a_typed_company_and_role_create_the_application(user):
    Company.objects.create(user=user, name="Acme")
    result = rejection_log(
        user=user, company_name="  ACME ", role="Data engineer", stage_reached=Stage.INTERVIEW
    )
    assert Company.objects.for_user(user).count() == 1
    assert result.application.company.name == "Acme"
    assert result.application.role == "Data engineer"
    assert result.application.furthest_stage == Stage.INTERVIEW
    assert result.application.outcome == Outcome.REJECTED


def test_the_received_date_defaults_to_the_users_local_today(user):
    user.time_zone = "Pacific/Auckland"
    user.save()
    # 20:00 UTC on 1 March is already 2 March in Auckland.
    with time_machine.travel(datetime.datetime(2026, 3, 1, 20, tzinfo=datetime.UTC), tick=False):
        result = rejection_log(user=user, company_name="Kiwi", role="Dev", stage_reached=20)
    assert result.rejection.received_on == datetime.date(2026, 3, 2)


def test_never_heard_back_is_the_ghosted_outcome_not_a_rejection(user):
    application = ApplicationFactory(user=user)
    result = rejection_log(
        user=user,
        application=application,
        stage_reached=Stage.APPLIED,
        ghosted=True,
        received_on=datetime.date(2026, 4, 1),
    )
    application.refresh_from_db()
    assert application.outcome == Outcome.GHOSTED
    assert result.rejection is None
    assert not Rejection.objects.exists()
    assert result.reminder.kind == ReminderKind.GHOSTED
    assert result.reminder.counted_from == datetime.date(2026, 4, 1)
    assert result.reminder.due_date == datetime.date(2026, 5, 1)


def test_a_cooling_off_override_moves_the_due_date(user):
    result = rejection_log(
        user=user,
        company_name="Acme",
        role="Dev",
        stage_reached=Stage.ONSITE,
        received_on=datetime.date(2026, 1, 1),
        cooling_off_days=90,
    )
    assert result.reminder.due_date == datetime.date(2026, 4, 1)
    assert result.reminder.cooling_off_days == 90


def test_the_cooling_off_comes_from_the_users_settings(user):
    reminder_settings_update(
        user=user, cooling_off_days=14, send_time=datetime.time(7, 45), email_enabled=True
    )
    result = rejection_log(
        user=user,
        company_name="Acme",
        role="Dev",
        stage_reached=Stage.ONSITE,
        received_on=datetime.date(2026, 1, 1),
    )
    assert result.reminder.due_at == datetime.datetime(2026, 1, 15, 7, 45, tzinfo=datetime.UTC)


def test_a_second_rejection_for_one_application_is_refused_and_changes_nothing(user):
    application = ApplicationFactory(user=user)
    rejection_log(user=user, application=application, stage_reached=Stage.APPLIED)
    with pytest.raises(ValidationError):
        rejection_log(user=user, application=application, stage_reached=Stage.SCREEN)
    assert Rejection.objects.count() == 1
    assert Reminder.objects.count() == 2  # the first one's thank-you and circle-back


def test_another_users_contact_is_refused_and_nothing_is_saved(user, other_user):
    application = ApplicationFactory(user=user)
    theirs = ContactFactory(user=other_user)
    with pytest.raises(PermissionDenied):
        rejection_log(
            user=user, application=application, stage_reached=Stage.SCREEN, contacts=[theirs]
        )
    application.refresh_from_db()
    assert application.outcome == Outcome.OPEN
    assert not Rejection.objects.exists()
    assert not Reminder.objects.exists()
    assert not theirs.applications.exists()


def test_another_users_application_is_refused(user, other_user):
    application = ApplicationFactory(user=other_user)
    with pytest.raises(PermissionDenied):
        rejection_log(user=user, application=application, stage_reached=Stage.SCREEN)
    assert not Rejection.objects.exists()


def test_an_invalid_new_contact_rolls_everything_back(user):
    application = ApplicationFactory(user=user)
    with pytest.raises(ValidationError):
        rejection_log(
            user=user,
            application=application,
            stage_reached=Stage.SCREEN,
            new_contacts=[NewContact(name="Bad", email="not an email")],
        )
    application.refresh_from_db()
    assert application.outcome == Outcome.OPEN
    assert not Rejection.objects.exists()
    assert not Contact.objects.exists()
    assert list(application.events.values_list("stage", flat=True)) == [Stage.APPLIED]


def test_an_email_file_fills_the_letter_text_and_is_kept(user):
    eml = (
        b"From: hr@acme.test\r\nTo: me@example.com\r\nSubject: Your application\r\n"
        b"Date: Mon, 2 Feb 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"We have decided to move forward with other candidates.\r\n"
    )
    result = rejection_log(
        user=user,
        company_name="Acme",
        role="Dev",
        stage_reached=Stage.INTERVIEW,
        letter_file=LetterFile("rejection.eml", "message/rfc822", eml),
    )
    assert result.rejection.letter_text == "We have decided to move forward with other candidates."
    stored = Rejection.objects.get().attachments.get(kind="letter")
    assert bytes(stored.data) == eml
    assert stored.size == len(eml)
    assert stored.content_type == "message/rfc822"


def test_furthest_stage_is_kept_from_the_history_when_the_board_moves_back(user):
    application = ApplicationFactory(user=user)
    application_move(application=application, stage=Stage.ONSITE)
    application_move(application=application, stage=Stage.SCREEN)
    application.refresh_from_db()
    assert application.current_stage == Stage.SCREEN
    assert application.furthest_stage == Stage.ONSITE
    assert StageEvent.objects.filter(application=application).count() == 3


# --- Editing, undoing, deleting -------------------------------------------------------


@pytest.fixture
def logged(user):
    return rejection_log(
        user=user,
        company_name="Acme",
        role="Dev",
        stage_reached=Stage.INTERVIEW,
        received_on=datetime.date(2026, 2, 1),
    )


def test_editing_the_date_moves_an_unsent_reminder(logged):
    rejection_update(rejection=logged.rejection, received_on=datetime.date(2026, 2, 10))
    reminder = Reminder.objects.get()
    assert reminder.counted_from == datetime.date(2026, 2, 10)
    assert reminder.due_date == datetime.date(2026, 3, 12)
    assert reminder.next_attempt_at == reminder.due_at
    assert Application.objects.get().outcome_on == datetime.date(2026, 2, 10)


def test_editing_the_cooling_off_moves_an_unsent_reminder(logged):
    rejection_update(
        rejection=logged.rejection, received_on=datetime.date(2026, 2, 1), cooling_off_days=7
    )
    assert Reminder.objects.get().due_date == datetime.date(2026, 2, 8)


def test_editing_a_rejection_whose_reminder_is_being_sent_is_refused(logged):
    Reminder.objects.update(
        status=ReminderStatus.SENDING,
        claim_token="6f1c1e0a-3c1b-4b8e-9a43-6a8d0a0f1c11",
        lease_expires_at=datetime.datetime(2026, 3, 3, tzinfo=datetime.UTC),
    )
    with pytest.raises(ReminderBeingSent):
        rejection_update(rejection=logged.rejection, received_on=datetime.date(2026, 2, 10))
    assert Rejection.objects.get().received_on == datetime.date(2026, 2, 1)
    with pytest.raises(ReminderBeingSent):
        application_reopen(application=logged.application)
    assert Rejection.objects.exists()


def test_editing_after_the_email_went_out_keeps_the_sent_reminder(logged):
    sent_at = datetime.datetime(2026, 3, 3, 9, tzinfo=datetime.UTC)
    Reminder.objects.update(status=ReminderStatus.SENT, sent_at=sent_at)
    rejection_update(rejection=logged.rejection, received_on=datetime.date(2026, 2, 10))
    reminder = Reminder.objects.get()
    assert reminder.status == ReminderStatus.SENT
    assert reminder.sent_at == sent_at


def test_undoing_a_rejection_cancels_its_unsent_reminder(logged):
    application_reopen(application=logged.application)
    application = Application.objects.get()
    assert application.outcome == Outcome.OPEN
    assert application.outcome_on is None
    assert not Rejection.objects.exists()
    assert Reminder.objects.get().status == ReminderStatus.CANCELLED


def test_a_rejection_logged_again_after_an_undo_schedules_the_same_row_anew(logged, user):
    application_reopen(application=logged.application)
    again = rejection_log(
        user=user,
        application=logged.application,
        stage_reached=Stage.ONSITE,
        received_on=datetime.date(2026, 5, 1),
    )
    assert Reminder.objects.count() == 1
    assert again.reminder.status == ReminderStatus.SCHEDULED
    assert again.reminder.due_date == datetime.date(2026, 5, 31)
    assert again.reminder.occurrence == 2


# --- Settings changes recompute scheduled reminders -------------------------------------------


def test_a_new_send_time_recomputes_every_scheduled_reminder(new_yorker, logged):
    reminder_settings_update(
        user=new_yorker, cooling_off_days=30, send_time=datetime.time(17, 30), email_enabled=True
    )
    reminder = Reminder.objects.get()
    assert reminder.due_date == datetime.date(2026, 3, 3)
    assert reminder.due_at == datetime.datetime(2026, 3, 3, 22, 30, tzinfo=datetime.UTC)
    assert reminder.next_attempt_at == reminder.due_at


def test_a_new_time_zone_recomputes_every_scheduled_reminder(new_yorker, logged):
    reminder_settings_update(
        user=new_yorker,
        cooling_off_days=30,
        send_time=datetime.time(9),
        email_enabled=True,
        time_zone="Europe/London",
    )
    new_yorker.refresh_from_db()
    assert new_yorker.time_zone == "Europe/London"
    reminder = Reminder.objects.get()
    assert reminder.due_at == datetime.datetime(2026, 3, 3, 9, tzinfo=datetime.UTC)


def test_a_settings_change_leaves_reminders_already_sent_alone(new_yorker, logged):
    sent_at = datetime.datetime(2026, 3, 3, 14, tzinfo=datetime.UTC)
    Reminder.objects.update(status=ReminderStatus.SENT, sent_at=sent_at)
    before = Reminder.objects.get().due_at
    reminder_settings_update(
        user=new_yorker, cooling_off_days=30, send_time=datetime.time(6), email_enabled=True
    )
    assert Reminder.objects.get().due_at == before


def test_an_invalid_time_zone_is_refused_and_changes_nothing(new_yorker, logged):
    before = Reminder.objects.get().due_at
    with pytest.raises(ValidationError), transaction.atomic():
        reminder_settings_update(
            user=new_yorker,
            cooling_off_days=30,
            send_time=datetime.time(6),
            email_enabled=True,
            time_zone="Mars/Olympus_Mons",
        )
    new_yorker.refresh_from_db()
    assert new_yorker.time_zone == "America/New_York"
    assert Reminder.objects.get().due_at == before


def test_turning_email_back_on_marks_when(user):
    with time_machine.travel(datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC), tick=False):
        reminder_settings_update(
            user=user, cooling_off_days=30, send_time=datetime.time(9), email_enabled=False
        )
        settings_ = reminder_settings_update(
            user=user, cooling_off_days=30, send_time=datetime.time(9), email_enabled=True
        )
    assert settings_.email_enabled_at == datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)


# --- The broker is not needed to log a rejection ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_logging_a_rejection_succeeds_with_the_broker_down(settings, user):
    """Nothing is queued when a rejection is logged: the sweep finds the row.
    The broker here is a Redis address where nothing listens, and on-commit
    hooks run for real (transaction=True)."""
    from config.celery_app import app

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        result = rejection_log(
            user=user, company_name="Acme", role="Dev", stage_reached=Stage.SCREEN
        )
    finally:
        app.conf.broker_url = None
    assert Reminder.objects.filter(pk=result.thank_you.pk, status="scheduled").exists()


# --- Statements per POST -----------------------------------------------------------

LOG_FORM = {
    "company_name": "Initech",
    "role": "Engineer",
    "stage_reached": "40",
    "channel": "email",
    "letter_text": "Thank you for your time.",
    "new_contact-TOTAL_FORMS": "1",
    "new_contact-INITIAL_FORMS": "0",
    "new_contact-MIN_NUM_FORMS": "0",
    "new_contact-MAX_NUM_FORMS": "20",
    "new_contact-0-name": "Robin Recruiter",
    "new_contact-0-role": "recruiter",
}


def test_logging_a_rejection_by_post_runs_a_bounded_number_of_statements(
    client, user, django_assert_max_num_queries
):
    """A new company, application, letter, person and circle-back: what must be
    written, and no constraint re-checked by a SELECT in a savepoint (it was 38+)."""
    from django.urls import reverse

    from reminders.services import reminder_settings_get

    reminder_settings_get(user=user)
    ApplicationFactory(user=user)
    client.force_login(user)
    # Session and user (the form's "any company yet?" is asked only to show the
    # form, not to save it); BEGIN and COMMIT; the
    # company (a lookup, then an INSERT ... ON CONFLICT DO NOTHING: a
    # double-clicked submit may create it meanwhile); the application (written
    # closed, with its search text, with no savepoint of its own and no UPDATE
    # after), the rejection, the person and their link; the settings read once;
    # the circle-back (written waiting) and the thank-you before it; its stats
    # counters two (write its keys, computed from what was written, and move
    # the counters). 25 before: savepoints around the company and the
    # application, an UPDATE of every column after it, the settings read twice,
    # the circle-back written scheduled then set waiting; 18 before the search
    # text went into the INSERT and the stats stopped reading the new row back.
    # 15 with the "any company yet?".
    with django_assert_max_num_queries(15):
        response = client.post(reverse("reminders:log_rejection"), LOG_FORM)
    assert response.status_code == 302
    application = Application.objects.get(company__name="Initech")
    assert application.outcome == Outcome.REJECTED
    assert application.furthest_stage == Stage.INTERVIEW
    assert application.rejection.letter_text == "Thank you for your time."
    assert list(application.contacts.values_list("name", flat=True)) == ["Robin Recruiter"]
    # A thank-you first, the circle-back waiting behind it: one pending step.
    steps = dict(Reminder.objects.filter(application=application).values_list("step", "status"))
    assert steps == {"thank_you": ReminderStatus.SCHEDULED, "circle_back": ReminderStatus.WAITING}


@pytest.mark.parametrize("ghosted", [False, True])
@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati"])
def test_a_new_application_is_written_with_the_search_text_and_stats_a_refresh_computes(
    user, ghosted, zone
):
    """The search text and stats keys of a new application are written from
    the values in hand: recomputing them from the rows changes nothing."""
    from applications.models import StatsCount
    from applications.services import application_search_refresh, application_stats_refresh

    user.time_zone = zone
    user.save()
    result = rejection_log(
        user=user,
        stage_reached=Stage.ONSITE,
        company_name="Initech  Corp",
        role="Staff engineer",
        channel="phone",
        letter_text="Thank you.\n" + "x" * 5000,
        ghosted=ghosted,
    )
    application = Application.objects.get(pk=result.application.pk)
    counters = sorted(StatsCount.objects.filter(user=user).values_list("key", "n"))
    assert counters
    application_search_refresh(application_ids=[application.pk])
    application_stats_refresh(application_ids=[application.pk])
    refreshed = Application.objects.get(pk=application.pk)
    assert refreshed.search_text == application.search_text
    assert ("Thank you." in application.search_text) is not ghosted
    assert refreshed.stats_keys == application.stats_keys
    assert sorted(StatsCount.objects.filter(user=user).values_list("key", "n")) == counters


def test_a_new_application_logged_with_an_upside_down_salary_is_refused(user):
    from applications.services import application_create, company_get_or_create

    company = company_get_or_create(user=user, name="Initech")
    with pytest.raises(ValidationError):
        application_create(
            user=user, company=company, role="Engineer", salary_min=100, salary_max=90
        )
