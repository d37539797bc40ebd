"""A rejection's files: the letter uploaded (size and type checks) and how many
one rejection keeps (applications.models.Attachment holds them, with these
limits). What a file's bytes are, and what an email letter holds, is
`letters.files`."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from letters.files import DOCUMENT_TYPES, EML, PDF, LetterFile, sniffed_type
from letters.parser import LetterError, parse_letter

MAX_FILE_BYTES = 5 * 1024 * 1024
# What one rejection keeps, the letter included.
MAX_FILES_PER_REJECTION = 20
MAX_BYTES_PER_REJECTION = 25 * 1024 * 1024


def _read_upload(uploaded, default_name: str) -> tuple[str, bytes]:
    """An uploaded file's name and bytes: at most 5 MB, not empty."""
    name = (getattr(uploaded, "name", "") or default_name).rsplit("/", 1)[-1][:255]
    if uploaded.size > MAX_FILE_BYTES:
        raise ValidationError(_("The file is too large: the limit is 5 MB."), code="file_too_large")
    data = uploaded.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
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
        if self.count + 1 > MAX_FILES_PER_REJECTION:
            return _("A rejection keeps at most %(n)s files: remove one to add another.") % {
                "n": MAX_FILES_PER_REJECTION
            }
        if self.size + letter.size > MAX_BYTES_PER_REJECTION:
            return _(
                "A rejection keeps at most %(size)s of files (%(used)s used): "
                "remove one to add this one."
            ) % {
                "size": filesizeformat(MAX_BYTES_PER_REJECTION),
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
        "count": MAX_FILES_PER_REJECTION,
        "size": filesizeformat(MAX_BYTES_PER_REJECTION),
    }
