"""Links to the rows of a long page, without reversing a URL for every row.

A page of 350 board cards or 50 list rows links each row to its own pages;
`{% url %}` runs the resolver for every one (a sixth of the board's time). A
URL with one integer argument is the same text around that integer for every
row, so it is reversed once per (name, script prefix, URLconf) and the row's
id is put between the two halves.
"""

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# An id no row has: what it is reversed with, then split on.
_PLACEHOLDER = "2147483647"


@functools.lru_cache(maxsize=256)
def _halves(name: str, prefix: str, urlconf: str) -> tuple[str, str]:
    url = reverse(name, args=[int(_PLACEHOLDER)], urlconf=urlconf)
    head, found, tail = url.rpartition(_PLACEHOLDER)
    if not found:
        raise ValueError(f"{name} does not take its id as a path segment")
    return head, tail


def pk_url(name: str, pk: int) -> str:
    """`reverse(name, args=[pk])` for a URL whose one argument is an integer id."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    head, tail = _halves(name, get_script_prefix(), urlconf)
    return f"{head}{int(pk)}{tail}"


def pk_url_halves(name: str) -> tuple[str, str]:
    """What `pk_url(name, pk)` puts before and after the id, for a loop that
    writes many rows' links itself."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _halves(name, get_script_prefix(), urlconf)
