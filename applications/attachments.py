"""Letters uploaded as files: size and type checks, and the text of an email.

The content type is sniffed from the bytes, never taken from the browser.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from applications.letters.parser import LetterError, parse_letter
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
    if name.lower().endswith(".eml"):
        # Read by the one letter parser, as every other door reads mail: what it
        # cannot read is a field error with its sentence.
        try:
            parse_letter(data)
        except LetterError as exc:
            raise ValidationError(str(exc), code="file_type") from exc
        return LetterFile(name, EML, data)
    raise ValidationError(
        _("Attach the letter as a PDF or as an email file (.eml)."), code="file_type"
    )


def email_body_text(data: bytes) -> str:
    """The text of an email file, for the letter's text (blank when unreadable)."""
    try:
        return parse_letter(data).text
    except LetterError:
        return ""
