import datetime

import pytest

from applications.models import Stage
from applications.services import application_move
from reminders.services import rejection_log
from review.selectors import application_timeline, reminder_of
from tests.factories import ApplicationFactory, InteractionFactory

pytestmark = pytest.mark.django_db


def test_the_timeline_orders_stages_interactions_the_rejection_and_the_circle_back(user):
    application = ApplicationFactory(user=user, applied_on=datetime.date(2026, 1, 5))
    application_move(
        application=application, stage=Stage.INTERVIEW, occurred_on=datetime.date(2026, 1, 20)
    )
    InteractionFactory(user=user, application=application, occurred_on=datetime.date(2026, 1, 10))
    rejection_log(
        user=user,
        application=application,
        stage_reached=Stage.INTERVIEW,
        received_on=datetime.date(2026, 2, 1),
    )
    timeline = application_timeline(application, reminder=reminder_of(application))
    assert [(e.on.isoformat(), e.kind) for e in timeline] == [
        ("2026-01-05", "stage"),
        ("2026-01-10", "interaction"),
        ("2026-01-20", "stage"),
        ("2026-02-01", "rejection"),
        ("2026-03-03", "reminder"),
    ]


def test_a_ghosted_application_shows_the_silence_instead_of_a_rejection(user):
    application = ApplicationFactory(user=user)
    rejection_log(
        user=user,
        application=application,
        stage_reached=Stage.APPLIED,
        received_on=datetime.date(2026, 2, 1),
        ghosted=True,
    )
    application.refresh_from_db()
    kinds = [e.kind for e in application_timeline(application, reminder=None)]
    assert kinds == ["stage", "ghosted"]
