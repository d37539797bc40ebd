"""Interview times the database or the page could not hold."""

import pytest
from django.urls import reverse

from tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize("moment", ["9999-12-31T23:59", "0001-01-01T00:00"])
@pytest.mark.parametrize("zone", ["America/New_York", "Pacific/Kiritimati"])
def test_an_interview_time_at_the_edge_of_the_calendar_is_a_field_error(client, moment, zone):
    user = factories.UserFactory(time_zone=zone)
    client.force_login(user)
    application = factories.ApplicationFactory(user=user)
    response = client.post(
        reverse("applications:move", kwargs={"pk": application.pk}),
        {"stage": "30", "occurred_on": "2026-01-01", "scheduled_at": moment},
    )
    assert response.status_code == 200
    assert "scheduled_at" in response.context["form"].errors
    assert application.events.count() == 1
    assert client.get(application.get_absolute_url()).status_code == 200
