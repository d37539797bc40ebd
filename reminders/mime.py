"""The bytes of a text + HTML email, written out directly.

Django serialises an EmailMultiAlternatives through the stdlib's email package:
a tree of MIME objects, then a generator that re-parses and folds every header
through email.header.Header and compiles a regular expression for a fresh
boundary. For the shape every Ajar email has (a text body, one HTML
alternative, no attachments) `as_bytes` writes the same bytes for a fraction
of the CPU: header values are computed by Django's own functions
(forbid_multi_line_headers, so the same encoding and the same refusals of
header injection); only a header that needs folding or encoding still goes
through Header, as the generator would. Any other message, or a body with a
line too long for 8bit (Django then uses quoted-printable), gets None: the
caller lets Django serialise it.

tests/reminders/test_mime.py compares the output byte for byte with Django's.
"""

from __future__ import annotations

import random
import re
import sys
from email.header import Header
from email.utils import formatdate
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.message import (
    RFC5322_EMAIL_LINE_LENGTH_LIMIT,
    forbid_multi_line_headers,
)

# What the stdlib's generator writes as a folded header line (compat32, 78
# columns): a value of printable ASCII words with single spaces, short enough
# for one line, comes out unchanged.
_PLAIN_VALUE = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*\Z")
_MAX_LINE = 78
_NEWLINES = re.compile(r"\r\n|\r|\n")
# email.generator's boundary: 15 '=', the 19-digit token, '=='.
_BOUNDARY_WIDTH = len(repr(sys.maxsize - 1))
_random = random.SystemRandom()


def _fold(name: str, value: str) -> str:
    if len(name) + 2 + len(value) <= _MAX_LINE and _PLAIN_VALUE.match(value):
        return f"{name}: {value}\r\n"
    folded = Header(value, header_name=name).encode(linesep="\r\n", maxlinelen=_MAX_LINE)
    return f"{name}: {folded}\r\n"


def _text_part(text: str, subtype: str) -> bytes | None:
    try:
        data = [line.encode() for line in _NEWLINES.split(text)]
    except UnicodeEncodeError:
        return None  # lone surrogates: the stdlib's business
    if any(len(line) > RFC5322_EMAIL_LINE_LENGTH_LIMIT for line in data):
        return None  # Django switches this part to quoted-printable
    cte = "7bit" if text.isascii() else "8bit"
    head = (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        f"MIME-Version: 1.0\r\nContent-Transfer-Encoding: {cte}\r\n\r\n"
    ).encode()
    return head + b"\r\n".join(data)


def _simple(message: Any) -> bool:
    """The shape written here: Django's own message() on a text body and one
    HTML alternative, in UTF-8, no attachments, no Cc or Reply-To."""
    cls: Any = type(message)
    django: Any = EmailMultiAlternatives
    return (
        isinstance(message, EmailMultiAlternatives)
        and cls.message is EmailMessage.message
        # Not overridden: the parts are Django's text body and alternatives.
        and cls._create_message is django._create_message  # noqa: SLF001
        and cls._create_alternatives is django._create_alternatives  # noqa: SLF001
        and cls.content_subtype == "plain"
        and cls.alternative_subtype == "alternative"
        and (message.encoding or settings.DEFAULT_CHARSET).lower() == "utf-8"
        and isinstance(message.body, str)
        and bool(message.body)
        and not message.attachments
        and not message.cc
        and not message.reply_to
        and len(message.alternatives) == 1
        and message.alternatives[0][1] == "text/html"
        and isinstance(message.alternatives[0][0], str)
        and not {"cc", "reply-to"} & {name.lower() for name in message.extra_headers}
    )


def as_bytes(
    message: EmailMessage, *, boundary: str | None = None, date: str | None = None
) -> bytes | None:
    """message.message().as_bytes(linesep="\\r\\n") for the simple shape, or
    None. `boundary` and `date` are for the tests (Django picks them at random
    and from the clock)."""
    if not _simple(message):
        return None
    simple: Any = message
    text = _text_part(simple.body, "plain")
    html = _text_part(simple.alternatives[0][0], "html")
    if text is None or html is None:
        return None
    encoding = message.encoding or settings.DEFAULT_CHARSET
    extra = message.extra_headers
    names = {name.lower() for name in extra}
    headers: list[tuple[str, Any]] = [
        ("Subject", message.subject),
        ("From", extra.get("From", message.from_email)),
    ]
    to = extra["To"] if "To" in extra else ", ".join(str(v) for v in message.to)
    if to:
        headers.append(("To", to))
    if "date" not in names:
        headers.append(("Date", date or formatdate(localtime=settings.EMAIL_USE_LOCALTIME)))
    if "message-id" not in names:
        return None  # Django makes one up; every Ajar email sets its own
    headers += [
        (name, value)
        for name, value in extra.items()
        if name.lower() not in {"from", "to", "cc", "reply-to"}
    ]
    lines = [_fold(*forbid_multi_line_headers(name, value, encoding)) for name, value in headers]
    while True:
        if boundary is None:
            token = _random.randrange(sys.maxsize)
            boundary = "=" * 15 + f"{token:0{_BOUNDARY_WIDTH}d}" + "=="
        # The stdlib checks that no line of the parts is the boundary; so do we.
        marker = f"--{boundary}".encode()
        if marker not in text and marker not in html:
            break
        boundary = None
    head = (
        f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n'
        f"MIME-Version: 1.0\r\n{''.join(lines)}\r\n"
    )
    parts = [head.encode(), marker, b"\r\n", text, b"\r\n", marker, b"\r\n", html, b"\r\n"]
    return b"".join([*parts, marker, b"--\r\n"])
