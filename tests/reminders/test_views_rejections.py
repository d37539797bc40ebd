import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import Application, Attachment, Outcome, Rejection, Stage
from contacts.models import Contact
from reminders.models import Reminder, ReminderKind, ReminderStatus
from reminders.services import rejection_log
from tests.factories import (
    ApplicationFactory,
    AttachmentFactory,
    CompanyFactory,
    ContactFactory,
    RejectedApplicationFactory,
    UserFactory,
)
from tests.pages import CREATE, LIST, LOG, NO_NEW_CONTACTS, NOW, PICKERS, log_post, nothing_saved

pytestmark = pytest.mark.django_db


def _list_queries(client, user, rows):
    companies = CompanyFactory.create_batch(3, user=user)
    for i in range(rows):
        ApplicationFactory(user=user, company=companies[i % 3])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST, {"outcome": "open"}).status_code == 200
    return len(queries)


def test_the_form_offers_the_navbar_and_defaults_the_date_to_the_users_today(client):
    user = UserFactory(time_zone="Pacific/Auckland")
    client.force_login(user)
    with time_machine.travel(datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)):
        body = client.get(LOG).content.decode()
    assert 'value="2026-03-11"' in body  # already tomorrow in Auckland
    assert f'href="{LOG}"' in body


@time_machine.travel(NOW, tick=False)
def test_the_minimal_rejection_creates_the_application_and_its_circle_back(client):
    user = UserFactory(time_zone="America/New_York")
    client.force_login(user)
    response = log_post(client, company_name="Initech", role="Engineer", stage_reached="40")
    application = Application.objects.get(user=user)
    assert response["Location"] == reverse("reminders:rejection_logged", args=[application.pk])
    assert application.outcome == Outcome.REJECTED
    assert application.rejection.received_on == datetime.date(2026, 3, 10)
    reminder = Reminder.objects.get(application=application, step="circle_back")
    assert reminder.due_date == datetime.date(2026, 4, 9)
    page = client.get(response["Location"]).content.decode()
    # 09:00 in New York, not in UTC.
    assert "Thu 9 Apr 2026 at 09:00 (America/New_York)" in page


def test_a_rejection_for_a_picked_application_with_people_and_a_letter(user_client, user):
    application = ApplicationFactory(user=user)
    known = ContactFactory(user=user, company=application.company)
    response = user_client.post(
        LOG,
        {
            **NO_NEW_CONTACTS,
            "company": application.company.pk,
            "application": application.pk,
            "stage_reached": "60",
            "received_on": "2026-02-03",
            "channel": "phone",
            "letter_text": "Dear candidate <b>no</b>",
            "feedback": "Strong, but another candidate had more domain experience.",
            "invited_to_reapply": "on",
            "cooling_off_days": "10",
            "contacts": [known.pk],
            "new_contact-TOTAL_FORMS": "2",
            "new_contact-0-name": "Grace Hopper",
            "new_contact-0-role": "hiring_manager",
            "new_contact-0-email": "grace@example.com",
            "new_contact-1-name": "Alan Turing",
            "new_contact-1-role": "interviewer",
        },
    )
    assert response.status_code == 302
    application.refresh_from_db()
    rejection = application.rejection
    assert (rejection.stage_reached, rejection.channel) == (Stage.FINAL_ROUND, "phone")
    assert rejection.invited_to_reapply
    assert rejection.letter_text.startswith("Dear candidate")
    assert application.furthest_stage == Stage.FINAL_ROUND
    assert set(application.contacts.values_list("name", flat=True)) == {
        known.name,
        "Grace Hopper",
        "Alan Turing",
    }
    assert Contact.objects.get(name="Grace Hopper").company == application.company
    assert Reminder.objects.get(application=application).due_date == datetime.date(2026, 2, 13)


def test_never_heard_back_records_the_ghosted_outcome(user_client, user):
    response = log_post(
        user_client, company_name="Hooli", role="PM", stage_reached="30", ghosted="1"
    )
    application = Application.objects.get(user=user)
    assert application.outcome == Outcome.GHOSTED
    assert not Rejection.objects.exists()
    assert Reminder.objects.get(application=application).kind == ReminderKind.GHOSTED
    assert "they never wrote back" in user_client.get(response["Location"]).content.decode()


def test_a_missing_company_role_and_stage_give_field_errors_and_save_nothing(user_client):
    response = log_post(user_client)
    assert set(response.context["form"].errors) >= {"company_name", "role", "stage_reached"}
    assert nothing_saved() == (0, 0, 0, 0, 0)


def test_logging_from_an_application_page_preselects_it(user_client, user):
    application = ApplicationFactory(user=user)
    response = user_client.get(LOG, {"application": application.pk})
    form = response.context["form"]
    assert form.initial["application"] == application.pk
    assert form.show_application_picker


def _foreign_ids(user, other_user):
    mine = ApplicationFactory(user=user)
    theirs = ApplicationFactory(user=other_user)
    their_contact = ContactFactory(user=other_user, company=theirs.company)
    my_other_company_contact = ContactFactory(user=user)
    return mine, theirs, their_contact, my_other_company_contact


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("their_company", "company"),
        ("their_application", "application"),
        ("their_contact", "contacts"),
        ("contact_elsewhere", "contacts"),
        ("application_elsewhere", "application"),
    ],
)
def test_ids_that_are_not_the_users_own_are_field_errors_and_save_nothing(
    user_client, user, other_user, case, field
):
    mine, theirs, their_contact, elsewhere = _foreign_ids(user, other_user)
    other_mine = ApplicationFactory(user=user)
    data = {
        "company": mine.company.pk,
        "application": mine.pk,
        "stage_reached": "40",
        "new_contact-0-name": "Someone New",
    }
    if case == "their_company":
        data["company"] = theirs.company.pk
    elif case == "their_application":
        data["application"] = theirs.pk
    elif case == "their_contact":
        data["contacts"] = [their_contact.pk]
    elif case == "contact_elsewhere":
        data["contacts"] = [elsewhere.pk]
    elif case == "application_elsewhere":
        data["application"] = other_mine.pk
    before = nothing_saved()
    response = log_post(user_client, **data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert nothing_saved() == before


def test_the_pickers_offer_the_companys_open_applications_and_people(user_client, user):
    application = ApplicationFactory(user=user, role="Platform engineer")
    closed = RejectedApplicationFactory(user=user, company=application.company, role="Old role")
    ContactFactory(user=user, company=application.company, name="Margaret Hamilton")
    ContactFactory(user=user, name="Someone Elsewhere")
    response = user_client.get(PICKERS, {"company": application.company.pk})
    body = response.content.decode()
    assert "Platform engineer" in body
    assert closed.role not in body
    assert "Margaret Hamilton" in body
    assert "Someone Elsewhere" not in body
    assert 'hx-swap-oob="true"' in body


def test_the_pickers_answer_404_for_another_users_company(user_client, other_user):
    theirs = CompanyFactory(user=other_user)
    assert user_client.get(PICKERS, {"company": theirs.pk}).status_code == 404
    assert user_client.get(PICKERS, {"company": "¹²"}).status_code == 404


def test_a_pdf_letter_is_stored_with_its_sniffed_type(user_client, user):
    upload = SimpleUploadedFile("letter.bin", b"%PDF-1.7\nbody", content_type="text/html")
    response = log_post(
        user_client, company_name="A", role="R", stage_reached="20", letter_file=upload
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.content_type, attachment.user) == ("application/pdf", user)


def test_an_eml_letter_fills_the_letter_text(user_client):
    eml = b"From: hr@example.com\r\nSubject: Your application\r\n\r\nThank you, but no.\r\n"
    upload = SimpleUploadedFile("no.eml", eml, content_type="message/rfc822")
    log_post(user_client, company_name="A", role="R", stage_reached="20", letter_file=upload)
    assert Rejection.objects.get().letter_text == "Thank you, but no."


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("letter.txt", b"plain text", "PDF"),
        ("big.pdf", b"%PDF-" + b"x" * (5 * 1024 * 1024), "5 MB"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_a_bad_letter_file_is_a_field_error(user_client, name, data, message):
    upload = SimpleUploadedFile(name, data)
    response = log_post(
        user_client, company_name="A", role="R", stage_reached="20", letter_file=upload
    )
    assert response.status_code == 200
    assert message in str(response.context["form"].errors["letter_file"])
    assert nothing_saved() == (0, 0, 0, 0, 0)


@pytest.mark.parametrize("days", ["0", "366", "-3", "ten"])
def test_a_cooling_off_out_of_range_is_a_field_error(user_client, days):
    response = log_post(
        user_client, company_name="A", role="R", stage_reached="20", cooling_off_days=days
    )
    assert "cooling_off_days" in response.context["form"].errors
    assert nothing_saved() == (0, 0, 0, 0, 0)


def test_a_date_in_the_future_is_a_field_error(user_client):
    response = log_post(
        user_client, company_name="A", role="R", stage_reached="20", received_on="2999-01-01"
    )
    assert "received_on" in response.context["form"].errors


def test_a_new_contact_with_an_email_but_no_name_is_a_field_error(user_client):
    response = log_post(
        user_client,
        company_name="A",
        role="R",
        stage_reached="20",
        **{"new_contact-0-email": "x@example.com"},
    )
    assert response.status_code == 200
    assert response.context["formset"].errors[0]["name"]
    assert nothing_saved() == (0, 0, 0, 0, 0)


ODD_INPUTS = [
    "x" * 300,
    "y" * 150_000,
    "\x00",
    "zero\x00byte",
    "🙂" * 250,
    "مرحبا بالعالم",
    "\u202etxet desrever",
    "<script>alert('x')</script>",
    "' OR 1=1; --",
    "99999999999999999999999999",
    "-1",
    "\ud7ff\ue000\uffff",
]


@pytest.mark.parametrize("value", ODD_INPUTS)
def test_any_input_in_any_field_of_the_log_form_never_fails(user_client, user, value):
    ApplicationFactory(user=user)
    fields = [
        "company",
        "company_name",
        "application",
        "role",
        "stage_reached",
        "received_on",
        "channel",
        "letter_text",
        "feedback",
        "cooling_off_days",
        "contacts",
        "new_contact-0-name",
        "new_contact-0-email",
        "new_contact-0-role",
        "new_contact-TOTAL_FORMS",
    ]
    response = log_post(user_client, **dict.fromkeys(fields, value))
    assert response.status_code in {200, 302}


def test_markup_in_a_logged_letter_and_notes_shows_as_text_everywhere(user_client, user):
    log_post(
        user_client,
        company_name="<img src=x onerror=alert(1)>",
        role="<b>Role</b>",
        stage_reached="20",
        letter_text="<script>alert(1)</script>",
        feedback="<i>meh</i>",
    )
    application = Application.objects.get()
    for url in [
        application.get_absolute_url(),
        reverse("reminders:rejection_logged", args=[application.pk]),
        LIST,
    ]:
        body = user_client.get(url).content.decode()
        for raw in ["<img src=x", "<b>Role</b>", "<script>alert(1)", "<i>meh</i>"]:
            assert raw not in body, url
        assert "&lt;b&gt;Role&lt;/b&gt;" in body, url


def test_editing_a_rejections_date_moves_its_circle_back(user_client, user):
    application = ApplicationFactory(user=user)
    rejection_log(
        user=user,
        application=application,
        stage_reached=Stage.APPLIED,
        received_on=datetime.date(2026, 2, 1),
    )
    response = user_client.post(
        reverse("reminders:rejection_edit", args=[application.pk]),
        {
            "received_on": "2026-02-05",
            "channel": "letter",
            "letter_text": "Now with the letter",
            "cooling_off_days": "20",
        },
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.rejection.letter_text == "Now with the letter"
    assert application.outcome_on == datetime.date(2026, 2, 5)
    assert Reminder.objects.get().due_date == datetime.date(2026, 2, 25)


def test_a_rejection_whose_email_is_being_sent_cannot_be_edited(user_client, user):
    application = ApplicationFactory(user=user)
    result = rejection_log(user=user, application=application, stage_reached=Stage.APPLIED)
    # Its thank-you is the step going out.
    Reminder.objects.filter(pk=result.thank_you.pk).update(
        status=ReminderStatus.SENDING,
        claim_token="00000000-0000-0000-0000-000000000001",
        lease_expires_at=NOW,
    )
    response = user_client.post(
        reverse("reminders:rejection_edit", args=[application.pk]),
        {"received_on": "2026-01-01", "channel": "email"},
    )
    assert response.status_code == 200
    assert "being sent now" in response.content.decode()


def test_undoing_a_rejection_reopens_the_application_and_cancels_the_circle_back(user_client, user):
    application = ApplicationFactory(user=user)
    rejection_log(user=user, application=application, stage_reached=Stage.APPLIED)
    url = reverse("reminders:reopen", args=[application.pk])
    assert "Undo it" in user_client.get(url).content.decode()
    user_client.post(url)
    application.refresh_from_db()
    assert application.outcome == Outcome.OPEN
    assert not Rejection.objects.exists()
    assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.CANCELLED}


def test_an_open_application_has_nothing_to_undo(user_client, user):
    application = ApplicationFactory(user=user)
    assert user_client.get(reverse("reminders:reopen", args=[application.pk])).status_code == 404


def test_a_new_user_lands_on_onboarding_after_verifying_their_email(client, settings):
    settings.AJAR_SIGNUP = "open"
    client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
            "time_zone": "Europe/Paris",
        },
    )
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    path = "/" + link.split("/", 3)[3]
    response = client.post(path, follow=True)
    assert response.redirect_chain[-1][0] == reverse("onboarding")
    response = client.post(
        reverse("onboarding"),
        {"time_zone": "Europe/Paris", "cooling_off_days": "45", "send_time": "08:30"},
        follow=True,
    )
    body = response.content.decode()
    assert "45 days later, at 08:30 (Europe/Paris)" in body
    assert "email is off" in body  # the box was left unticked
    for url in [LOG, CREATE, reverse("portability:import_start")]:
        assert f'href="{url}"' in body
    assert client.get(reverse("portability:import_start")).status_code == 200


def test_a_letter_file_attached_later_replaces_the_stored_one(user_client, user):
    AttachmentFactory(user=user, rejection__application__outcome="rejected")
    application = Application.objects.get(user=user)
    url = reverse("reminders:rejection_edit", args=[application.pk])
    assert "Replace the letter&#x27;s file" in user_client.get(url).content.decode()
    eml = b"From: hr@example.com\r\nSubject: Sorry\r\n\r\nNot this time.\r\n"
    response = user_client.post(
        url,
        {
            "received_on": "2026-02-01",
            "channel": "email",
            "letter_file": SimpleUploadedFile("sorry.eml", eml),
        },
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.content_type) == ("sorry.eml", "message/rfc822")
    assert Rejection.objects.get().letter_text == "Not this time."
    user_client.post(
        url, {"received_on": "2026-02-01", "channel": "email", "remove_files": [attachment.pk]}
    )
    assert not Attachment.objects.exists()


def test_a_first_timer_posting_another_users_company_id_gets_a_field_error(
    user_client, user, other_user
):
    theirs = CompanyFactory(user=other_user)
    before = nothing_saved()
    response = log_post(
        user_client, company=theirs.pk, company_name="Mine", role="R", stage_reached="20"
    )
    assert "company" in response.context["form"].errors
    assert 'name="company"' in response.content.decode()  # shown with its error
    assert nothing_saved() == before
