"""What a file's bytes are, and what an email file holds (letters.files)."""

import pytest

from letters.files import email_body_text, sniffed_type

PDF = b"%PDF-1.4\n% decision\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
# Headers the stdlib's parser chokes on, then a body.
BROKEN_HEADER = (
    b'From: "\r\nSubject: x\r\nTo: =?utf-8?q?=ZZ?= <\r\nContent-Type: text/plain; charset="\r\n'
    b"\r\nbody\r\n"
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
        (b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar"),
        (b"<svg onload=alert(1)>", "application/octet-stream"),
        (b"<html><script></script>", "application/octet-stream"),
        (b"MZ\x90\x00", "application/octet-stream"),
    ],
)
def test_the_type_is_sniffed_from_the_bytes(data, expected):
    assert sniffed_type(data) == expected


def test_an_email_file_whose_body_cannot_be_read_keeps_an_empty_letter_text():
    assert email_body_text(BROKEN_HEADER) in {"", "body"}
