"""Letters uploaded as files: size and type checks, and the text of an email.

The content type is sniffed from the bytes, never taken from the browser.
"""

import email
import email.policy
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from applications.models import Attachment

PDF = "application/pdf"
EML = "message/rfc822"
ALLOWED_EXTENSIONS = (".pdf", ".eml")


@dataclass(frozen=True)
class LetterFile:
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def _looks_like_email(data: bytes) -> bool:
    head = data[:4096]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head.decode("latin-1")
    message = email.message_from_string(text, policy=email.policy.default)
    return bool(message.keys()) and any(message.get(h) for h in ("From", "Subject", "Date"))


def read_letter_file(uploaded) -> LetterFile:
    """Validate an uploaded letter: at most 5 MB, a PDF or an email file."""
    name = (getattr(uploaded, "name", "") or "letter").rsplit("/", 1)[-1][:255]
    if uploaded.size > Attachment.MAX_BYTES:
        raise ValidationError(_("The file is too large: the limit is 5 MB."), code="file_too_large")
    data = uploaded.read(Attachment.MAX_BYTES + 1)
    if len(data) > Attachment.MAX_BYTES:
        raise ValidationError(_("The file is too large: the limit is 5 MB."), code="file_too_large")
    if not data:
        raise ValidationError(_("The file is empty."), code="file_empty")
    if data.startswith(b"%PDF-"):
        return LetterFile(name, PDF, data)
    if name.lower().endswith(".eml") and _looks_like_email(data):
        return LetterFile(name, EML, data)
    raise ValidationError(
        _("Attach the letter as a PDF or as an email file (.eml)."), code="file_type"
    )


def email_body_text(data: bytes) -> str:
    """The plain-text body of an email file, for the letter's text."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, UnicodeError):  # an unknown or broken charset
        return ""
    if body.get_content_type() == "text/html":
        from django.utils.html import strip_tags

        content = strip_tags(content)
    return content.strip()
