"""Every model's QuerySet has for_user(user), and it sees only that user's rows."""

import pytest

from applications.models import Application, Attachment, Company, Rejection, StageEvent
from contacts.models import Contact, Interaction
from reminders.models import Reminder, ReminderSettings
from reminders.services import reminder_schedule
from tests.factories import (
    ApplicationFactory,
    ContactFactory,
    InteractionFactory,
    RejectionFactory,
)

pytestmark = pytest.mark.django_db


def _seed(owner):
    application = ApplicationFactory(user=owner)
    rejection = RejectionFactory(application=application)
    Attachment.objects.create(
        user=owner,
        rejection=rejection,
        filename="l.pdf",
        content_type="application/pdf",
        size=5,
        data=b"%PDF-",
    )
    ContactFactory(user=owner, company=application.company)
    InteractionFactory(user=owner)
    reminder_schedule(
        user=owner,
        application=application,
        rejection=rejection,
        kind="rejected",
        counted_from=rejection.received_on,
    )


@pytest.mark.parametrize(
    "model",
    [
        Company,
        Application,
        StageEvent,
        Rejection,
        Attachment,
        Contact,
        Interaction,
        Reminder,
        ReminderSettings,
    ],
)
def test_for_user_returns_only_the_users_rows(user, other_user, model):
    _seed(user)
    _seed(other_user)
    mine = model.objects.for_user(user)
    assert mine.count() >= 1
    assert model.objects.for_user(other_user).count() == mine.count()
    assert not set(mine.values_list("pk", flat=True)) & set(
        model.objects.for_user(other_user).values_list("pk", flat=True)
    )
