"""A stored file served to its owner: always a download, never rendered.

One response for every file Ajar keeps (a rejection's letter and the files with
it, an Inbox draft's message and the files inside it): `Content-Disposition:
attachment` with a name that cannot break the header, the type sniffed when it
was stored and served as itself only when it is a document or an image
(`letters.files.served_type`), `nosniff`, and a sandboxing CSP in
case a browser opens it all the same.
"""

import unicodedata

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from letters.files import served_type


def download_name(filename: str, fallback: str = "file") -> str:
    """The filename without control characters, quotes, path parts or leading dots."""
    name = "".join(c for c in filename if unicodedata.category(c)[0] != "C").replace('"', "_")
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".")
    return " ".join(name.split())[:150] or fallback


def file_download(
    data: bytes, *, filename: str, content_type: str, fallback: str = "file"
) -> HttpResponse:
    response = HttpResponse(data, content_type=served_type(content_type))
    header = content_disposition_header(
        as_attachment=True, filename=download_name(filename, fallback)
    )
    assert header is not None  # None only when neither a download nor a name
    response["Content-Disposition"] = header
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
