"""Letter files whose bytes the standard library chokes on, or the database
refuses: a clear field error or a saved letter, never a 500."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Application, Rejection

pytestmark = pytest.mark.django_db

BROKEN_HEADER = (
    b'From: "\r\nSubject: x\r\nTo: =?utf-8?q?=ZZ?= <\r\nContent-Type: text/plain; charset="\r\n'
    b"\r\nbody\r\n"
)
NUL_IN_BODY = (
    b"From: hr@acme.example\r\nSubject: Your application\r\nContent-Type: text/plain\r\n"
    b"\r\nSorry,\x00 not this time.\r\n"
)


def _log(client, data: bytes):
    return client.post(
        reverse("reminders:log_rejection"),
        {
            "company_name": "Acme",
            "role": "Developer",
            "stage_reached": "20",
            "channel": "email",
            "letter_file": SimpleUploadedFile("letter.eml", data, content_type="message/rfc822"),
            "new_contact-TOTAL_FORMS": "0",
            "new_contact-INITIAL_FORMS": "0",
        },
    )


def test_an_email_file_with_headers_the_stdlib_chokes_on_is_still_read(user_client):
    # The letter parser reads headers as plain strings, so broken ones do not
    # stop it: the letter is saved with its text.
    response = _log(user_client, BROKEN_HEADER)
    assert response.status_code == 302
    assert Rejection.objects.get().letter_text == "body"


def test_an_email_file_that_is_no_email_is_a_field_error_with_the_parsers_sentence(user_client):
    response = _log(user_client, b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)
    assert response.status_code == 200
    assert response.context["form"].errors["letter_file"] == [
        "This is not an email message: it looks like a PNG image."
    ]
    assert not Application.objects.exists()


def test_a_nul_byte_in_an_email_files_body_is_dropped_from_the_letter(user_client):
    response = _log(user_client, NUL_IN_BODY)
    assert response.status_code == 302
    assert Rejection.objects.get().letter_text == "Sorry, not this time."
