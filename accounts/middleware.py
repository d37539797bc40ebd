from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

_View = Callable[..., Any]
UTF8_NAMES = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})


class UserTimezoneMiddleware:
    """Activate the signed-in user's zone: every datetime shown and every
    "today" default is then the user's own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user.zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def max_request_bytes(limit: int) -> Callable[[_View], _View]:
    """Let one view take bodies up to `limit` bytes (an archive import, say)
    instead of settings.AJAR_REQUEST_MAX_BYTES."""

    def decorate(view: _View) -> _View:
        view.ajar_max_request_bytes = limit  # type: ignore[attr-defined]
        return view

    return decorate


class RequestBodyGuardMiddleware:
    """Refuse a body before anything reads it: one too large (413, judged from
    Content-Length, before a byte is read or spooled to disk), or one that cannot
    be decoded (400, e.g. a form posted as UTF-16 or with an unknown charset).

    Runs its check in process_view, after the URL is resolved (so a view may
    allow more) and before CsrfViewMiddleware, the first to read request.POST."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: _View, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        limit = getattr(view_func, "ajar_max_request_bytes", settings.AJAR_REQUEST_MAX_BYTES)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _refused(request, 400, _("The request could not be read."))
        if length > limit:
            return _refused(
                request,
                413,
                _("That is too much to send at once (at most %(size)s). Nothing was saved.")
                % {"size": filesizeformat(limit)},
            )
        if request.method == "POST":
            # Every page is UTF-8, so every browser posts UTF-8: a body declared
            # in another charset comes from a client of its own, and decoding by
            # it gave odd errors deep in the forms.
            charset = (request.content_params or {}).get("charset", "utf-8")
            if charset.strip().lower().replace("_", "-") not in UTF8_NAMES:
                return _unreadable(request)
            try:
                request.POST  # noqa: B018 - parse now, where a failure is a clear 400
                request.FILES  # noqa: B018
            except (UnicodeDecodeError, LookupError, MultiPartParserError, BadRequest):
                return _unreadable(request)
        return None


class PrivateCacheMiddleware:
    """Pages are personal (signed in) or reached through a signed link: no
    shared cache or browser history may keep them. `private, no-store` on every
    response that did not choose its own caching (WhiteNoise's static files
    are answered before this runs)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response


def _refused(request: HttpRequest, status: int, message: str) -> HttpResponse:
    return render(request, "accounts/request_refused.html", {"message": message}, status=status)


def _unreadable(request: HttpRequest) -> HttpResponse:
    return _refused(request, 400, _("The form could not be read: send it as UTF-8."))
