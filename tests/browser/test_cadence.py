"""The circle-back loop, complete, in a real browser under axe-core and the CSP:
each outcome, the cadence (thank-you, circle back, keep on radar, moved by a
conversation), the digest read from a real SMTP server with one of its links
confirmed, and the first-visit fixes."""

import datetime
import re
from html import unescape

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from applications.models import Outcome, Stage
from reminders import digest as digests
from reminders.models import Reminder, ReminderStatus, ReminderStep
from reminders.services import NewContact, rejection_log, reminder_settings_get
from tests.browser.conftest import assert_no_horizontal_scroll
from tests.browser.test_circle_back_email import smtp_server  # noqa: F401  (fixture)
from tests.factories import ApplicationFactory, ReminderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# --- Outcomes ----------------------------------------------------------------------------------


def test_each_outcome_is_recorded_with_a_date_and_undone(page, live_server, user, login, axe_check):
    declined = ApplicationFactory(user=user, role="Declined role", current_stage=Stage.ONSITE)
    accepted = ApplicationFactory(user=user, role="Accepted role")
    withdrawn = ApplicationFactory(user=user, role="Withdrawn role")
    login(page, user)

    # A declined offer, from the application page, keeping a circle-back.
    page.goto(f"{live_server.url}{declined.get_absolute_url()}")
    page.get_by_role("link", name="Offer or withdrawal").click()
    axe_check(page)
    assert_no_horizontal_scroll(page)
    page.get_by_label("I turned their offer down").check()
    page.get_by_label("Circle back with them later anyway").check()
    page.get_by_role("button", name="Record it").click()
    expect(page.get_by_text("Recorded: offer declined.")).to_be_visible()
    expect(page.get_by_role("heading", name="Move the stage")).to_have_count(0)
    expect(page.get_by_role("link", name="Undo the outcome")).to_be_visible()
    axe_check(page)
    reminder = Reminder.objects.get(application=declined)
    assert (reminder.kind, reminder.status) == ("declined", ReminderStatus.SCHEDULED)

    # Accepted, from the board's card (its move dialog).
    page.goto(f"{live_server.url}/applications/board/")
    page.locator(f"#card-{accepted.pk}").get_by_role("link", name="Move").click()
    page.get_by_role("dialog").get_by_role("link", name="Offer or withdrawal").click()
    page.get_by_label("I accepted their offer").check()
    page.get_by_role("button", name="Record it").click()
    expect(page.get_by_text("Recorded: offer accepted.")).to_be_visible()

    # Withdrawn, then undone: open again, with Move the stage back.
    page.goto(f"{live_server.url}{withdrawn.get_absolute_url()}")
    page.get_by_role("link", name="Offer or withdrawal").click()
    page.get_by_label("I withdrew").check()
    page.get_by_role("button", name="Record it").click()
    page.get_by_role("link", name="Reopen").click()
    axe_check(page)
    page.get_by_role("button", name="Undo it").click()
    expect(page.get_by_role("heading", name="Move the stage")).to_be_visible()
    for application, outcome in (
        (declined, Outcome.OFFER_DECLINED),
        (accepted, Outcome.OFFER_ACCEPTED),
        (withdrawn, Outcome.OPEN),
    ):
        application.refresh_from_db()
        assert application.outcome == outcome


# --- The cadence -------------------------------------------------------------------------------


def test_the_cadence_thank_you_then_circle_back_then_keep_on_radar(
    page, live_server, user, login, axe_check
):
    login(page, user)
    page.goto(f"{live_server.url}/applications/log-rejection/")
    page.get_by_label("Company").first.fill("Acme")
    page.get_by_label("Role", exact=True).fill("Staff Engineer")
    page.get_by_label("How far it got").select_option(str(Stage.FINAL_ROUND.value))
    page.locator("#id_new_contact-0-name").fill("Priya Raman")
    page.locator("#id_new_contact-0-email").fill("priya@acme.example")
    page.locator("#id_new_contact-0-wrote_letter").check()
    page.get_by_role("button", name=re.compile("Log")).first.click()
    expect(page.get_by_text("a nudge to thank Priya Raman")).to_be_visible()
    axe_check(page)

    page.goto(f"{live_server.url}/reminders/")
    thank_you = Reminder.objects.get(step=ReminderStep.THANK_YOU)
    card = page.locator(f"#reminder-{thank_you.pk}")
    expect(card.get_by_test_id("write-to")).to_contain_text("Write to Priya Raman")
    axe_check(page)
    assert_no_horizontal_scroll(page)
    card.get_by_role("button", name="Dismiss").click()
    circle_back = Reminder.objects.get(step=ReminderStep.CIRCLE_BACK)
    assert circle_back.status == ReminderStatus.SCHEDULED

    page.goto(f"{live_server.url}/reminders/{circle_back.pk}/done/")
    page.get_by_label(re.compile("Priya Raman")).check()
    page.get_by_role("button", name="Mark as done").click()
    page.goto(f"{live_server.url}/reminders/")
    radar = Reminder.objects.get(step=ReminderStep.KEEP_ON_RADAR)
    expect(page.locator(f"#reminder-{radar.pk}")).to_contain_text("Keep on your radar")
    axe_check(page)


def test_a_conversation_moves_the_circle_back_visibly_and_the_move_is_undone(
    page, live_server, user, login, axe_check
):
    result = rejection_log(
        user=user,
        company_name="Initech",
        role="Platform Engineer",
        stage_reached=Stage.ONSITE,
        received_on=timezone.localdate() - datetime.timedelta(days=20),
        new_contacts=[NewContact(name="Sam Insider", email="sam@initech.example")],
    )
    before = result.reminder.due_date
    login(page, user)
    page.goto(f"{live_server.url}{result.application.get_absolute_url()}")
    page.get_by_text("Log a conversation").click()
    page.get_by_label("Sam Insider").check()
    page.get_by_role("button", name="Log it").click()
    moved = page.get_by_test_id("moved")
    expect(moved).to_contain_text("Moved: you talked to them on")
    axe_check(page)
    assert Reminder.objects.get(pk=result.reminder.pk).due_date > before
    moved.get_by_role("button", name="Undo the move").click()
    expect(page.get_by_test_id("moved")).to_have_count(0)
    assert Reminder.objects.get(pk=result.reminder.pk).due_date == before


# --- The digest --------------------------------------------------------------------------------


def test_the_digest_from_a_real_smtp_server_and_one_of_its_links_confirmed(
    page,
    live_server,
    user,
    login,
    settings,
    smtp_server,  # noqa: F811
    axe_check,
):
    settings.BASE_URL = live_server.url
    settings_ = reminder_settings_get(user=user)
    settings_.digest_mode = "daily"
    settings_.send_time = (timezone.now() - datetime.timedelta(minutes=5)).time()
    settings_.save()
    at = timezone.now() - datetime.timedelta(minutes=10)
    items = [
        ReminderFactory(user=user, due_at=at, due_date=at.date(), next_attempt_at=at)
        for _ in range(2)
    ]
    result = digests.digest_sweep(now=timezone.now())
    ((digest_id, token),) = result.claimed
    assert digests.digest_send(digest_id=digest_id, token=token) == "sent"

    (message,) = smtp_server.messages
    assert message["Subject"] == "Today in Ajar: 2 doors to knock on"
    html = message.get_body(("html",)).get_content()
    snooze = [unescape(u) for u in re.findall(r'href="([^"]+)"', html) if "/reminders/email/" in u]
    assert len(snooze) == 2 * 5
    login(page, user)
    page.goto(snooze[1])  # the first item's one-week snooze
    axe_check(page)
    page.get_by_role("button", name="Confirm snooze").click()
    expect(page.get_by_text("New due date")).to_be_visible()
    statuses = {r.pk: r.status for r in Reminder.objects.filter(pk__in=[i.pk for i in items])}
    assert sorted(statuses.values()) == [ReminderStatus.SCHEDULED, ReminderStatus.SENT]


# --- First-visit rough edges -------------------------------------------------------------------


def test_first_visit_fixes(page, live_server, user, login, axe_check):
    for stage in Stage:
        ApplicationFactory(user=user, current_stage=stage, furthest_stage=stage)
    login(page, user)

    page.goto(f"{live_server.url}/welcome/")
    expect(page.get_by_label("Time zone")).to_have_count(0)
    expect(page.get_by_test_id("zone")).to_contain_text(user.time_zone)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/applications/board/")
    columns = page.locator("[data-board-column]")
    expect(columns).to_have_count(7)
    for i in range(7):
        box = columns.nth(i).bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 1280, f"column {i + 1} is off screen"
    axe_check(page)

    page.goto(f"{live_server.url}/applications/stats/")
    expect(page.get_by_test_id("saved-note")).to_contain_text("Not counted here: 1")
    expect(page.get_by_text("Threshold")).to_have_count(0)


def test_people_met_are_asked_for_after_logging_and_added_in_place(
    page, live_server, user, login, axe_check
):
    result = rejection_log(
        user=user,
        company_name="Globex",
        role="Data Engineer",
        stage_reached=Stage.INTERVIEW,
        received_on=timezone.localdate(),
    )
    login(page, user)
    page.goto(f"{live_server.url}/applications/{result.application.pk}/logged/")
    expect(page.get_by_role("heading", name="Who did you meet along the way?")).to_be_visible()
    axe_check(page)
    page.locator("#id_new_contact-0-name").fill("Hank Scorpio")
    page.get_by_role("button", name="Add another person").click()
    page.locator("#id_new_contact-1-name").fill("Frank Grimes")
    page.get_by_role("button", name="Add them").click()
    expect(page.get_by_text("Added 2 people.")).to_be_visible()

    page.goto(f"{live_server.url}{result.application.get_absolute_url()}")
    page.get_by_text("Add a person").click()
    page.locator("#id_new_contact-0-name").fill("Marge Bouvier")
    page.get_by_role("button", name="Add them").click()
    expect(page.get_by_role("link", name="Marge Bouvier")).to_be_visible()
    axe_check(page)
    assert_no_horizontal_scroll(page)
    assert result.application.contacts.count() == 3
