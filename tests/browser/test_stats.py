"""The stats page in a real browser: demo-like data, desktop and phone width,
axe-core and the Content-Security-Policy (the `page` fixture fails on a violation)."""

import datetime
import os

import pytest

from applications.models import Channel, Source, Stage
from applications.services import application_create, application_move
from reminders.services import rejection_log, reminder_reapply
from tests.browser.conftest import assert_no_horizontal_scroll
from tests.factories import CompanyFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LETTER = "Thank you for the time you gave us. The team enjoyed meeting you."
SCREENSHOTS = os.environ.get("AJAR_SCREENSHOTS")  # a folder, to look at the charts


def seed_demo_like(user):
    """A few months of a search: sources, stages, outcomes and a circle-back."""
    start = datetime.date(2026, 6, 1)
    sources = [Source.REFERRAL, Source.JOB_BOARD, Source.RECRUITER, Source.COMPANY_SITE]
    stages = [Stage.APPLIED, Stage.SCREEN, Stage.INTERVIEW, Stage.ONSITE, Stage.FINAL_ROUND]
    for i in range(24):
        applied = start + datetime.timedelta(days=3 * i)
        company = CompanyFactory(user=user, name=f"Northwind {i} Trading Company International")
        application = application_create(
            user=user,
            company=company,
            role="Senior platform engineer",
            occurred_on=applied,
            source=sources[i % 4],
        )
        furthest = stages[i % 5]
        for step, stage in enumerate(s for s in stages if Stage.APPLIED < s <= furthest):
            application_move(
                application=application,
                stage=stage,
                occurred_on=applied + datetime.timedelta(days=5 * (step + 1)),
            )
        if i % 3 == 0:
            continue  # still open
        result = rejection_log(
            user=user,
            application=application,
            stage_reached=furthest,
            received_on=applied + datetime.timedelta(days=30),
            channel=[Channel.EMAIL, Channel.LETTER, Channel.PORTAL][i % 3],
            letter_text=LETTER if i % 2 else "",
            ghosted=i % 7 == 0,
        )
        if i == 4:
            reminder_reapply(reminder=result.reminder, applied_on=datetime.date(2026, 9, 20))


def test_the_stats_page_at_desktop_width(page, live_server, user, login, axe_check):
    seed_demo_like(user)
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, user)
    page.goto(f"{live_server.url}/applications/stats/")
    assert page.get_by_role("heading", name="How far each application got").is_visible()
    assert page.get_by_role("img", name="Funnel of closed applications").is_visible()
    assert page.get_by_role("heading", name="Circle-backs that paid off").is_visible()
    # Every chart has its numbers as a table, one click away.
    page.get_by_text("Show the numbers").first.click()
    assert page.get_by_role("table", name="Funnel of closed applications").is_visible()
    axe_check(page)
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/stats-desktop.png", full_page=True)


def test_the_stats_page_at_phone_width(page, live_server, user, login, axe_check):
    seed_demo_like(user)
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, user)
    page.goto(f"{live_server.url}/applications/stats/")
    for summary in page.get_by_text("Show the numbers").all():
        summary.click()
    assert_no_horizontal_scroll(page)
    axe_check(page)
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/stats-phone.png", full_page=True)
        page.locator(".insights").screenshot(path=f"{SCREENSHOTS}/stats-phone-insights.png")
        for i, card in enumerate(page.locator(".stats-card").all()):
            card.screenshot(path=f"{SCREENSHOTS}/stats-phone-card{i}.png")


def test_filters_and_the_search_start_from_the_page(page, live_server, user, login):
    seed_demo_like(user)
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, user)
    page.goto(f"{live_server.url}/applications/stats/")
    page.get_by_label("Source", exact=True).select_option("recruiter")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**source=recruiter**")
    assert page.locator(".stats-summary dd").first.inner_text() == "6"

    page.get_by_label("Search started on").fill("2026-08-01")
    page.get_by_role("button", name="Save the start").click()
    page.get_by_text("Search start saved.").wait_for()
    assert "source=recruiter" in page.url
    user.refresh_from_db()
    assert user.search_started_on == datetime.date(2026, 8, 1)
    assert_no_horizontal_scroll(page)
