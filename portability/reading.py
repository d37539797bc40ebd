"""Bytes of an uploaded file -> a table of text cells, bounded.

CSV (encoding: BOM, then strict UTF-8, then cp1252, unless the user chose one;
delimiter: comma, semicolon or tab, sniffed unless chosen), .xlsx through
openpyxl in read-only mode, and the LinkedIn archive's zip (its
`Job Applications.csv`). Every failure is a `ReadError` with a message for the
user; nothing here raises anything else on hostile input.
"""

import codecs
import csv
import datetime
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import openpyxl
from django.utils.translation import gettext as _

MAX_ROWS = 5_000
MAX_COLUMNS = 100
MAX_CELL_CHARS = 100_000
# An .xlsx is a zip: refuse one that inflates beyond this, or by more than this ratio.
XLSX_MAX_UNCOMPRESSED = 50 * 1024 * 1024
ZIP_MAX_RATIO = 100

ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16")
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
LINKEDIN_MEMBERS = ("Jobs/Job Applications.csv", "Job Applications.csv")


class ReadError(ValueError):
    pass


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    kind: str  # "csv", "xlsx" or "linkedin"
    encoding: str = ""
    delimiter: str = ""
    # Rows beyond MAX_ROWS are not read; this says there were some.
    truncated: bool = False
    notes: list[str] = field(default_factory=list)


def _check_zip(archive: zipfile.ZipFile, *, total_limit: int) -> None:
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.file_size > 1024 * 1024 and info.file_size > ZIP_MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise ReadError(_("The file is compressed suspiciously well; it was not opened."))
        if total > total_limit:
            raise ReadError(_("The file unpacks to more than we read; it was not opened."))


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text and the name of the encoding that read it."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError as error:
            raise ReadError(_("Unknown encoding “%(e)s”.") % {"e": encoding}) from error
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as error:
            raise ReadError(
                _("The file cannot be read as %(e)s (byte %(pos)s).")
                % {"e": encoding, "pos": error.start}
            ) from error
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as error:
                raise ReadError(
                    _("The file's text is damaged (byte %(pos)s).") % {"pos": error.start}
                ) from error
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as error:
        raise ReadError(
            _("The file's encoding was not recognised: choose it below (byte %(pos)s).")
            % {"pos": error.start}
        ) from error


def sniff_delimiter(text: str) -> str:
    sample = text[: 64 * 1024]
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        return max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in head


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _finish(raw_rows, kind: str, **extra) -> Table:
    headers: list[str] | None = None
    rows: list[list[str]] = []
    truncated = False
    for raw in raw_rows:
        cells = [_cell(v).strip() for v in raw]
        if headers is None:
            if not any(cells):
                continue  # blank lines above the header
            while cells and not cells[-1]:
                cells.pop()
            if len(cells) > MAX_COLUMNS:
                raise ReadError(_("The file has more than %(n)s columns.") % {"n": MAX_COLUMNS})
            headers = cells
            continue
        if not any(cells):
            continue
        if len(rows) >= MAX_ROWS:
            truncated = True
            break
        if any(len(c) > MAX_CELL_CHARS for c in cells):
            raise ReadError(
                _("Row %(row)s has a cell longer than %(n)s characters.")
                % {"row": len(rows) + 2, "n": MAX_CELL_CHARS}
            )
        cells = cells[: len(headers)] + [""] * (len(headers) - len(cells))
        rows.append(cells)
    if headers is None:
        raise ReadError(_("The file is empty: no header row was found."))
    return Table(headers=headers, rows=rows, kind=kind, truncated=truncated, **extra)


def read_csv_text(text: str, *, delimiter: str | None = None, kind: str = "csv", **extra) -> Table:
    if delimiter is not None and delimiter not in DELIMITERS:
        raise ReadError(_("Choose comma, semicolon or tab as the delimiter."))
    delimiter = delimiter or sniff_delimiter(text)
    text = text.removeprefix("\ufeff")
    csv.field_size_limit(MAX_CELL_CHARS + 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _finish(reader, kind, delimiter=delimiter, **extra)
    except csv.Error as error:
        raise ReadError(
            _("The file is not a readable CSV (line %(line)s): %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from error


def read_xlsx(data: bytes) -> Table:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_zip(archive, total_limit=XLSX_MAX_UNCOMPRESSED)
    except zipfile.BadZipFile as error:
        raise ReadError(_("The .xlsx file is damaged.")) from error
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise ReadError(_("The .xlsx file could not be opened.")) from error
    try:
        if not workbook.worksheets:
            raise ReadError(_("The workbook has no sheet."))
        rows = workbook.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
        return _finish(_guarded(rows), "xlsx")
    finally:
        workbook.close()


def _guarded(rows: Iterable) -> Iterator:
    """openpyxl's rows; a malformed sheet's error (of any kind) becomes a ReadError."""
    try:
        yield from rows
    except ReadError:
        raise
    except Exception as error:
        raise ReadError(_("The .xlsx file could not be read.")) from error


def read_linkedin(
    archive: zipfile.ZipFile, *, encoding: str | None, delimiter: str | None
) -> Table:
    names = {info.filename: info for info in archive.infolist()}
    member = next((names[n] for n in LINKEDIN_MEMBERS if n in names), None)
    if member is None:
        member = next(
            (info for n, info in names.items() if n.endswith("/Job Applications.csv")), None
        )
    if member is None:
        raise ReadError(_("This zip has no “Job Applications.csv”: is it LinkedIn's data archive?"))
    with archive.open(member) as handle:
        data = handle.read(XLSX_MAX_UNCOMPRESSED + 1)
    if len(data) > XLSX_MAX_UNCOMPRESSED:
        raise ReadError(_("The archive's job applications file is too large."))
    text, used = decode(data, encoding)
    return read_csv_text(text, delimiter=delimiter, kind="linkedin", encoding=used)


def read_table(
    data: bytes, *, filename: str = "", encoding: str | None = None, delimiter: str | None = None
) -> Table:
    """Read an uploaded file, whatever it claims to be."""
    if not data:
        raise ReadError(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as error:
            raise ReadError(_("The file looks like a zip but is damaged.")) from error
        with archive:
            _check_zip(archive, total_limit=XLSX_MAX_UNCOMPRESSED * 4)
            if "xl/workbook.xml" in archive.namelist():
                return read_xlsx(data)
            return read_linkedin(archive, encoding=encoding, delimiter=delimiter)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReadError(_("This is an old Excel (.xls) file: save it as .xlsx or CSV."))
    if _looks_binary(data):
        raise ReadError(
            _("This file is not a spreadsheet Ajar can read (it is binary, not CSV text).")
        )
    text, used = decode(data, encoding)
    return read_csv_text(text, delimiter=delimiter, encoding=used)
