"""The applied-again role from the Reminders page."""

import pytest
from django.urls import reverse

from tests import factories


@pytest.mark.django_db
def test_a_nul_byte_in_the_applied_again_role_is_refused_and_nothing_is_saved(user_client, user):
    from applications.models import Application
    from reminders.models import ReminderStatus

    reminder = factories.ReminderFactory(user=user, status=ReminderStatus.DONE)
    before = Application.objects.count()
    response = user_client.post(
        reverse("reminders:reapply", kwargs={"pk": reminder.pk}), {"role": "a\x00b"}
    )
    assert response.status_code == 302
    assert Application.objects.count() == before
    reminder.refresh_from_db()
    assert reminder.reapplication_id is None
    from django.contrib.messages import get_messages

    assert any("Null characters" in str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.django_db
def test_a_role_over_200_characters_is_refused(user_client, user):
    from reminders.models import ReminderStatus

    reminder = factories.ReminderFactory(user=user, status=ReminderStatus.DONE)
    user_client.post(reverse("reminders:reapply", kwargs={"pk": reminder.pk}), {"role": "x" * 201})
    reminder.refresh_from_db()
    assert reminder.reapplication_id is None
