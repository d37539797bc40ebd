"""What every request gets before a view runs: a bounded body, a readable one,
and pages that no shared cache or browser history keeps."""

import pytest
from django.core.files.uploadhandler import FileUploadHandler
from django.test import override_settings
from django.urls import reverse

from applications.models import Application

pytestmark = pytest.mark.django_db


class _CountingHandler(FileUploadHandler):
    """Counts the bytes Django would read of an upload."""

    read = 0

    def receive_data_chunk(self, raw_data, start):
        type(self).read += len(raw_data)
        return raw_data

    def file_complete(self, file_size):
        return None


def test_a_40_mb_upload_is_refused_before_it_is_read(user_client):
    _CountingHandler.read = 0
    body = b"x" * (40 * 1024 * 1024)
    handlers = ["tests.accounts.test_middleware._CountingHandler"]
    with override_settings(FILE_UPLOAD_HANDLERS=handlers):
        response = user_client.post(
            reverse("reminders:log_rejection"),
            body,
            content_type="multipart/form-data; boundary=xyz",
        )
    assert response.status_code == 413
    assert "too much to send at once" in response.content.decode()
    assert _CountingHandler.read == 0


def test_a_body_under_the_limit_reaches_the_view(user_client):
    response = user_client.post(
        reverse("applications:create"), {"company_name": "Acme", "role": "Engineer", "stage": "20"}
    )
    assert response.status_code == 302
    assert Application.objects.count() == 1


@pytest.mark.parametrize("charset", ["utf-16", "utf-32", "nonesuch", "latin-1"])
def test_a_form_body_in_another_charset_is_a_clear_400(user_client, charset):
    user_client.raise_request_exception = False
    codec = "utf-16" if charset == "nonesuch" else charset
    body = "company_name=Acme&role=Engineer&stage=20".encode(codec)
    response = user_client.generic(
        "POST",
        reverse("applications:create"),
        body,
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )
    assert response.status_code == 400
    assert "send it as UTF-8" in response.content.decode()
    assert not Application.objects.exists()


def test_a_utf16_login_is_a_400_too(client):
    client.raise_request_exception = False
    response = client.generic(
        "POST",
        reverse("account_login"),
        "login=a@example.com&password=x".encode("utf-16"),
        content_type="application/x-www-form-urlencoded; charset=utf-16",
    )
    assert response.status_code == 400


def test_signed_in_pages_are_private_and_not_stored(user_client):
    for url in [reverse("dashboard"), reverse("applications:list"), reverse("settings")]:
        response = user_client.get(url)
        assert response.status_code == 200
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, url


def test_signed_link_pages_are_private_and_not_stored(client, user):
    from reminders import links
    from tests.reminders.helpers import log_rejection

    reminder = log_rejection(user).reminder
    for url in [
        reverse("reminders:email_link", args=[links.action_token(reminder, links.DISMISS)]),
        reverse("reminders:unsubscribe", args=[links.unsubscribe_token(user)]),
    ]:
        response = client.get(url)
        assert response.status_code == 200
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, url


def test_static_files_keep_their_own_caching(client):
    response = client.get("/static/js/ajar.js")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_multipart_body_declared_utf16_is_a_clear_400(user_client):
    user_client.raise_request_exception = False
    body = (
        b'--zz\r\nContent-Disposition: form-data; name="role"\r\n\r\n'
        + "Engineer".encode("utf-16")
        + b"\r\n--zz--\r\n"
    )
    response = user_client.generic(
        "POST",
        reverse("applications:create"),
        body,
        content_type="multipart/form-data; boundary=zz; charset=utf-16",
    )
    assert response.status_code == 400
    assert not Application.objects.exists()


def test_the_restore_page_takes_a_backup_larger_than_the_usual_cap(user_client, settings):
    from django.urls import resolve

    view = resolve(reverse("portability:restore")).func
    assert view.ajar_max_request_bytes == settings.AJAR_RESTORE_MAX_BYTES
    assert settings.AJAR_RESTORE_MAX_BYTES > settings.AJAR_REQUEST_MAX_BYTES
    body = b"x" * (settings.AJAR_REQUEST_MAX_BYTES + 1)
    response = user_client.post(
        reverse("portability:restore"), body, content_type="multipart/form-data; boundary=xyz"
    )
    assert response.status_code != 413
