"""A rejection's files download to their owner only, as files typed by their
bytes, with a Content-Disposition no filename can break."""

import pytest
from django.urls import reverse

from accounts.downloads import download_name
from tests.factories import AttachmentFactory

pytestmark = pytest.mark.django_db


def _get(client, attachment):
    return client.get(reverse("applications:attachment_download", args=[attachment.pk]))


def test_a_file_with_the_letter_downloads_to_its_owner_as_a_file(user_client, user):
    letter = AttachmentFactory(user=user)
    pdf = AttachmentFactory(
        user=user, rejection=letter.rejection, kind="enclosed", filename="decision.pdf"
    )
    response = _get(user_client, pdf)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="decision.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.content == pdf.data
    # The letter's own link still names the letter, not the file beside it.
    by_application = user_client.get(
        reverse("applications:letter_download", args=[letter.rejection.application_id])
    )
    assert by_application.content == letter.data


def test_another_users_file_is_a_404_whatever_the_method(user_client, other_user):
    theirs = AttachmentFactory(user=other_user, kind="enclosed")
    assert _get(user_client, theirs).status_code == 404
    url = reverse("applications:attachment_download", args=[theirs.pk])
    assert user_client.post(url).status_code == 404


def test_a_stored_type_that_could_run_in_a_browser_is_served_as_bytes(user_client, user):
    page = AttachmentFactory(
        user=user, kind="enclosed", filename="x.svg", content_type="image/svg+xml"
    )
    assert _get(user_client, page)["Content-Type"] == "application/octet-stream"
    html = AttachmentFactory(
        user=user, rejection=page.rejection, kind="enclosed", content_type="text/html"
    )
    assert _get(user_client, html)["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize(
    ("filename", "disposition"),
    [
        ('a"b.pdf', 'attachment; filename="a_b.pdf"'),
        ("evil\r\nSet-Cookie: x.pdf", 'attachment; filename="evilSet-Cookie: x.pdf"'),
        ("../../etc/passwd", 'attachment; filename="passwd"'),
        ("lettre refusée.pdf", "attachment; filename*=utf-8''lettre%20refus%C3%A9e.pdf"),
        ("\x01\x7f", 'attachment; filename="letter"'),
    ],
)
def test_any_filename_gives_a_safe_content_disposition(user_client, user, filename, disposition):
    attachment = AttachmentFactory(user=user, kind="enclosed", filename=filename)
    response = _get(user_client, attachment)
    assert response.status_code == 200
    assert response["Content-Disposition"] == disposition


def test_download_names_keep_what_is_readable():
    assert download_name(".hidden.pdf") == "hidden.pdf"
    assert download_name("   ", "file") == "file"
    assert len(download_name("x" * 400)) == 150
