"""The dashboard: what needs the user today, each item with its action."""

import datetime

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.http import AuthenticatedRequest
from accounts.timezones import user_today
from applications.models import Application
from review import selectors
from review.insights import insights_for

LIST_LIMIT = 10
RECENT_DAYS = 30
INSIGHTS_TEMPLATE = "review/_insights.html"


def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    today = user_today(user)
    now = timezone.now()
    stale = selectors.stale_applications(user, today=today)
    circle_backs = selectors.circle_backs(user, now=now, limit=LIST_LIMIT + 1)
    stale_list = list(stale[: LIST_LIMIT + 1])
    counts = selectors.stage_counts(user)
    context = {
        "today": today,
        "now": now,
        "ghosted_after_days": settings.AJAR_GHOSTED_AFTER_DAYS,
        "circle_backs": circle_backs[:LIST_LIMIT],
        "more_circle_backs": len(circle_backs) > LIST_LIMIT,
        "stale": stale_list[:LIST_LIMIT],
        "more_stale": len(stale_list) > LIST_LIMIT,
        "recent": list(
            selectors.recent_outcomes(user, since=today - datetime.timedelta(days=RECENT_DAYS))[:5]
        ),
        "stage_counts": counts,
        "open_total": sum(n for _stage, n in counts),
        "has_applications": Application.objects.for_user(user).exists(),
    }
    context["insights_template"] = INSIGHTS_TEMPLATE
    context["insights"] = insights_for(user, today)
    return render(request, "review/dashboard.html", context)
