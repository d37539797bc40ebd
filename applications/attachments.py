"""A rejection's files: the letter uploaded (size and type checks), the files
found inside an email letter, the type each is served with, and how many one
rejection keeps.

The content type is sniffed from the bytes, never taken from the browser or
from the email that carried the file.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import filetype
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from applications.models import Attachment
from letters.parser import LetterError, parse_letter

PDF = "application/pdf"
EML = "message/rfc822"
OCTET_STREAM = "application/octet-stream"

# The types a file is stored and served with when its bytes say so; anything
# else (HTML, SVG, scripts, archives, the unknown) is application/octet-stream,
# which no browser renders. Served as downloads in any case.
DOCUMENT_TYPES = frozenset(
    {
        PDF,
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
        "application/rtf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
    }
)
SERVED_TYPES = DOCUMENT_TYPES | {EML, "text/calendar"}


@dataclass(frozen=True)
class LetterFile:
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def _read_upload(uploaded, default_name: str) -> tuple[str, bytes]:
    """An uploaded file's name and bytes: at most 5 MB, not empty."""
    name = (getattr(uploaded, "name", "") or default_name).rsplit("/", 1)[-1][:255]
    if uploaded.size > Attachment.MAX_BYTES:
        raise ValidationError(_("The file is too large: the limit is 5 MB."), code="file_too_large")
    data = uploaded.read(Attachment.MAX_BYTES + 1)
    if len(data) > Attachment.MAX_BYTES:
        raise ValidationError(_("The file is too large: the limit is 5 MB."), code="file_too_large")
    if not data:
        raise ValidationError(_("The file is empty."), code="file_empty")
    return name, data


def read_letter_file(uploaded) -> LetterFile:
    """Validate an uploaded letter: at most 5 MB, a PDF or an email file."""
    name, data = _read_upload(uploaded, "letter")
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


def sniffed_type(data: bytes) -> str:
    """The type the bytes show, among those served as themselves."""
    guessed = filetype.guess_mime(data[:8192])
    if guessed in DOCUMENT_TYPES:
        return guessed
    if data[:64].lstrip().upper().startswith(b"BEGIN:VCALENDAR"):
        return "text/calendar"
    return OCTET_STREAM


def served_type(stored: str) -> str:
    """What a stored file is served as: its sniffed type, when it is one we
    serve as itself (rows stored before sniffing included)."""
    return stored if stored in SERVED_TYPES else OCTET_STREAM


def read_added_file(uploaded) -> LetterFile:
    """A file added to a rejection on its edit form: a document or an image."""
    name, data = _read_upload(uploaded, "file")
    content_type = sniffed_type(data)
    if content_type not in DOCUMENT_TYPES:
        raise ValidationError(
            _("Add a PDF, a Word or OpenDocument file, or an image (PNG, JPEG, GIF, WebP)."),
            code="file_type",
        )
    return LetterFile(name, content_type, data)


@dataclass(frozen=True)
class EmailContents:
    """What an email letter holds: its text and the files inside it."""

    text: str = ""
    files: tuple[LetterFile, ...] = ()


def email_contents(data: bytes) -> EmailContents:
    """Read an email file once: its text and its files, each with its sniffed
    type (blank when unreadable)."""
    try:
        parsed = parse_letter(data)
    except LetterError:
        return EmailContents()
    return EmailContents(
        text=parsed.text,
        files=tuple(
            LetterFile(a.filename, sniffed_type(a.data), a.data) for a in parsed.attachments
        ),
    )


def email_body_text(data: bytes) -> str:
    """The text of an email file, for the letter's text (blank when unreadable)."""
    return email_contents(data).text


# --- How many files one rejection keeps -------------------------------------------


@dataclass
class FileRoom:
    """The room left on a rejection: files are taken in order while they fit."""

    count: int = 0
    size: int = 0
    kept: list[LetterFile] = field(default_factory=list)
    left_out: list[LetterFile] = field(default_factory=list)

    def refusal(self, letter: LetterFile) -> str:
        """Why `letter` does not fit, or "" when it does."""
        if self.count + 1 > Attachment.MAX_PER_REJECTION:
            return _("A rejection keeps at most %(n)s files: remove one to add another.") % {
                "n": Attachment.MAX_PER_REJECTION
            }
        if self.size + letter.size > Attachment.MAX_BYTES_PER_REJECTION:
            return _(
                "A rejection keeps at most %(size)s of files (%(used)s used): "
                "remove one to add this one."
            ) % {
                "size": filesizeformat(Attachment.MAX_BYTES_PER_REJECTION),
                "used": filesizeformat(self.size),
            }
        return ""

    def take(self, files: Iterable[LetterFile]) -> "FileRoom":
        for letter in files:
            if self.refusal(letter):
                self.left_out.append(letter)
                continue
            self.count += 1
            self.size += letter.size
            self.kept.append(letter)
        return self


def left_out_message(left_out: Sequence[LetterFile]) -> str:
    """What the user is told when files with a letter did not fit."""
    if not left_out:
        return ""
    return ngettext(
        "%(n)s file with the letter was not kept (%(names)s): a rejection keeps at most "
        "%(count)s files, %(size)s in all.",
        "%(n)s files with the letter were not kept (%(names)s): a rejection keeps at most "
        "%(count)s files, %(size)s in all.",
        len(left_out),
    ) % {
        "n": len(left_out),
        "names": ", ".join(f.filename for f in left_out[:5]) + ("…" if len(left_out) > 5 else ""),
        "count": Attachment.MAX_PER_REJECTION,
        "size": filesizeformat(Attachment.MAX_BYTES_PER_REJECTION),
    }
