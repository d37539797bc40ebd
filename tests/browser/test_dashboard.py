"""The dashboard in a real browser: day one, and acting on an item."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from applications.models import Outcome
from reminders.models import Reminder, ReminderKind
from tests.browser.conftest import assert_no_horizontal_scroll
from tests.factories import ApplicationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_day_one_says_what_to_do_first(page, live_server, user, login, axe_check):
    page.set_viewport_size({"width": 375, "height": 667})
    login(page, user)
    expect(page.get_by_role("heading", name="Start here")).to_be_visible()
    expect(page.get_by_role("link", name="Log your first rejection")).to_be_visible()
    assert_no_horizontal_scroll(page)
    axe_check(page)


def test_marking_a_quiet_application_as_ghosted_schedules_its_circle_back(
    page, live_server, user, login, axe_check
):
    long_ago = timezone.localdate() - datetime.timedelta(days=40)
    quiet = ApplicationFactory(user=user, role="Quiet role", applied_on=long_ago)
    login(page, user)
    expect(page.get_by_role("heading", name="No news for a while")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name=f"Mark {quiet} as ghosted").click()
    expect(page.get_by_text("is marked as ghosted")).to_be_visible()
    expect(page.get_by_text("Nothing has gone quiet.")).to_be_visible()
    quiet.refresh_from_db()
    assert quiet.outcome == Outcome.GHOSTED
    assert Reminder.objects.get(application=quiet).kind == ReminderKind.GHOSTED
    recent = page.get_by_role("region", name="Recent rejections")
    expect(recent.get_by_role("link", name="Quiet role")).to_be_visible()
    expect(recent).to_contain_text("Ghosted")
    axe_check(page)


def test_a_due_circle_back_leads_to_logging_the_conversation(
    page, live_server, user, login, axe_check
):
    from contacts.models import Contact
    from tests.factories import ContactFactory, ReminderFactory

    reminder = ReminderFactory(user=user)
    application = reminder.application
    insider = ContactFactory(user=user, company=application.company, name="Rita Recruiter")
    ContactFactory(user=user, name="Elsewhere Person")
    login(page, user)
    item = page.get_by_role("region", name="Circle back").locator(".dashboard-item")
    expect(item).to_contain_text("1 insider to write to.")
    item.get_by_role("link", name="Log a conversation").click()
    expect(page.get_by_label("Elsewhere Person")).to_have_count(0)
    axe_check(page)
    page.get_by_label("Rita Recruiter").check()
    page.get_by_label("Summary").fill("Asked to be considered for the next opening")
    page.get_by_role("button", name="Log it").click()
    expect(page.get_by_text("Conversation logged.")).to_be_visible()
    assert page.url.rstrip("/") == live_server.url
    last = Contact.objects.with_last_contacted().get(pk=insider.pk).last_contacted_on
    assert last == timezone.localdate()
    assert insider.interactions.get().application == application
