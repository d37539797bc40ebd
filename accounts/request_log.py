"""One log line per request, and a request id on every line logged while it
runs (and on every line of a Celery task, with the task's id).

The id comes from a trusted proxy's X-Request-ID when it looks like one, else
it is made here; it is sent back in the response's X-Request-ID header so a
user's report can be matched to the log.
"""

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("ajar.request")

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("ajar_request_id", default="-")
_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_PATH_LOGGED_MAX = 200


def _clear_request_id(**kwargs: object) -> None:
    request_id.set("-")


request_finished.connect(_clear_request_id, dispatch_uid="ajar_clear_request_id")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (a handler's filter, so it also tags
    records of libraries' loggers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get("X-Request-ID", "")
        rid = offered if _VALID_ID.fullmatch(offered) else uuid.uuid4().hex
        request_id.set(rid)
        started = time.monotonic()
        try:
            response = self.get_response(request)
        except BaseException:
            self._log(request, 500, started)
            request_id.set("-")
            raise
        response["X-Request-ID"] = rid
        self._log(request, response.status_code, started)
        # Cleared when the response is closed (request_finished), not here:
        # Django logs its own line about an error response after the middleware.
        return response

    @staticmethod
    def _log(request: HttpRequest, status: int, started: float) -> None:
        match = getattr(request, "resolver_match", None)
        # The route, not the path: signed links carry their token in the path,
        # and a log is no place for a 30-day credential.
        where = f"/{match.route}" if match is not None and match.route else request.path
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        logger.info(
            "%s %s %s %sms",
            request.method,
            where[:_PATH_LOGGED_MAX],
            status,
            duration_ms,
            extra={
                "http_method": request.method,
                "route": where[:_PATH_LOGGED_MAX],
                "status": status,
                "duration_ms": duration_ms,
                "user_id": user_id,
            },
        )
