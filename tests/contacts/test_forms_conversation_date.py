"""A conversation is something that happened: its date is not in the future,
or "last contacted" would claim a talk that has not taken place."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Interaction
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_a_conversation_dated_tomorrow_is_a_field_error_and_saves_nothing(user_client, user):
    contact = ContactFactory(user=user)
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)
    response = user_client.post(
        reverse("contacts:log_interaction"),
        {"occurred_on": tomorrow.isoformat(), "channel": "email", "contacts": [contact.pk]},
    )
    assert response.status_code == 400
    assert "occurred_on" in response.context["form"].errors
    assert not Interaction.objects.exists()


def test_a_conversation_dated_today_is_logged(user_client, user):
    contact = ContactFactory(user=user)
    response = user_client.post(
        reverse("contacts:log_interaction"),
        {"occurred_on": timezone.localdate().isoformat(), "channel": "email",
         "contacts": [contact.pk]},
    )  # fmt: skip
    assert response.status_code == 302
    assert Interaction.objects.get().contacts.get() == contact
