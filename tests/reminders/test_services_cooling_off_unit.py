"""AJAR_COOLING_OFF_UNIT_SECONDS (testing only) makes a cooling-off day last
seconds, so make prod-check sees a circle-back arrive within minutes."""

import datetime

import pytest
from django.utils import timezone

from tests.reminders.helpers import log_rejection

pytestmark = pytest.mark.django_db


def test_by_default_a_cooling_off_day_is_a_calendar_day(user):
    reminder = log_rejection(user, cooling_off_days=1).reminder
    assert reminder.due_date == datetime.date(2026, 2, 2)


def test_with_a_unit_of_60_seconds_one_day_of_cooling_off_is_a_minute(user, settings):
    settings.AJAR_COOLING_OFF_UNIT_SECONDS = 60
    before = timezone.now()
    reminder = log_rejection(user, cooling_off_days=1, received_on=timezone.localdate()).reminder
    after = timezone.now()
    span = datetime.timedelta(seconds=60)
    assert before + span <= reminder.due_at <= after + span
    assert reminder.next_attempt_at == reminder.due_at
