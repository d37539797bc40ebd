"""`make demo`: a full demo account, the same after every load."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from applications.models import Application, Company, Outcome, Rejection, Stage
from contacts.models import Interaction
from reminders.models import Reminder, ReminderStatus
from review.demo import DEMO_EMAIL, DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def _picture(user):
    applications = Application.objects.for_user(user)
    return {
        "applications": applications.count(),
        "companies": Company.objects.for_user(user).count(),
        "stages": set(applications.values_list("furthest_stage", flat=True)),
        "outcomes": set(applications.values_list("outcome", flat=True)),
        "letters": Rejection.objects.for_user(user).exclude(letter_text="").count(),
        "statuses": set(Reminder.objects.for_user(user).values_list("status", flat=True)),
        "interactions": Interaction.objects.for_user(user).count(),
    }


def test_the_demo_account_covers_every_stage_outcome_and_reminder_state(settings):
    settings.DEBUG = True
    before = timezone.now()
    call_command("demo")
    user = User.objects.get(email=DEMO_EMAIL)
    assert user.check_password(DEMO_PASSWORD)
    assert user.emailaddress_set.get().verified
    picture = _picture(user)
    assert 38 <= picture["applications"] <= 42
    assert picture["companies"] == 15
    assert picture["stages"] == set(Stage.values)
    assert {Outcome.OPEN, Outcome.REJECTED, Outcome.GHOSTED} <= picture["outcomes"]
    assert picture["letters"] == 12
    assert picture["statuses"] == set(ReminderStatus.values)
    assert picture["interactions"] > 0
    due_soon = Reminder.objects.for_user(user).filter(
        status=ReminderStatus.SCHEDULED,
        due_at__gte=before + datetime.timedelta(seconds=30),
        due_at__lte=timezone.now() + datetime.timedelta(seconds=90),
    )
    assert due_soon.count() == 3


def test_loading_the_demo_twice_gives_the_same_account(settings):
    settings.DEBUG = True
    call_command("demo")
    first = _picture(User.objects.get(email=DEMO_EMAIL))
    call_command("demo")
    assert User.objects.filter(email=DEMO_EMAIL).count() == 1
    assert _picture(User.objects.get(email=DEMO_EMAIL)) == first


def test_the_demo_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("demo")
    assert not User.objects.exists()
    call_command("demo", force=True)
    assert User.objects.filter(email=DEMO_EMAIL).exists()


def test_the_demo_leaves_other_users_alone(settings, user):
    settings.DEBUG = True
    call_command("demo")
    call_command("demo")
    assert User.objects.filter(pk=user.pk).exists()
