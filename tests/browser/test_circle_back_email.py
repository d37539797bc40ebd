"""A circle-back email delivered through a real SMTP server, opened in a real
browser; and every page of the reminders area under axe-core and the CSP."""

import datetime
import email
import re
import socket
import uuid
from email import policy
from html import unescape

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone
from django.utils.formats import date_format

from reminders import links
from reminders.models import Reminder, ReminderStatus
from tests.browser.conftest import assert_no_horizontal_scroll
from tests.factories import ReminderFactory, UserFactory
from tests.reminders.helpers import log_rejection, log_with_insiders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Mailbox:
    """An aiosmtpd handler that keeps every accepted message, raw."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield mailbox
    controller.stop()


def deliver(reminder) -> str:
    """Claim the reminder as a sweep would and run the engine's send path."""
    from reminders.engine import reminder_send

    token = uuid.uuid4()
    now = timezone.now()
    Reminder.objects.filter(pk=reminder.pk).update(
        status=ReminderStatus.SENDING,
        claim_token=token,
        claimed_at=now,
        lease_expires_at=now + datetime.timedelta(minutes=10),
    )
    return reminder_send(reminder_id=reminder.pk, token=token)


def test_a_delivered_emails_snooze_link_confirms_and_shows_the_new_due_date(
    page, live_server, settings, smtp_server, axe_check
):
    settings.BASE_URL = live_server.url
    user = UserFactory(time_zone="Europe/Paris", email="jo@seeker.example")
    today = timezone.localdate(timezone=user.zone)
    reminder = log_with_insiders(user).reminder
    reminder = log_rejection(
        user, company="Globex", received_on=today - datetime.timedelta(days=30)
    ).reminder
    assert reminder.due_date == today

    assert deliver(reminder) == "sent"
    (message,) = smtp_server.messages
    assert message["Subject"] == "Time to circle back with Globex"
    assert message["To"] == "jo@seeker.example"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    snooze = unescape(re.search(r'<a href="([^"]+)"[^>]*>Snooze 2 weeks</a>', html).group(1))
    assert snooze.startswith(f"{live_server.url}/reminders/email/")
    assert snooze in text

    # Opened on a phone where the user is not signed in: the link authenticates.
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(snooze)
    page.get_by_role("heading", name="Snooze this circle-back for 2 weeks?").wait_for()
    axe_check(page)
    assert_no_horizontal_scroll(page)
    new_day = date_format(today + datetime.timedelta(weeks=2), "j M Y")
    assert page.get_by_text(f"Ajar will remind you again on {new_day}.").is_visible()
    page.get_by_role("button", name="Confirm snooze").click()
    page.get_by_role("heading", name="Snoozed").wait_for()
    assert page.get_by_text(f"New due date: {new_day}.").is_visible()
    axe_check(page)

    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SCHEDULED
    assert reminder.due_date == today + datetime.timedelta(weeks=2)
    assert reminder.due_at.astimezone(user.zone).time() == datetime.time(9, 0)
    assert reminder.occurrence == 2

    # The same link again: nothing changes, and the page says it was snoozed.
    page.goto(snooze)
    page.get_by_role("heading", name="Snoozed since this email").wait_for()
    axe_check(page)
    reminder.refresh_from_db()
    assert reminder.due_date == today + datetime.timedelta(weeks=2)


def test_the_reminders_pages_pass_axe_and_the_csp_at_phone_width(
    page, live_server, settings, login, axe_check
):
    settings.BASE_URL = live_server.url
    user = UserFactory()
    insiders = log_with_insiders(user).reminder
    failed = ReminderFactory(user=user)
    Reminder.objects.filter(pk=failed.pk).update(
        status=ReminderStatus.FAILED, last_error="550 5.1.1 mailbox unavailable"
    )
    done = ReminderFactory(user=user)
    Reminder.objects.filter(pk=done.pk).update(status=ReminderStatus.DONE)

    page.set_viewport_size({"width": 375, "height": 740})
    # The public link pages first, signed out.
    page.goto(live_server.url + links.action_url(insiders, "done").removeprefix(live_server.url))
    page.get_by_role("heading", name="Circled back with Acme?").wait_for()
    axe_check(page)
    assert_no_horizontal_scroll(page)
    page.goto(f"{live_server.url}/reminders/email/not-a-token/")
    page.get_by_role("heading", name="This link is not valid").wait_for()
    axe_check(page)
    page.goto(links.unsubscribe_url(user))
    page.get_by_role("heading", name="Stop reminder emails?").wait_for()
    axe_check(page)
    page.get_by_role("button", name="Turn reminder emails off").click()
    page.get_by_role("heading", name="Reminder emails are off").wait_for()
    axe_check(page)

    login(page, user)
    page.goto(f"{live_server.url}/reminders/")
    page.get_by_role("heading", name="Reminders", exact=True).wait_for()
    assert page.get_by_text("A circle-back email could not be sent.").is_visible()
    assert page.get_by_text("550 5.1.1 mailbox unavailable").is_visible()
    assert page.get_by_text("Reminder emails are off: due reminders show here only.").is_visible()
    axe_check(page)
    assert_no_horizontal_scroll(page)

    page.goto(f"{live_server.url}/reminders/{insiders.pk}/done/")
    page.get_by_label("Priya Raman · Hiring manager").check()
    axe_check(page)
    assert_no_horizontal_scroll(page)
    page.get_by_role("button", name="Mark as done").click()
    page.get_by_text("Done. Nice work circling back.").wait_for()

    page.goto(f"{live_server.url}/settings/")
    note = page.get_by_label("Note template")
    note.fill("Hello {first_name}, still keen on {company}. {my_name}")
    page.locator("#note-preview").get_by_text("Hello Sam, still keen on").wait_for()
    assert page.get_by_text("No reminder email has been delivered yet.").is_visible()
    axe_check(page)
    assert_no_horizontal_scroll(page)

    # Acknowledging the failure removes the banner from every page.
    page.get_by_role("button", name="Acknowledge").click()
    page.get_by_role("heading", name="Settings").wait_for()
    assert page.get_by_text("A circle-back email could not be sent.").count() == 0
