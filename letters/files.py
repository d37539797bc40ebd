"""A file's type, judged from its bytes, and the files inside an email letter.

Pure (no models, no database), like the parser beside it. The content type is
sniffed from the bytes, never taken from the browser or from the email that
carried the file; what is served as itself is a short list of documents and
images, and everything else is application/octet-stream.
"""

from dataclasses import dataclass

import filetype

from letters.parser import LetterError, ParsedAttachment, parse_letter

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


# A file kept with a rejection or a draft: the parser's attachment type, its
# content type sniffed from the bytes (see sniffed_type).
LetterFile = ParsedAttachment


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
