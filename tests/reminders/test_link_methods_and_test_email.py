"""HEAD on the email-link pages answers like GET and changes nothing; the test
email is throttled and never shows the mail server's own words."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from reminders import links
from reminders.models import ReminderSettings
from reminders.services import TEST_SENDS_PER_WINDOW, reminder_test_send
from tests.factories import UserFactory
from tests.reminders.helpers import log_with_insiders

pytestmark = pytest.mark.django_db


def _state(reminder):
    reminder.refresh_from_db()
    return (reminder.status, reminder.due_at, reminder.occurrence, reminder.updated_at)


def test_head_on_every_email_link_answers_like_get_and_changes_nothing(client, user):
    reminder = log_with_insiders(user).reminder
    before = _state(reminder)
    urls = [
        reverse("reminders:email_link", args=[links.action_token(reminder, links.DONE)]),
        reverse("reminders:email_link", args=[links.action_token(reminder, links.SNOOZE, 2)]),
        reverse("reminders:email_link", args=[links.action_token(reminder, links.DISMISS)]),
        reverse("reminders:unsubscribe", args=[links.unsubscribe_token(user)]),
    ]
    for url in urls:
        assert client.head(url).status_code == client.get(url).status_code == 200, url
    assert _state(reminder) == before
    assert ReminderSettings.objects.get(user=user).email_enabled


def test_the_test_email_is_throttled(user):
    for _ in range(TEST_SENDS_PER_WINDOW):
        reminder_test_send(user=user)
    with pytest.raises(ValidationError, match="wait a few minutes"):
        reminder_test_send(user=user)
    assert len(mail.outbox) == TEST_SENDS_PER_WINDOW
    # Per user: someone else is not held back.
    reminder_test_send(user=UserFactory())


def test_a_failed_test_email_shows_no_raw_smtp_error(user_client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    response = user_client.post(reverse("reminders:send_test"), follow=True)
    page = response.content.decode()
    assert "could not be sent" in page
    assert "Errno" not in page
    assert "Connection refused" not in page
    assert "127.0.0.1" not in page
