"""Own your data in a real browser: the import preview, deleting the account."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from applications.models import Application
from tests.browser.conftest import assert_no_horizontal_scroll
from tests.factories import ApplicationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHEET = (
    "Company,Role,Date Applied,Status,Contact Person,Notes,Salary\n"
    "Acme,Platform engineer,03/04/2026,Applied,Ada Lovelace,Referred by Bob,100k\n"
    "Initech,Data analyst,05/04/2026,Declined,,,\n"
    "Hooli,<script>alert(1)</script>,06/04/2026,Interviewing,,,\n"
)


def test_import_preview_asks_then_imports(page, live_server, user, login, axe_check, tmp_path):
    path = tmp_path / "my applications.csv"
    path.write_text(SHEET)
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, user)
    page.get_by_role("button", name="Toggle navigation").click()
    # The menu opened (its transition over), then the page it leads to loaded:
    # a click during the transition was once lost.
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    page.get_by_role("link", name="Your data").click()
    page.wait_for_url("**/data/")
    axe_check(page)
    page.get_by_role("link", name="Import a spreadsheet").click()
    page.get_by_label("Spreadsheet").set_input_files(str(path))
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_role("heading", name="Check the import")).to_be_visible()
    axe_check(page)
    assert_no_horizontal_scroll(page)
    # The columns as guessed, the status words, the ambiguous date order.
    expect(page.get_by_label("Date Applied")).to_have_value("applied_on")
    expect(page.get_by_label("Salary")).to_have_value("keep_in_notes")
    expect(page.locator("#date-order-needed")).to_be_visible()
    declined = page.get_by_label("“Declined”")
    expect(declined).to_have_value("rejected")
    # Importing before choosing the date order imports nothing.
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#date-order-needed")).to_be_visible()
    assert not Application.objects.exists()
    page.get_by_label("Dates such as 03/04/2026 are").select_option("dmy")
    page.get_by_label("“Declined”").select_option("withdrawn")
    page.get_by_label("Salary").select_option("drop")
    page.get_by_role("button", name="Update the preview").click()
    expect(page.locator("#import-summary")).to_contain_text(
        "3 applications, 3 new companies, 0 rejections, 1 new contact;"
    )
    expect(page.get_by_role("cell", name="<script>alert(1)</script>", exact=True)).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("Imported 3 applications")).to_be_visible()
    acme = Application.objects.get(company__name="Acme")
    assert acme.applied_on.isoformat() == "2026-04-03"
    assert "100k" not in acme.notes
    assert Application.objects.get(company__name="Initech").outcome == "withdrawn"


def test_a_file_with_bad_rows_shows_them_and_can_skip_them(
    page, live_server, user, login, tmp_path
):
    path = tmp_path / "bad.csv"
    path.write_text("Company,Role\nAcme,Engineer\n,Orphan role\nBeta," + "x" * 300 + "\n")
    login(page, user)
    page.goto(f"{live_server.url}/data/import/")
    page.get_by_label("Spreadsheet").set_input_files(str(path))
    page.get_by_role("button", name="Preview the import").click()
    errors = page.locator("#import-errors")
    expect(errors).to_contain_text("Row 3, Company: Company is missing.")
    expect(errors).to_contain_text("Row 4, Role: Longer than 200 characters")
    page.get_by_label("Leave out the rows with errors and import the rest").check()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("Imported 1 application")).to_be_visible()
    assert Application.objects.filter(user=user).count() == 1


def test_deleting_the_account(page, live_server, user, login_with_form, axe_check, mailoutbox):
    ApplicationFactory(user=user)
    login_with_form(page, user)
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Delete your account").click()
    expect(page.get_by_role("link", name="Download a backup first")).to_be_visible()
    axe_check(page)
    page.get_by_label("Your password").fill("wrong password")
    page.get_by_role("button", name="Delete my account and everything in it").click()
    expect(page.get_by_text("That is not your password.")).to_be_visible()
    assert User.objects.filter(pk=user.pk).exists()
    page.get_by_label("Your password").fill("correct horse battery")
    page.get_by_role("button", name="Delete my account and everything in it").click()
    expect(page.get_by_text("Your account was deleted")).to_be_visible()
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Application.objects.exists()
    assert [m.to for m in mailoutbox] == [[user.email]]
