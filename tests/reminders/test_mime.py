"""reminders.mime writes the same bytes as Django's serialisation of the email,
and the SMTP backend sends them."""

import re
from email.generator import BytesGenerator

import pytest
from aiosmtpd.controller import Controller
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.message import BadHeaderError

from reminders import mailer, mime
from reminders.emails import reminder_message
from tests.engine.smtp import free_port
from tests.reminders.helpers import log_rejection, log_with_insiders

pytestmark = pytest.mark.django_db

BOUNDARY = re.compile(rb'boundary="([^"]+)"')
DATE = re.compile(rb"^Date: (.*)\r$", re.MULTILINE)


def django_bytes(message: EmailMessage) -> bytes:
    return message.message().as_bytes(linesep="\r\n")


def assert_same(message: EmailMessage) -> bytes:
    expected = django_bytes(message)
    boundary = BOUNDARY.search(expected)
    date = DATE.search(expected)
    assert boundary
    assert date
    ours = mime.as_bytes(message, boundary=boundary[1].decode(), date=date[1].decode())
    assert ours == expected
    return ours


def sample(**overrides) -> EmailMultiAlternatives:
    values = {
        "subject": "Time to circle back with Acme",
        "body": "Hi Ana,\n\nA line.\n",
        "to": ["ana@example.com"],
        "headers": {"Message-ID": "<reminder-1-1@ajar.example>"},
    }
    message = EmailMultiAlternatives(**(values | overrides))
    message.attach_alternative("<p>Hi Ana,</p>\n<p>A line.</p>\n", "text/html")
    return message


def test_a_circle_back_email_is_byte_for_byte_djangos(user, settings):
    settings.BASE_URL = "https://ajar.example"
    assert_same(reminder_message(log_rejection(user).reminder))
    assert_same(reminder_message(log_with_insiders(user).reminder))


def test_non_ascii_headers_bodies_and_long_header_lines_are_djangos(user, settings):
    user.name = "Zoë Ångström"
    user.save()
    settings.DEFAULT_FROM_EMAIL = "Ajar Relevé <ajar@example.com>"
    reminder = log_rejection(user, company="Société Générale Ünïcode " * 4).reminder
    ours = assert_same(reminder_message(reminder))
    assert b"Content-Transfer-Encoding: 8bit" in ours
    assert_same(sample(subject="x" * 200))
    assert_same(sample(subject="two  spaces\tand a tab ", to=["Zoë <zoe@exämple.com>"]))
    assert_same(sample(body="CR\rLF\nCRLF\r\nend", headers={"Message-ID": "<a@b>", "X-A": "é"}))


def test_other_shapes_are_left_to_django():
    assert mime.as_bytes(EmailMessage("s", "b", to=["a@example.com"])) is None
    assert mime.as_bytes(sample(headers={})) is None  # Django makes up a Message-ID
    assert mime.as_bytes(sample(cc=["c@example.com"])) is None
    attached = sample()
    attached.attach("a.txt", "text", "text/plain")
    assert mime.as_bytes(attached) is None
    # A line over 998 bytes: Django switches that part to quoted-printable.
    assert mime.as_bytes(sample(body="word " * 300)) is None


def test_header_injection_is_refused_as_django_refuses_it():
    with pytest.raises(BadHeaderError):
        mime.as_bytes(sample(subject="Hi\nBcc: victim@example.com"))
    with pytest.raises(BadHeaderError):
        django_bytes(sample(subject="Hi\nBcc: victim@example.com"))


def test_a_body_holding_the_boundary_gets_another_one():
    message = sample()
    first = mime.as_bytes(message, boundary="=====1==")
    assert first is not None
    assert b'boundary="=====1=="' in first
    clash = sample(body="Hi\n--=====1==\n")
    second = mime.as_bytes(clash, boundary="=====1==")
    assert second is not None
    assert b'boundary="=====1=="' not in second


class Keep:
    def __init__(self):
        self.data: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.data.append(envelope.original_content)
        return "250 OK"


def test_the_smtp_backend_sends_these_bytes(user, settings, monkeypatch):
    def no_generator(*args, **kwargs):
        raise AssertionError("serialised through email.generator")

    # The email package's serialisation is what this path avoids.
    monkeypatch.setattr(BytesGenerator, "flatten", no_generator)
    handler = Keep()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "reminders.mailer.Backend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        message = reminder_message(log_rejection(user).reminder)
        mailer.send(message)
        mailer.close()
    finally:
        controller.stop()
    monkeypatch.undo()
    (received,) = handler.data
    boundary = BOUNDARY.search(received)
    date = DATE.search(received)
    assert boundary
    assert date
    # What Django would have written, with the same boundary and date.
    assert received == mime.as_bytes(message, boundary=boundary[1].decode(), date=date[1].decode())
    assert received.startswith(b"Content-Type: multipart/alternative;\r\n boundary=")
