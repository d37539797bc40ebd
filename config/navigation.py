"""The main navigation bar of every page: its links reversed once per process
(per script prefix and URLconf), and which section the current page is in.

base.html reversed a dozen URLs for every page and compared each with the path
in the template; the comparisons are the same, made here once a request."""

import functools
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse

# Name in the template -> URL name.
LINKS = {
    "dashboard": "dashboard",
    "board": "applications:board",
    "applications": "applications:list",
    "companies": "review:company_list",
    "contacts": "contacts:list",
    "reminders": "reminders:list",
    "inbox": "inbox:list",
    "stats": "review:stats",
    "data": "portability:index",
    "settings": "settings",
    "log": "reminders:log_rejection",
    "logout": "account_logout",
}
# The sections whose pages live under another section's path: the applications
# link is not current on them (nor on the log-rejection form, which has its own button).
_UNDER_APPLICATIONS = ("stats", "board", "companies", "log")


@functools.lru_cache(maxsize=16)
def _links(prefix: str, urlconf: str) -> dict[str, str]:
    return {key: reverse(name, urlconf=urlconf) for key, name in LINKS.items()}


def current_sections(path: str, links: dict[str, str]) -> frozenset[str]:
    """The sections whose link is marked current on the page at `path`."""
    current = {
        key
        for key in (
            "board",
            "companies",
            "contacts",
            "reminders",
            "inbox",
            "stats",
            "data",
            "settings",
        )
        if links[key] in path
    }
    if path == links["dashboard"]:
        current.add("dashboard")
    if links["applications"] in path and not any(links[key] in path for key in _UNDER_APPLICATIONS):
        current.add("applications")
    return frozenset(current)


def navigation(request: HttpRequest) -> dict[str, Any]:
    links = _links(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    return {"nav": {**links, "current": current_sections(request.path, links)}}
