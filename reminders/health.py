"""The health endpoint: is the engine delivering?

Public (a load balancer or uptime monitor calls it without logging in) and cheap:
one query for the heartbeat, two for the overdue reminders, one broker ping.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from reminders import engine
from reminders.models import Heartbeat


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def _broker_ok() -> bool:
    from config.celery_app import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        return True
    except Exception:
        return False


@login_not_required
@never_cache
@require_GET
def health(request):
    now = timezone.now()
    database, broker = _database_ok(), _broker_ok()
    if not database:
        return JsonResponse(
            {
                "status": "unhealthy",
                "problems": ["database unreachable"],
                "database": False,
                "broker": broker,
            },
            status=503,
        )
    problems = []
    beat = Heartbeat.objects.filter(name=engine.SWEEP_HEARTBEAT).first()
    if beat is None or now - beat.beat_at > settings.AJAR_HEALTH_SWEEP_STALE:
        minutes = settings.AJAR_HEALTH_SWEEP_STALE.total_seconds() // 60
        problems.append(f"no sweep in the last {minutes:.0f} minutes")
    late = engine.lateness(now=now)
    oldest_age = (now - late.oldest_due).total_seconds() if late.oldest_due else 0.0
    if late.oldest_due and now - late.oldest_due > settings.AJAR_HEALTH_MAX_LATENESS:
        problems.append(f"due reminders are {oldest_age // 60:.0f} minutes late")
    body = {
        "status": "unhealthy" if problems else "ok",
        "problems": problems,
        "database": database,
        # Reported, not fatal by itself: logging rejections works without the
        # broker, and a lasting outage turns the sweep heartbeat stale.
        "broker": broker,
        "last_sweep": {
            "at": beat.beat_at.isoformat() if beat else None,
            "age_seconds": round((now - beat.beat_at).total_seconds(), 1) if beat else None,
            "detail": beat.detail if beat else None,
        },
        "overdue": {"count": late.count, "oldest_age_seconds": round(oldest_age, 1)},
    }
    return JsonResponse(body, status=503 if problems else 200)
