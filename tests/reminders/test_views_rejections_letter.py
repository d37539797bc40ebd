"""Attaching an email to the log-rejection form: the one letter parser fills the
blank fields in place, the file survives a validation error under a signed
token, and a matching open application is offered."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Application, Attachment, Outcome, Rejection
from letters.files import LetterFile
from reminders.models import HeldLetter, Reminder
from reminders.services import held_letter_create
from tests.factories import ApplicationFactory, CompanyFactory, UserFactory
from tests.inbox.letters import letter

pytestmark = pytest.mark.django_db

FORMSET = {"new_contact-TOTAL_FORMS": "0", "new_contact-INITIAL_FORMS": "0"}


def _eml(name="fwd_outlook.eml"):
    return SimpleUploadedFile(name, letter(name), content_type="message/rfc822")


def _attach(client, **fields):
    return client.post(
        reverse("reminders:log_rejection_letter"),
        {"letter_file": _eml(), **FORMSET, **fields},
        HTTP_HX_REQUEST="true",
    )


def _token(html: str) -> str:
    return re.search(r'name="letter_token" value="([^"]+)"', html).group(1)


def test_attaching_an_email_fills_the_blank_fields_from_the_letter(user_client, user):
    response = _attach(user_client)
    html = response.content.decode()
    assert response.status_code == 200
    assert "From the letter" in html
    assert re.search(r'<input[^>]*name="company_name"[^>]*value="Initech"', html)
    assert re.search(r'<input[^>]*name="role"[^>]*value="Product Manager"', html)
    assert re.search(r'<input[^>]*name="received_on"[^>]*value="2025-02-14"', html)
    assert re.search(r"<textarea[^>]*name=\"letter_text\"[^>]*>[^<]*pursue other candidates", html)
    assert html.count('hx-swap-oob="true"') == 4
    assert "from-letter" in html
    assert HeldLetter.objects.for_user(user).count() == 1


def test_what_the_user_typed_is_not_overwritten(user_client):
    html = _attach(user_client, role="Staff PM", letter_text="my notes").content.decode()
    assert not re.search(r'name="role"[^>]*hx-swap-oob', html)
    assert "my notes" not in html
    assert html.count('hx-swap-oob="true"') == 2


def test_a_file_that_is_no_email_is_a_clear_message_and_nothing_is_kept(user_client):
    response = user_client.post(
        reverse("reminders:log_rejection_letter"),
        {"letter_file": _eml("png_renamed.eml"), **FORMSET},
    )
    assert "it looks like a PNG image" in response.content.decode()
    assert not HeldLetter.objects.exists()


def test_a_matching_open_application_is_offered(user_client, user):
    company = CompanyFactory(user=user, name="initech")
    app = ApplicationFactory(user=user, company=company, role="Product manager")
    html = _attach(user_client).content.decode()
    assert f"?application={app.pk}&amp;letter=" in html
    page = user_client.get(
        reverse("reminders:log_rejection") + f"?application={app.pk}&letter={_token(html)}"
    )
    assert page.status_code == 200
    assert page.context["form"].initial["application"] == app.pk
    assert "fwd_outlook.eml" in page.content.decode()


def test_the_file_survives_a_validation_error_and_the_circle_back_counts_from_the_letter(
    user_client, user
):
    first = user_client.post(
        reverse("reminders:log_rejection"),
        {"company_name": "Initech", "role": "Product Manager", "letter_file": _eml(), **FORMSET},
    )
    assert first.status_code == 200  # "how far it got" is missing
    token = _token(first.content.decode())
    assert not Application.objects.exists()
    second = user_client.post(
        reverse("reminders:log_rejection"),
        {
            "company_name": "Initech",
            "role": "Product Manager",
            "stage_reached": "40",
            "letter_token": token,
            **FORMSET,
        },
    )
    assert second.status_code == 302, second.context["form"].errors
    rejection = Rejection.objects.get(application__user=user)
    assert rejection.received_on == datetime.date(2025, 2, 14)
    assert "pursue other candidates" in rejection.letter_text
    assert Attachment.objects.get(rejection=rejection).filename == "fwd_outlook.eml"
    assert Reminder.objects.get(application=rejection.application).counted_from == (
        datetime.date(2025, 2, 14)
    )
    assert rejection.application.outcome == Outcome.REJECTED
    assert not HeldLetter.objects.exists()


def test_another_users_token_is_refused(user_client):
    stranger = UserFactory()
    _held, token = held_letter_create(
        user=stranger, letter=LetterFile("x.eml", "message/rfc822", letter("fwd_gmail.eml"))
    )
    response = user_client.post(
        reverse("reminders:log_rejection"),
        {
            "company_name": "Globex",
            "role": "Data Analyst",
            "stage_reached": "20",
            "letter_token": token,
            **FORMSET,
        },
    )
    assert response.status_code == 200
    assert "has expired" in str(response.context["form"].errors["letter_file"])
    assert not Rejection.objects.exists()


def test_a_forged_token_is_refused(user_client):
    response = user_client.post(
        reverse("reminders:log_rejection"),
        {"company_name": "A", "role": "B", "stage_reached": "20", "letter_token": "1:x", **FORMSET},
    )
    assert response.status_code == 200
    assert not Rejection.objects.exists()
