"""A rejection's files on its forms: an email's files kept when it is logged,
and on the edit form each file kept or removed, one added, within the limits."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Attachment, Rejection
from letters import uploads
from tests.factories import AttachmentFactory
from tests.inbox.letters import letter
from tests.pages import log_post

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% more\n"


def test_logging_an_email_with_a_pdf_keeps_the_email_and_the_files_inside(user_client, user):
    response = log_post(
        user_client,
        company_name="Stark Industries",
        role="Mechanical Engineer",
        stage_reached="30",
        channel="email",
        letter_file=SimpleUploadedFile("stark.eml", letter("multipart_pdf.eml")),
    )
    assert response.status_code == 302
    files = list(
        Rejection.objects.get()
        .attachments.letter_first()
        .values_list("kind", "filename", "content_type")
    )
    assert files == [
        ("letter", "stark.eml", "message/rfc822"),
        ("enclosed", "decision.pdf", "application/pdf"),
        # Declared a Word file, but its bytes are an empty zip: kept, as bytes.
        ("enclosed", "feedback.docx", "application/octet-stream"),
        ("enclosed", "logo.png", "image/png"),
    ]
    pdf = Attachment.objects.get(filename="decision.pdf")
    assert bytes(pdf.data).startswith(b"%PDF-1.4")


def _edit_url(attachment):
    return reverse("reminders:rejection_edit", args=[attachment.rejection.application_id])


def _edit(client, attachment, *, follow=False, **fields):
    return client.post(
        _edit_url(attachment),
        {"received_on": "2026-02-01", "channel": "email", **fields},
        follow=follow,
    )


def test_the_edit_form_lists_each_file_with_its_download_and_a_remove_box(user_client, user):
    letter_file = AttachmentFactory(user=user)
    pdf = AttachmentFactory(
        user=user, rejection=letter_file.rejection, kind="enclosed", filename="decision.pdf"
    )
    body = user_client.get(_edit_url(letter_file)).content.decode()
    for attachment in (letter_file, pdf):
        assert reverse("applications:attachment_download", args=[attachment.pk]) in body
        assert f'name="remove_files" value="{attachment.pk}"' in body


def test_removing_one_file_keeps_the_others(user_client, user):
    letter_file = AttachmentFactory(user=user)
    pdf = AttachmentFactory(user=user, rejection=letter_file.rejection, kind="enclosed")
    assert _edit(user_client, letter_file, remove_files=[pdf.pk]).status_code == 302
    assert list(Attachment.objects.all()) == [letter_file]


def test_adding_a_file_keeps_it_beside_the_letter(user_client, user):
    letter_file = AttachmentFactory(user=user)
    response = _edit(user_client, letter_file, add_file=SimpleUploadedFile("notes.pdf", PDF))
    assert response.status_code == 302
    added = Attachment.objects.get(filename="notes.pdf")
    assert (added.kind, added.content_type, bytes(added.data)) == (
        "enclosed",
        "application/pdf",
        PDF,
    )


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("page.html", b"<html><script></script>"),
            "Add a PDF, a Word or OpenDocument file, or an image (PNG, JPEG, GIF, WebP).",
        ),
        (SimpleUploadedFile("empty.pdf", b""), "The submitted file is empty."),
    ],
)
def test_a_file_of_another_kind_is_a_field_error_and_nothing_changes(
    user_client, user, upload, message
):
    letter_file = AttachmentFactory(user=user)
    response = _edit(user_client, letter_file, add_file=upload, letter_text="changed")
    assert response.status_code == 200
    assert response.context["form"].errors["add_file"] == [message]
    assert list(Attachment.objects.all()) == [letter_file]
    assert Rejection.objects.get().letter_text == ""


def test_a_file_past_the_limit_is_refused_with_the_limit_and_nothing_changes(
    user_client, user, monkeypatch
):
    monkeypatch.setattr(uploads, "MAX_FILES_PER_REJECTION", 2)
    letter_file = AttachmentFactory(user=user)
    AttachmentFactory(user=user, rejection=letter_file.rejection, kind="enclosed")
    response = _edit(
        user_client, letter_file, add_file=SimpleUploadedFile("more.pdf", PDF), feedback="new"
    )
    assert response.status_code == 200
    assert response.context["form"].errors["add_file"] == [
        "A rejection keeps at most 2 files: remove one to add another."
    ]
    assert Attachment.objects.count() == 2
    assert Rejection.objects.get().feedback == ""
    # Removing one in the same save makes room.
    removed = Attachment.objects.filter(kind="enclosed").get()
    response = _edit(
        user_client,
        letter_file,
        add_file=SimpleUploadedFile("more.pdf", PDF),
        remove_files=[removed.pk],
    )
    assert response.status_code == 302
    assert set(Attachment.objects.values_list("filename", flat=True)) == {
        letter_file.filename,
        "more.pdf",
    }


def test_another_users_file_id_in_remove_is_a_field_error(user_client, user, other_user):
    mine = AttachmentFactory(user=user)
    theirs = AttachmentFactory(user=other_user)
    response = _edit(user_client, mine, remove_files=[theirs.pk])
    assert response.status_code == 200
    assert "remove_files" in response.context["form"].errors
    assert Attachment.objects.count() == 2


def test_a_new_email_letter_brings_its_files_and_says_which_did_not_fit(
    user_client, user, monkeypatch
):
    monkeypatch.setattr(uploads, "MAX_FILES_PER_REJECTION", 2)
    letter_file = AttachmentFactory(user=user)
    response = _edit(
        user_client,
        letter_file,
        letter_file=SimpleUploadedFile("stark.eml", letter("multipart_pdf.eml")),
        follow=True,
    )
    assert set(Attachment.objects.values_list("filename", flat=True)) == {
        "stark.eml",
        "decision.pdf",
    }
    body = response.content.decode()
    assert "2 files with the letter were not kept (feedback.docx, logo.png)" in body
