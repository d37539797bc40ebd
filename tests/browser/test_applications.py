"""Managing an application in the browser: the list's filters and empty states,
correcting the history, editing and undoing a rejection, deleting; axe-core on
every page and no sideways scroll at phone width."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from applications.models import Application, Stage
from applications.services import application_move
from reminders.models import Reminder
from reminders.services import rejection_log
from tests.browser.conftest import assert_no_horizontal_scroll
from tests.factories import ApplicationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_user_corrects_the_history_edits_and_undoes_a_rejection_then_deletes(
    page, live_server, user, login, axe_check
):
    application = ApplicationFactory(user=user, role="Platform engineer")
    designer = ApplicationFactory(user=user, role="Designer")
    application_move(
        application=application, stage=Stage.ONSITE, occurred_on=datetime.date(2026, 1, 20)
    )
    rejection_log(
        user=user,
        application=application,
        stage_reached=Stage.ONSITE,
        received_on=datetime.date(2026, 2, 1),
    )
    page.set_viewport_size({"width": 375, "height": 667})
    login(page, user)

    def check(path):
        # A click starts its page load without waiting for it: check the page
        # the click leads to, once it is there.
        expect(page).to_have_url(re.compile(path + r"(\?.*)?$"))
        page.wait_for_load_state()
        axe_check(page)
        assert_no_horizontal_scroll(page)

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("button", name="Toggle navigation").click()
    nav.get_by_role("link", name="Applications", exact=True).click()
    check(r"/applications/")

    # Search and filters; an empty result names the way out.
    page.get_by_text("Search and filter").click()
    page.get_by_label("Search", exact=True).fill("platform")
    page.get_by_label("Outcome").select_option(label="Rejected")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".application-list li")).to_have_count(1)
    check(r"/applications/")
    page.get_by_label("Search", exact=True).fill("astronaut")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("No application matches these filters.")).to_be_visible()
    check(r"/applications/")
    page.get_by_role("link", name="Clear the filters").first.click()
    # Closed again, the filters were fetched when opened: their company picker
    # searches on the server like any other.
    page.get_by_text("Search and filter").click()
    # Typed in once htmx has settled the fetched form (a person takes longer).
    expect(page.locator(".filters-body form")).to_have_count(1)
    expect(page.locator(".htmx-settling")).to_have_count(0)
    page.get_by_placeholder("Search your companies").fill(designer.company.name)
    company = page.get_by_label("Company", exact=True)
    expect(company.locator("option", has_text=designer.company.name)).to_have_count(1)
    company.select_option(label=designer.company.name)
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".application-list li")).to_have_count(1)
    expect(page.get_by_role("link", name="Designer")).to_be_visible()
    page.get_by_role("link", name="Clear the filters").first.click()
    page.get_by_role("link", name="Platform engineer").click()
    check(rf"/applications/{application.pk}/")

    # Correct the onsite step: it was an interview.
    page.get_by_role("link", name="Correct Onsite").click()
    check(r"/applications/events/\d+/edit/")
    page.get_by_label("Stage").select_option(label="Interview")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#current-stage")).to_have_text("Interview")

    # Edit the rejection: a later date moves the circle-back.
    page.get_by_role("link", name="Edit the rejection").click()
    check(rf"/applications/{application.pk}/rejection/edit/")
    page.get_by_label("Date received").fill("2026-02-10")
    page.get_by_label("Circle back after (days)").fill("14")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Rejection saved.")).to_be_visible()
    assert Reminder.objects.get(application=application).due_date == datetime.date(2026, 2, 24)

    # Undo it: open again, the circle-back cancelled.
    page.get_by_role("link", name="Undo the rejection").click()
    check(rf"/applications/{application.pk}/reopen/")
    page.get_by_role("button", name="Undo it").click()
    expect(page.get_by_role("link", name="Log the rejection")).to_be_visible()
    check(rf"/applications/{application.pk}/")

    # Remove the corrected step, then edit and delete the application.
    page.get_by_role("link", name="Remove Interview").click()
    check(r"/applications/events/\d+/delete/")
    page.get_by_role("button", name="Remove it").click()
    expect(page.locator("#current-stage")).to_have_text("Applied")
    page.get_by_role("link", name="Edit", exact=True).click()
    check(rf"/applications/{application.pk}/edit/")
    page.get_by_label("Notes").fill("Ask about the <platform> team")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Ask about the <platform> team")).to_be_visible()
    page.get_by_role("link", name="Delete").click()
    check(rf"/applications/{application.pk}/delete/")
    page.get_by_role("button", name="Delete it").click()
    expect(page.get_by_text("Application deleted.")).to_be_visible()
    assert not Application.objects.filter(pk=application.pk).exists()


def test_empty_lists_name_the_next_action(page, live_server, user, login, axe_check):
    login(page, user)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Applications", exact=True
    ).click()
    expect(page.get_by_text("No applications yet.")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Add your first application").click()
    page.wait_for_url("**/applications/new/")
    axe_check(page)
