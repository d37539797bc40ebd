"""Is the engine delivering? `/health/` for uptime monitors, `/metrics` for Prometheus.

Built from what matters to a user: the oldest reminder that is due and not sent,
measured from its due time (not from its next attempt), the reminders stuck in
sending past their lease, backing off, failed or possibly delivered, and the last
successful send. The database and the broker are each checked with a hard
deadline (AJAR_HEALTH_CHECK_TIMEOUT, a second): a hung dependency is "down",
never a hung endpoint. Every count reads a small partial index.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import hmac
import os
from dataclasses import dataclass
from typing import Any

import redis
from celery import current_app
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
)
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from reminders.engine import SWEEP_HEARTBEAT, orphaned_q, sendable_q
from reminders.models import Heartbeat, Reminder, ReminderStatus

DAY = datetime.timedelta(days=1)
# Upper bounds (seconds) of the send latency histogram: from the start of the
# attempt to "sent" (lock, render, SMTP, commit).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# ...and of the lateness histogram: from the due time to "sent".
LATENESS_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 900, 3600, 4 * 3600, 86400)
WINDOW = datetime.timedelta(hours=1)

# Dependency checks run here so that a hung one times out instead of hanging
# the request. A hung check keeps its thread; with all of them hung, further
# checks queue and time out too. Nothing here may raise: any failure is "down".
_checks = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="health")


def _outcome(future: concurrent.futures.Future[bool], done: set[Any]) -> bool:
    return future in done and future.exception() is None and bool(future.result())


def dependencies_up() -> tuple[bool, bool]:
    """(database, broker), checked side by side within one deadline."""
    database = _checks.submit(_database_check)
    broker = _checks.submit(_broker_check)
    done, _pending = concurrent.futures.wait(
        [database, broker], timeout=settings.AJAR_HEALTH_CHECK_TIMEOUT
    )
    return _outcome(database, done), _outcome(broker, done)


def _database_check() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    finally:
        # This thread's own connection: not kept between checks.
        connections.close_all()


def _broker_check() -> bool:
    url = settings.CELERY_BROKER_URL
    timeout = settings.AJAR_HEALTH_CHECK_TIMEOUT
    if url.startswith(("redis://", "rediss://")):
        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    if url.startswith("filesystem://"):
        folder = str(settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_out", ""))
        return os.access(folder, os.W_OK)
    with current_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=timeout)
    return True


# --- What the rows say ---------------------------------------------------------------


@dataclass(frozen=True)
class EngineState:
    due_unsent: int
    oldest_due_at: datetime.datetime | None
    sending: int
    sending_past_lease: int
    sending_orphaned: int
    backing_off: int
    failed_last_day: int
    possibly_delivered_last_day: int
    last_sent_at: datetime.datetime | None


def _due_unsent(now: datetime.datetime) -> QuerySet[Reminder]:
    """Due and not sent, for users who may be emailed. Three small index
    ranges: due for a first attempt, backing off, being sent."""
    pending = (
        Q(status=ReminderStatus.SCHEDULED, next_attempt_at__lte=now)
        | Q(status=ReminderStatus.SCHEDULED, attempts__gt=0)
        | Q(status=ReminderStatus.SENDING)
    )
    return Reminder.objects.filter(pending, sendable_q(), due_at__lte=now)


def engine_state(*, now: datetime.datetime) -> EngineState:
    due = _due_unsent(now).aggregate(count=Count("id"), oldest=Min("due_at"))
    sending = Reminder.objects.filter(status=ReminderStatus.SENDING).aggregate(
        total=Count("id"),
        past=Count("id", filter=Q(lease_expires_at__lte=now)),
        orphaned=Count("id", filter=orphaned_q()),
    )
    return EngineState(
        due_unsent=due["count"],
        oldest_due_at=due["oldest"],
        sending=sending["total"],
        sending_past_lease=sending["past"],
        sending_orphaned=sending["orphaned"],
        backing_off=Reminder.objects.filter(
            status=ReminderStatus.SCHEDULED, attempts__gt=0, next_attempt_at__gt=now
        ).count(),
        failed_last_day=Reminder.objects.filter(
            status=ReminderStatus.FAILED, updated_at__gte=now - DAY
        ).count(),
        possibly_delivered_last_day=Reminder.objects.filter(
            possibly_delivered_at__gte=now - DAY
        ).count(),
        last_sent_at=Reminder.objects.filter(status=ReminderStatus.SENT).aggregate(
            last=Max("sent_at")
        )["last"],
    )


def _bounded() -> None:
    """Inside a transaction: no health query may run longer than the deadline."""
    if connection.vendor == "postgresql":
        ms = int(settings.AJAR_HEALTH_CHECK_TIMEOUT * 1000)
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = {ms}")


def _age(now: datetime.datetime, then: datetime.datetime | None) -> float | None:
    return round((now - then).total_seconds(), 1) if then else None


@login_not_required
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    now = timezone.now()
    database, broker = dependencies_up()
    problems: list[str] = []
    warnings: list[str] = []
    if not broker:
        problems.append("broker unreachable")
    state, beat = None, None
    if database:
        try:
            with transaction.atomic():
                _bounded()
                beat = Heartbeat.objects.filter(name=SWEEP_HEARTBEAT).first()
                state = engine_state(now=now)
        except DatabaseError:
            database = False
    if not database:
        problems.insert(0, "database unreachable")
        body: dict[str, Any] = {
            "status": "unhealthy",
            "problems": problems,
            "warnings": warnings,
            "database": False,
            "broker": broker,
        }
        return JsonResponse(body, status=503)
    assert state is not None
    if beat is None or now - beat.beat_at > settings.AJAR_HEALTH_SWEEP_STALE:
        minutes = settings.AJAR_HEALTH_SWEEP_STALE.total_seconds() // 60
        problems.append(f"no sweep in the last {minutes:.0f} minutes")
    oldest_age = _age(now, state.oldest_due_at) or 0.0
    if state.oldest_due_at and now - state.oldest_due_at > settings.AJAR_HEALTH_MAX_LATENESS:
        problems.append(f"due reminders are {oldest_age // 60:.0f} minutes late")
    if state.sending_past_lease:
        problems.append(f"{state.sending_past_lease} reminders in sending past their lease")
    if state.sending_orphaned:
        problems.append(
            f"{state.sending_orphaned} reminders in sending with no worker holding them"
        )
    if state.backing_off:
        warnings.append(f"{state.backing_off} reminders backing off after a failed attempt")
    if state.failed_last_day:
        warnings.append(f"{state.failed_last_day} reminders failed in the last day")
    if state.possibly_delivered_last_day:
        warnings.append(
            f"{state.possibly_delivered_last_day} reminders possibly delivered in the last day"
        )
    body = {
        "status": "unhealthy" if problems else ("degraded" if warnings else "ok"),
        "problems": problems,
        "warnings": warnings,
        "database": True,
        "broker": broker,
        "last_sweep": {
            "at": beat.beat_at.isoformat() if beat else None,
            "age_seconds": _age(now, beat.beat_at) if beat else None,
            "detail": beat.detail if beat else None,
        },
        "overdue": {"count": state.due_unsent, "oldest_age_seconds": oldest_age},
        "states": {
            "sending": state.sending,
            "sending_past_lease": state.sending_past_lease,
            "sending_orphaned": state.sending_orphaned,
            "backing_off": state.backing_off,
            "failed_last_day": state.failed_last_day,
            "possibly_delivered_last_day": state.possibly_delivered_last_day,
        },
        "last_sent": {
            "at": state.last_sent_at.isoformat() if state.last_sent_at else None,
            "age_seconds": _age(now, state.last_sent_at),
        },
    }
    return JsonResponse(body, status=503 if problems else 200)


# --- Prometheus ----------------------------------------------------------------------------


def _allowed(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    token = settings.AJAR_METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(token) and hmac.compare_digest(given.encode(), token.encode())


def _histogram(
    lines: list[str], name: str, help_text: str, queryset: QuerySet[Reminder], expr: Any
) -> None:
    """A histogram of `expr` (a duration) over the last hour's sends."""
    seconds = ExpressionWrapper(expr, output_field=DurationField())
    annotated = queryset.annotate(d=seconds)
    aggregates: dict[str, Any] = {
        f"le_{i}": Count("id", filter=Q(d__lte=datetime.timedelta(seconds=b)))
        for i, b in enumerate(BUCKETS_BY_NAME[name])
    }
    aggregates["count"] = Count("id")
    row = annotated.aggregate(**aggregates)
    total = annotated.aggregate(s=Sum("d"))["s"]
    lines += [f"# HELP {name} {help_text}", f"# TYPE {name} histogram"]
    for i, bound in enumerate(BUCKETS_BY_NAME[name]):
        lines.append(f'{name}_bucket{{le="{bound:g}"}} {row[f"le_{i}"]}')
    lines.append(f'{name}_bucket{{le="+Inf"}} {row["count"]}')
    lines.append(f"{name}_sum {total.total_seconds() if total else 0.0:.3f}")
    lines.append(f"{name}_count {row['count']}")


BUCKETS_BY_NAME = {
    "ajar_reminder_send_latency_seconds": LATENCY_BUCKETS,
    "ajar_reminder_lateness_seconds": LATENESS_BUCKETS,
}


def metrics_text(*, now: datetime.datetime) -> str:
    lines: list[str] = []
    by_status = dict(
        Reminder.objects.order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    lines += ["# HELP ajar_reminders Reminders by status.", "# TYPE ajar_reminders gauge"]
    for status in ReminderStatus.values:
        lines.append(f'ajar_reminders{{status="{status}"}} {by_status.get(status, 0)}')
    state = engine_state(now=now)
    gauges = {
        "ajar_reminders_due_unsent": (
            "Due, not sent, for users who may be emailed.",
            state.due_unsent,
        ),
        "ajar_reminders_oldest_due_age_seconds": (
            "Age of the oldest due-but-unsent reminder, from its due time.",
            _age(now, state.oldest_due_at) or 0.0,
        ),
        "ajar_reminders_sending_past_lease": (
            "Sending past their lease.",
            state.sending_past_lease,
        ),
        "ajar_reminders_sending_orphaned": (
            "Started sends with no worker holding them (reclaimed at the next sweep).",
            state.sending_orphaned,
        ),
        "ajar_reminders_backing_off": ("Waiting for a retry.", state.backing_off),
        "ajar_reminders_failed_last_day": ("Failed in the last day.", state.failed_last_day),
        "ajar_reminders_possibly_delivered_last_day": (
            "No reply after the end of DATA in the last day.",
            state.possibly_delivered_last_day,
        ),
        "ajar_reminder_last_sent_timestamp_seconds": (
            "When the last reminder was sent (Unix time).",
            state.last_sent_at.timestamp() if state.last_sent_at else 0,
        ),
    }
    for name, (help_text, value) in gauges.items():
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value}"]
    recent = Reminder.objects.filter(status=ReminderStatus.SENT, sent_at__gte=now - WINDOW)
    _histogram(
        lines,
        "ajar_reminder_send_latency_seconds",
        "From the start of the attempt to sent, over the last hour's sends.",
        recent.filter(attempt_started_at__isnull=False),
        F("sent_at") - F("attempt_started_at"),
    )
    _histogram(
        lines,
        "ajar_reminder_lateness_seconds",
        "From the due time to sent, over the last hour's sends.",
        recent,
        F("sent_at") - F("due_at"),
    )
    return "\n".join(lines) + "\n"


@login_not_required
@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise Http404
    with transaction.atomic():
        _bounded()
        text = metrics_text(now=timezone.now())
    return HttpResponse(text, content_type="text/plain; version=0.0.4; charset=utf-8")
