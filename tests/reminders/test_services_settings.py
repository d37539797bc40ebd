"""The Settings page saves the name and the reminder settings as one."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from reminders.models import ReminderSettings
from reminders.services import user_settings_update

pytestmark = pytest.mark.django_db

SETTINGS = {"send_time": datetime.time(8, 30), "email_enabled": True, "time_zone": "Europe/Paris"}


def test_the_name_and_the_settings_are_saved_together(user):
    user_settings_update(user=user, name="  Ada   Lovelace ", cooling_off_days=45, **SETTINGS)
    user.refresh_from_db()
    assert (user.name, user.time_zone) == ("Ada Lovelace", "Europe/Paris")
    assert ReminderSettings.objects.get(user=user).cooling_off_days == 45


def test_a_refused_setting_leaves_the_name_as_it_was(user):
    before = user.name
    with pytest.raises(ValidationError):
        user_settings_update(user=user, name="Someone Else", cooling_off_days=0, **SETTINGS)
    user.refresh_from_db()
    assert user.name == before
