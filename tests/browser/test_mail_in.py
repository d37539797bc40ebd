"""Mail in, in a real browser: a letter attached to the log-rejection form fills
the fields, survives a mistake, and dates the circle-back; the Inbox takes an
upload and confirms a draft; a rejection's files are listed, removed and added."""

import datetime

import pytest
from playwright.sync_api import expect

from applications.models import Rejection
from inbox.models import InboundMessage
from reminders.models import Reminder
from tests.browser.conftest import assert_no_horizontal_scroll
from tests.inbox.letters import LETTERS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_letter_fills_the_form_survives_a_mistake_and_dates_the_circle_back(
    page, live_server, user, login, axe_check
):
    login(page, user)
    page.goto(f"{live_server.url}/applications/log-rejection/")
    page.set_input_files("#id_letter_file", str(LETTERS / "fwd_outlook.eml"))
    expect(page.locator("#letter-fill-note")).to_contain_text("From the letter")
    expect(page.locator("#id_company_name")).to_have_value("Initech")
    expect(page.locator("#id_role")).to_have_value("Product Manager")
    expect(page.locator("#id_received_on")).to_have_value("2025-02-14")
    expect(page.locator("#id_letter_text")).to_contain_text("pursue other candidates")
    axe_check(page)

    # A mistake: how far it got is not picked. The letter stays attached.
    page.get_by_role("button", name="Log the rejection").click()
    page.wait_for_load_state("load")
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_be_visible()
    expect(page.locator("#letter-fill-note")).to_contain_text("fwd_outlook.eml")
    assert not Rejection.objects.exists()

    page.locator("#id_stage_reached").select_option(label="Interview")
    page.get_by_role("button", name="Log the rejection").click()
    page.wait_for_url(lambda url: "/logged/" in url)
    rejection = Rejection.objects.get(application__user=user)
    assert rejection.received_on == datetime.date(2025, 2, 14)
    assert rejection.attachments.get(kind="letter").filename == "fwd_outlook.eml"
    reminder = Reminder.objects.get(application=rejection.application)
    assert reminder.counted_from == datetime.date(2025, 2, 14)


def test_the_inbox_at_phone_width_takes_an_upload_and_confirms_a_draft(
    page, live_server, user, login, axe_check
):
    page.set_viewport_size({"width": 375, "height": 667})
    login(page, user)
    page.goto(f"{live_server.url}/inbox/")
    page.set_input_files(
        "#id_letters", [str(LETTERS / "fwd_gmail.eml"), str(LETTERS / "interview.eml")]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#messages")).to_contain_text("2 messages added")
    axe_check(page)
    assert_no_horizontal_scroll(page)
    page.get_by_role("link", name="Your application for Data Analyst").click()
    page.wait_for_load_state("load")
    axe_check(page)
    assert_no_horizontal_scroll(page)
    page.locator("#id_stage_reached").select_option(label="Screen")
    page.get_by_role("button", name="Confirm the rejection").click()
    expect(page.locator("#messages")).to_contain_text("Logged")
    draft = InboundMessage.objects.get(user=user, company="Globex")
    assert draft.status == "confirmed"
    assert Rejection.objects.get(application=draft.application).received_on == datetime.date(
        2025, 3, 3
    )


def test_a_rejections_files_are_listed_removed_and_added_at_phone_width(
    page, live_server, user, login, axe_check, tmp_path
):
    from applications.models import Attachment
    from tests.factories import AttachmentFactory

    letter_file = AttachmentFactory(user=user, rejection__application__outcome="rejected")
    AttachmentFactory(
        user=user, rejection=letter_file.rejection, kind="enclosed", filename="logo.png"
    )
    application = letter_file.rejection.application
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, user)
    page.goto(f"{live_server.url}{application.get_absolute_url()}")
    expect(page.locator(".rejection-files a")).to_have_text(["letter.pdf", "logo.png"])
    axe_check(page)
    assert_no_horizontal_scroll(page)

    page.get_by_role("link", name="Edit the rejection").click()
    page.get_by_label("logo.png").check()
    notes = tmp_path / "notes.pdf"
    notes.write_bytes(b"%PDF-1.4\n% notes\n")
    page.set_input_files("#id_add_file", str(notes))
    axe_check(page)
    assert_no_horizontal_scroll(page)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(lambda url: url.endswith(application.get_absolute_url()))
    expect(page.locator(".rejection-files a")).to_have_text(["letter.pdf", "notes.pdf"])
    assert sorted(Attachment.objects.values_list("filename", flat=True)) == [
        "letter.pdf",
        "notes.pdf",
    ]
