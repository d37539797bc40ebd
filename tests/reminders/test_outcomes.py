"""Offer accepted, offer declined, withdrawn: recorded with a date through one
service, from the application page and the board; undone like a rejection."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from applications.models import Application, Outcome, Stage
from reminders.models import Reminder, ReminderKind, ReminderStatus
from reminders.services import (
    application_mark_ghosted,
    application_outcome_record,
    application_reopen,
    rejection_log,
)
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC)
DAY = datetime.date(2026, 3, 9)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize("outcome", [Outcome.OFFER_ACCEPTED, Outcome.OFFER_DECLINED])
def test_an_offer_is_recorded_with_its_date_and_the_offer_stage(user, outcome):
    application = ApplicationFactory(user=user, current_stage=Stage.ONSITE)
    assert application_outcome_record(application=application, outcome=outcome, on=DAY) is None
    application.refresh_from_db()
    assert (application.outcome, application.outcome_on) == (outcome, DAY)
    assert application.current_stage == application.furthest_stage == Stage.OFFER
    assert application.events.filter(stage=Stage.OFFER, occurred_on=DAY).exists()
    assert not Reminder.objects.exists()


def test_a_withdrawal_keeps_the_stage_and_writes_no_event(user):
    application = ApplicationFactory(user=user, current_stage=Stage.SCREEN)
    application_outcome_record(application=application, outcome=Outcome.WITHDRAWN, on=DAY)
    application.refresh_from_db()
    assert (application.outcome, application.current_stage) == (Outcome.WITHDRAWN, Stage.SCREEN)
    assert application.events.count() == 1


def test_a_declined_offer_keeps_a_circle_back_when_asked_with_its_own_wording(user):
    application = ApplicationFactory(user=user)
    result = application_outcome_record(
        application=application, outcome=Outcome.OFFER_DECLINED, on=DAY, keep_circle_back=True
    )
    reminder = result.reminder
    assert (reminder.kind, reminder.status) == (ReminderKind.DECLINED, ReminderStatus.SCHEDULED)
    assert reminder.due_date == DAY + datetime.timedelta(days=30)
    from reminders.emails import reminder_message

    with time_machine.travel(datetime.datetime(2026, 4, 8, 9, tzinfo=datetime.UTC)):
        body = reminder_message(reminder).body
    assert "You turned down the offer from" in body
    assert "said no" not in body


@pytest.mark.parametrize("outcome", [Outcome.OFFER_ACCEPTED, Outcome.WITHDRAWN])
def test_accepted_or_withdrawn_cancels_an_unsent_circle_back(user, outcome):
    application = ApplicationFactory(user=user)
    ghosted = application_mark_ghosted(application=application, on=datetime.date(2026, 2, 1))
    application_outcome_record(application=application, outcome=outcome, on=DAY)
    assert Reminder.objects.get(pk=ghosted.reminder.pk).status == ReminderStatus.CANCELLED


def test_a_rejected_application_must_be_undone_first_and_nothing_changes(user):
    result = rejection_log(
        user=user, company_name="Acme", role="Dev", stage_reached=Stage.SCREEN, received_on=DAY
    )
    with pytest.raises(ValidationError, match="undo its outcome first"):
        application_outcome_record(
            application=result.application, outcome=Outcome.OFFER_ACCEPTED, on=DAY
        )
    assert Application.objects.get().outcome == Outcome.REJECTED


def test_a_future_date_or_another_outcome_is_refused(user):
    application = ApplicationFactory(user=user)
    with pytest.raises(ValidationError):
        application_outcome_record(
            application=application, outcome=Outcome.WITHDRAWN, on=datetime.date(2026, 3, 11)
        )
    with pytest.raises(ValidationError):
        application_outcome_record(application=application, outcome=Outcome.REJECTED, on=DAY)
    application.refresh_from_db()
    assert application.outcome == Outcome.OPEN


def test_undo_reopens_and_cancels_the_declined_offers_circle_back(user):
    application = ApplicationFactory(user=user)
    result = application_outcome_record(
        application=application, outcome=Outcome.OFFER_DECLINED, on=DAY, keep_circle_back=True
    )
    application_reopen(application=application)
    application.refresh_from_db()
    assert (application.outcome, application.outcome_on) == (Outcome.OPEN, None)
    assert Reminder.objects.get(pk=result.reminder.pk).status == ReminderStatus.CANCELLED


# --- Pages -----------------------------------------------------------------------------


def test_the_outcome_page_records_an_offer_and_returns_to_the_application(user_client, user):
    application = ApplicationFactory(user=user)
    url = reverse("reminders:outcome", args=[application.pk])
    page = user_client.get(url + "?outcome=offer_declined").content.decode()
    assert "Circle back with them later anyway" in page
    response = user_client.post(
        url, {"outcome": "offer_declined", "on": "2026-03-09", "keep_circle_back": "on"}
    )
    assert response.status_code == 302
    assert response["Location"] == application.get_absolute_url()
    application.refresh_from_db()
    assert application.outcome == Outcome.OFFER_DECLINED
    assert Reminder.objects.get().kind == ReminderKind.DECLINED
    detail = user_client.get(application.get_absolute_url()).content.decode()
    assert "Undo the outcome" in detail
    assert "Move the stage" not in detail
    assert "Reopen" in detail


@pytest.mark.parametrize(
    "data",
    [
        {"outcome": "rejected", "on": "2026-03-09"},
        {"outcome": "withdrawn", "on": "2026-03-11"},
        {"outcome": "withdrawn", "on": "not a date"},
        {"on": "2026-03-09"},
    ],
)
def test_bad_outcome_input_gets_a_message_and_changes_nothing(user_client, user, data):
    application = ApplicationFactory(user=user)
    response = user_client.post(reverse("reminders:outcome", args=[application.pk]), data)
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode() or "alert" in response.content.decode()
    application.refresh_from_db()
    assert application.outcome == Outcome.OPEN


def test_a_closed_application_has_no_outcome_page(user_client, user):
    application = ApplicationFactory(user=user, outcome=Outcome.OFFER_ACCEPTED)
    assert user_client.get(reverse("reminders:outcome", args=[application.pk])).status_code == 404


def test_each_open_card_on_the_board_reaches_its_outcome_page(user_client, user):
    # The card's Move opens the board's one dialog (its outcome link is a
    # pattern the script fills in), or without a script the card's move page.
    application = ApplicationFactory(user=user)
    board = user_client.get(reverse("applications:board")).content.decode()
    move_url = reverse("applications:board_move", args=[application.pk])
    assert f'href="{move_url}"' in board
    assert "data-board-move-outcome" in board
    move_page = user_client.get(move_url).content.decode()
    assert reverse("reminders:outcome", args=[application.pk]) in move_page


def test_logging_a_rejection_for_a_new_application_invents_no_history(user):
    result = rejection_log(
        user=user,
        company_name="Initech",
        role="Dev",
        stage_reached=Stage.ONSITE,
        received_on=datetime.date(2026, 2, 1),
    )
    application = result.application
    assert application.applied_on is None
    assert not application.events.exists()
    assert application.furthest_stage == Stage.ONSITE
    assert result.rejection.stage_reached == Stage.ONSITE


# --- People met, added after the fact ---------------------------------------------------------


def _people(**rows):
    data = {
        "new_contact-TOTAL_FORMS": str(len(rows)),
        "new_contact-INITIAL_FORMS": "0",
        "new_contact-MIN_NUM_FORMS": "0",
        "new_contact-MAX_NUM_FORMS": "20",
    }
    for i, (name, extra) in enumerate(rows.items()):
        data[f"new_contact-{i}-name"] = name.replace("_", " ")
        data[f"new_contact-{i}-role"] = extra.get("role", "other")
        data[f"new_contact-{i}-email"] = extra.get("email", "")
        if extra.get("wrote"):
            data[f"new_contact-{i}-wrote_letter"] = "on"
    return data


def test_the_confirmation_page_asks_for_the_people_met_and_adds_them(user_client, user):
    result = rejection_log(
        user=user, company_name="Acme", role="Dev", stage_reached=Stage.ONSITE, received_on=DAY
    )
    logged = reverse("reminders:rejection_logged", args=[result.application.pk])
    page = user_client.get(logged).content.decode()
    assert "Who did you meet along the way?" in page
    response = user_client.post(
        reverse("reminders:people_add", args=[result.application.pk]),
        {
            **_people(Priya_Raman={"wrote": True}, Tom_Okafor={"role": "interviewer"}),
            "next": logged,
        },
    )
    assert response["Location"] == logged
    names = set(result.application.contacts.values_list("name", flat=True))
    assert names == {"Priya Raman", "Tom Okafor"}
    # Named as the letter's writer: the thank-you still to come is addressed to them.
    assert Reminder.objects.get(pk=result.thank_you.pk).contact.name == "Priya Raman"


def test_the_application_page_has_add_a_person_in_place(user_client, user):
    application = ApplicationFactory(user=user)
    page = user_client.get(application.get_absolute_url()).content.decode()
    assert "Add a person" in page
    response = user_client.post(
        reverse("reminders:people_add", args=[application.pk]),
        {**_people(Ada_Lovelace={}), "next": "https://evil.example/"},
    )
    assert response["Location"] == application.get_absolute_url()
    assert application.contacts.get().name == "Ada Lovelace"


def test_adding_nobody_or_a_bad_email_changes_nothing(user_client, user):
    application = ApplicationFactory(user=user)
    url = reverse("reminders:people_add", args=[application.pk])
    user_client.post(url, _people(**{"": {}}))
    response = user_client.post(url, _people(Ada={"email": "not an email"}))
    assert response.status_code == 200
    assert not application.contacts.exists()
