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
    try:
        return bool(message.keys()) and any(message.get(h) for h in ("From", "Subject", "Date"))
    except Exception:  # the stdlib's header parser fails in many ways on junk
        return False


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
    try:
        body = message.get_body(preferencelist=("plain", "html"))
        if body is None:
            return ""
        content = body.get_content()
        is_html = body.get_content_type() == "text/html"
    except Exception:  # an unknown charset or a header the parser chokes on
        return ""
    if is_html:
        from django.utils.html import strip_tags

        content = strip_tags(content)
    # PostgreSQL refuses NUL in text; a letter never needs one.
    return content.replace("\x00", "").strip()
