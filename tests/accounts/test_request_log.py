"""One log line per request with a request id, JSON on demand, Sentry only when
a DSN is set."""

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.request_log import RequestIdFilter, request_id

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def _request_lines(caplog):
    return [r for r in caplog.records if r.name == "ajar.request"]


def test_each_request_logs_one_line_with_its_id(user_client, user, caplog):
    caplog.set_level(logging.INFO, logger="ajar.request")
    response = user_client.get(reverse("dashboard"))
    (line,) = _request_lines(caplog)
    assert response["X-Request-ID"]
    assert line.status == 200
    assert line.route == "/"
    assert line.user_id == user.pk
    assert line.http_method == "GET"
    assert line.duration_ms >= 0
    RequestIdFilter().filter(line)
    assert line.request_id == response["X-Request-ID"]


def test_every_line_logged_during_a_request_carries_its_id(rf, caplog):
    from django.http import HttpResponse

    from accounts.request_log import RequestLogMiddleware

    def view(request):
        logging.getLogger("ajar.test").warning("inside the view")
        return HttpResponse("ok")

    caplog.set_level(logging.INFO)
    caplog.handler.addFilter(RequestIdFilter())
    response = RequestLogMiddleware(view)(rf.get("/x/", HTTP_X_REQUEST_ID="abc-123"))
    inside = next(r for r in caplog.records if r.name == "ajar.test")
    assert inside.request_id == "abc-123"
    # Django's own line about the response comes after the middleware, before close.
    assert request_id.get() == "abc-123"
    response.close()
    assert request_id.get() == "-"


def test_a_proxys_request_id_is_kept_and_a_hostile_one_replaced(client):
    assert client.get("/health/", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    replaced = client.get("/health/", HTTP_X_REQUEST_ID="x\n{evil}" + "y" * 100)["X-Request-ID"]
    assert "\n" not in replaced
    assert len(replaced) == 32


def test_signed_links_are_logged_by_route_not_by_token(client, caplog):
    caplog.set_level(logging.INFO, logger="ajar.request")
    client.get("/reminders/email/SECRET-TOKEN-abc/")
    (line,) = _request_lines(caplog)
    assert "SECRET-TOKEN" not in line.getMessage()
    assert line.route == "/reminders/email/<str:token>/"


def test_a_celery_task_tags_its_lines_with_its_id():
    from config.celery_app import _tag_task_logs, _untag_task_logs

    _tag_task_logs(task_id="task-1")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    RequestIdFilter().filter(record)
    assert record.request_id == "task-1"
    _untag_task_logs()
    assert request_id.get() == "-"


SCRIPT = """
import django, logging
django.setup()
from django.test import Client
Client().get("/no-such-page/", HTTP_X_REQUEST_ID="req-42")
logging.getLogger("ajar.test").warning("hello %s", "there")
try:
    import sentry_sdk
except ImportError:  # the optional extra is not installed: nothing can start it
    print("SENTRY absent")
else:
    print("SENTRY", sentry_sdk.is_initialized())
"""


def _run(**env):
    base = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "AJAR_TESTING": "1",
        "ALLOWED_HOSTS": "testserver",
    }
    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_json_log_format_writes_one_object_a_line_with_the_request_id():
    result = _run(AJAR_LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    request = next(line for line in lines if line["logger"] == "ajar.request")
    assert request["request_id"] == "req-42"
    assert request["route"] == "/no-such-page/"
    assert request["status"] == 404
    assert request["level"] == "INFO"
    assert "status" in request
    assert any(line["message"] == "hello there" for line in lines)
    assert "SENTRY True" not in result.stdout


def test_plain_log_format_shows_the_request_id():
    result = _run()
    assert result.returncode == 0, result.stderr
    assert "[req-42]" in result.stderr
    assert "ajar.request" in result.stderr


def test_an_unknown_log_format_stops_start_up():
    result = _run(AJAR_LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "AJAR_LOG_FORMAT must be plain or json" in result.stderr


def test_sentry_starts_only_with_a_dsn():
    result = _run(SENTRY_DSN="http://public@127.0.0.1:9/1")
    assert result.returncode == 0, result.stderr
    assert "SENTRY True" in result.stdout
