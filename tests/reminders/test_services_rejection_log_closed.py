"""An outcome is logged once: a second "never heard back" (a double-clicked
button, or a page opened before the first) is refused and changes nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from applications.models import Application, Outcome, Stage
from reminders.models import Reminder
from reminders.services import application_mark_ghosted, rejection_log, reminder_snooze
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def test_marking_ghosted_again_from_a_stale_page_is_refused_and_keeps_the_snooze(user):
    application = ApplicationFactory(user=user)
    stale = Application.objects.get(pk=application.pk)  # still open as the page saw it
    first = application_mark_ghosted(application=application, on=datetime.date(2026, 1, 5))
    snoozed = reminder_snooze(reminder=first.reminder, weeks=4)

    with pytest.raises(ValidationError):
        application_mark_ghosted(application=stale)

    reminder = Reminder.objects.get()
    assert (reminder.due_date, reminder.occurrence) == (snoozed.due_date, snoozed.occurrence)
    assert Application.objects.get().outcome == Outcome.GHOSTED


def test_a_rejection_for_an_application_marked_ghosted_meanwhile_is_refused(user):
    application = ApplicationFactory(user=user)
    stale = Application.objects.get(pk=application.pk)
    application_mark_ghosted(application=application)
    with pytest.raises(ValidationError):
        rejection_log(user=user, application=stale, stage_reached=Stage.SCREEN)
    assert Application.objects.get().outcome == Outcome.GHOSTED
