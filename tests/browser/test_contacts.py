"""Contacts and companies in a real browser: merge two, log a conversation."""

import re
import time

import pytest
from playwright.sync_api import expect

from contacts.models import Contact, Interaction
from tests.browser.conftest import assert_no_horizontal_scroll
from tests.factories import ApplicationFactory, CompanyFactory, ContactFactory, ConversationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_merging_two_contacts_keeps_their_conversations(page, live_server, user, login, axe_check):
    acme = CompanyFactory(user=user, name="Acme")
    keep = ContactFactory(user=user, company=acme, name="Ada Lovelace", email="")
    duplicate = ContactFactory(user=user, company=acme, name="Ada L.", email="ada@acme.example")
    ConversationFactory(user=user, contacts=[duplicate], summary="Coffee with Ada")
    login(page, user)
    page.get_by_role("link", name="Contacts", exact=True).click()
    axe_check(page)
    page.get_by_role("link", name="Ada Lovelace").click()
    expect(page.get_by_test_id("last-contacted")).to_have_text("Never")
    axe_check(page)
    page.get_by_role("link", name="Merge a duplicate").click()
    axe_check(page)
    # Focusing the box fetches the first contacts; pick only from the answer to
    # the words typed, or that later answer replaces the options under the pick.
    with page.expect_response(lambda response: "term=Ada" in response.url):
        page.get_by_placeholder("Search your contacts").fill("Ada L.")
    picker = page.get_by_label("Duplicate to fold into this contact")
    expect(picker.locator(f'option[value="{duplicate.pk}"]')).to_have_count(1)
    picker.select_option(str(duplicate.pk))
    page.get_by_role("button", name="Merge").click()
    expect(page.get_by_text("Merged Ada L. into Ada Lovelace")).to_be_visible()
    expect(page.get_by_text("Coffee with Ada")).to_be_visible()
    expect(page.get_by_role("link", name="ada@acme.example")).to_be_visible()
    assert not Contact.objects.filter(pk=duplicate.pk).exists()
    assert Interaction.objects.get().contacts.get() == keep


def test_logging_a_conversation_moves_last_contacted(page, live_server, user, login, axe_check):
    application = ApplicationFactory(user=user, role="Data engineer")
    ContactFactory(user=user, company=application.company, name="Grace Insider", email="")
    page.set_viewport_size({"width": 375, "height": 667})
    login(page, user)
    page.goto(f"{live_server.url}/contacts/")
    row = page.get_by_role("row", name="Grace Insider")
    expect(row.locator(".last-contacted")).to_have_text("Never")
    assert_no_horizontal_scroll(page)
    row.get_by_role("link", name=application.company.name).click()
    axe_check(page)
    assert_no_horizontal_scroll(page)
    page.get_by_text("Log a conversation").click()
    page.get_by_label("Grace Insider").check()
    page.get_by_label("Date").fill("2026-03-02")
    page.get_by_label("Summary").fill("Asked about the platform team")
    page.get_by_role("button", name="Log it").click()
    expect(page.get_by_text("Conversation logged.")).to_be_visible()
    expect(page.get_by_text("Asked about the platform team")).to_be_visible()
    expect(page.get_by_text("Last contacted 2 Mar 2026")).to_be_visible()
    page.goto(f"{live_server.url}/contacts/")
    expect(page.get_by_role("row", name="Grace Insider").locator(".last-contacted")).to_have_text(
        "2 Mar 2026"
    )


def test_contact_and_company_forms_pass_axe(page, live_server, user, login, axe_check):
    acme = CompanyFactory(user=user, name="Acme")
    ApplicationFactory(user=user, company=acme)
    login(page, user)
    page.get_by_role("link", name="Companies", exact=True).click()
    axe_check(page)
    page.get_by_role("link", name="Acme").click()
    page.get_by_role("link", name="Add a contact").click()
    axe_check(page)
    page.get_by_label("Name").fill("Nobody Emailless")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Added Nobody Emailless.")).to_be_visible()
    page.get_by_role("link", name="Delete", exact=True).click()
    axe_check(page)
    page.get_by_role("link", name="Keep").click()
    page.get_by_role("link", name="Acme").click()
    page.get_by_role("link", name="Delete this company…").click()
    expect(page.get_by_text("1 contact", exact=True)).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Delete for good").click()
    expect(page.get_by_text("Deleted “Acme”.")).to_be_visible()
    page.goto(f"{live_server.url}/contacts/conversations/new/")
    axe_check(page)
    page.goto(f"{live_server.url}/applications/board/column/?stage=20&offset=0")
    axe_check(page)


def test_logging_a_conversation_from_the_application_page(
    page, live_server, user, login, axe_check
):
    application = ApplicationFactory(user=user, role="Platform engineer")
    insider = ContactFactory(user=user, company=application.company, name="Lin Insider", email="")
    insider.applications.add(application)
    login(page, user)
    page.get_by_role("link", name="Applications", exact=True).click()
    page.get_by_role("link", name="Platform engineer").click()
    axe_check(page)
    page.get_by_text("Log a conversation").click()
    # The page has a second date field (moving the stage): fill this form's own.
    form = page.locator("form", has=page.get_by_role("button", name="Log it"))
    form.get_by_label("Lin Insider").check()
    form.get_by_label("Date").fill("2026-03-04")
    form.get_by_label("Summary").fill("Caught up about the new team")
    form.get_by_role("button", name="Log it").click()
    expect(page.get_by_text("Conversation logged.")).to_be_visible()
    assert page.url.rstrip("/").endswith(f"/applications/{application.pk}")
    expect(page.get_by_text("Caught up about the new team")).to_be_visible()
    page.get_by_role("link", name="Lin Insider").first.click()
    expect(page.get_by_test_id("last-contacted")).to_have_text("4 Mar 2026")
    interaction = Interaction.objects.get()
    assert interaction.application == application
    assert list(interaction.contacts.all()) == [insider]


def test_met_during_is_searched_ticked_with_the_keyboard_and_saved(
    page, live_server, user, login, axe_check
):
    acme = CompanyFactory(user=user, name="Acme")
    globex = CompanyFactory(user=user, name="Globex")
    for i in range(25):
        ApplicationFactory(user=user, company=acme, role=f"Filler role {i:02}")
    platform = ApplicationFactory(user=user, company=globex, role="Platform engineer")
    data = ApplicationFactory(user=user, company=globex, role="Data engineer")
    ApplicationFactory(company=CompanyFactory(name="Globex elsewhere"), role="Other engineer")
    contact = ContactFactory(user=user, company=globex, name="Grace Insider", email="")
    login(page, user)
    page.goto(f"{live_server.url}/contacts/{contact.pk}/edit/")
    met = page.get_by_role("group", name="Met during")
    # Bounded: the 20 newest, not the 27 applications of the account.
    expect(met.get_by_role("checkbox")).to_have_count(20)
    axe_check(page)
    search = met.get_by_role("searchbox", name="Search your applications")
    search.fill("globex engineer")
    expect(met.get_by_role("checkbox")).to_have_count(2)
    expect(met.get_by_role("status")).to_contain_text("2 shown for “globex engineer”")
    # From the box, Tab reaches the first match (the newest) and Space ticks it.
    search.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(met.get_by_role("checkbox", name="Data engineer at Globex")).to_be_checked()
    met.get_by_role("checkbox", name="Platform engineer at Globex").check()
    expect(met.get_by_role("checkbox", checked=True)).to_have_count(2)
    # A new search keeps what is ticked.
    search.fill("filler role 03")
    expect(met.get_by_role("checkbox")).to_have_count(3)
    expect(met.get_by_role("checkbox", checked=True)).to_have_count(2)
    axe_check(page)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Grace Insider")).to_be_visible()
    assert set(contact.applications.all()) == {platform, data}
    page.goto(f"{live_server.url}/contacts/{contact.pk}/edit/")
    expect(met.get_by_role("checkbox", checked=True)).to_have_count(2)
    expect(met.get_by_role("checkbox", name="Platform engineer at Globex")).to_be_checked()


def _held_search(page, term):
    """Hold the picker searches for `term` (URL-encoded) in the network until
    released: the routes caught, filled in as the browser asks."""
    page.unroute_all()
    held = []

    def hold(route):
        held.append(route)

    page.route(lambda url: f"term={term}&" in url or url.endswith(f"term={term}"), hold)
    return held


def _wait_for(page, condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        page.wait_for_timeout(20)


def test_a_pick_made_while_a_search_is_answered_is_kept(page, live_server, user, login):
    acme = CompanyFactory(user=user, name="Acme")
    keep = ContactFactory(user=user, company=acme, name="Ada Lovelace", email="")
    duplicate = ContactFactory(user=user, company=acme, name="Ada L.", email="")
    bob = ContactFactory(user=user, company=acme, name="Bob Builder", email="")
    ContactFactory(user=user, company=acme, name="Carol Danvers", email="")
    login(page, user)
    page.goto(f"{live_server.url}/contacts/{keep.pk}/merge/")
    search = page.get_by_placeholder("Search your contacts")
    picker = page.get_by_label("Duplicate to fold into this contact")
    search.focus()  # fetches the first contacts
    expect(picker.locator("option", has_text="Carol Danvers")).to_have_count(1)
    # The user picks from what is shown while a search is on its way: its answer
    # was asked for with nothing chosen, and leaves Bob out.
    held = _held_search(page, "Ada")
    search.fill("Ada")
    _wait_for(page, lambda: held)
    picker.select_option(str(bob.pk))
    held[0].continue_()
    expect(picker.locator("option", has_text="Carol Danvers")).to_have_count(0)
    expect(picker).to_have_value(str(bob.pk))
    # Again, picking one the answer holds (it was asked for with Bob chosen).
    held = _held_search(page, "Ada%20L")
    search.fill("Ada L")
    _wait_for(page, lambda: held)
    picker.select_option(str(duplicate.pk))
    held[0].continue_()
    expect(search).not_to_have_class(re.compile(r"\bhtmx-request\b"))
    expect(picker).to_have_value(str(duplicate.pk))
    page.get_by_role("button", name="Merge").click()
    expect(page.get_by_text("Merged Ada L. into Ada Lovelace")).to_be_visible()
    assert not Contact.objects.filter(pk=duplicate.pk).exists()


def test_a_tick_made_while_a_search_is_answered_is_kept(page, live_server, user, login):
    globex = CompanyFactory(user=user, name="Globex")
    platform = ApplicationFactory(user=user, company=globex, role="Platform engineer")
    ApplicationFactory(user=user, company=globex, role="Data engineer")
    contact = ContactFactory(user=user, company=globex, name="Grace Insider", email="")
    login(page, user)
    page.goto(f"{live_server.url}/contacts/{contact.pk}/edit/")
    met = page.get_by_role("group", name="Met during")
    expect(met.get_by_role("checkbox")).to_have_count(2)
    held = _held_search(page, "data")
    met.get_by_role("searchbox", name="Search your applications").fill("data")
    _wait_for(page, lambda: held)
    met.get_by_role("checkbox", name="Platform engineer at Globex").check()
    held[0].continue_()
    # The answer holds only the data role; the tick made meanwhile stays, ticked.
    expect(met.get_by_role("status")).to_contain_text("for “data”")
    expect(met.get_by_role("checkbox", name="Platform engineer at Globex")).to_be_checked()
    expect(met.get_by_role("checkbox", name="Data engineer at Globex")).not_to_be_checked()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Grace Insider")).to_be_visible()
    assert list(contact.applications.all()) == [platform]
