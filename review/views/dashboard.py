"""The dashboard: what needs the user today, each item with its action."""

import datetime
import functools

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.http import AuthenticatedRequest
from accounts.labels import date_rows, label_rows
from accounts.links import pk_url
from accounts.timezones import user_today
from applications.models import Outcome, Stage
from review import selectors
from review.insights import insights_for

LIST_LIMIT = 10
RECENT_DAYS = 30
INSIGHTS_TEMPLATE = "review/_insights.html"


def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    today = user_today(user)
    now = timezone.now()
    circle_backs = selectors.circle_backs(user, now=now, limit=LIST_LIMIT + 1)
    stale_list = selectors.stale_rows(user, today=today, limit=LIST_LIMIT + 1)
    since = today - datetime.timedelta(days=RECENT_DAYS)
    recent = selectors.recent_rows(user, since=since, limit=5)
    _add_links(circle_backs, stale_list, recent)
    label_rows(stale_list, current_stage=Stage)
    date_rows(stale_list, last_news_on="DATE_FORMAT")
    label_rows(recent, outcome=Outcome, furthest_stage=Stage)
    date_rows(recent, outcome_on="DATE_FORMAT")
    counts = selectors.stage_counts(user)
    open_total = sum(n for _stage, n in counts)
    context = {
        "now": now,
        "ghosted_after_days": settings.AJAR_GHOSTED_AFTER_DAYS,
        "circle_backs": circle_backs[:LIST_LIMIT],
        "more_circle_backs": len(circle_backs) > LIST_LIMIT,
        "stale": stale_list[:LIST_LIMIT],
        "more_stale": len(stale_list) > LIST_LIMIT,
        "recent": recent,
        "stage_counts": counts,
        "open_total": open_total,
        # A row listed or an application counted open is one of the user's:
        # the query for one is left to the dashboards that show neither.
        "has_applications": bool(open_total or circle_backs or stale_list or recent)
        or selectors.has_applications(user),
    }
    context["insights_template"] = INSIGHTS_TEMPLATE
    context["insights"] = insights_for(user, today)
    return render(request, "review/dashboard.html", context)


def _add_links(circle_backs, stale, recent) -> None:
    """The links of each row, as attributes set like annotations."""
    application = functools.partial(pk_url, "review:application")
    company = functools.partial(pk_url, "review:company_detail")
    done = functools.partial(pk_url, "reminders:done")
    ghost = functools.partial(pk_url, "reminders:mark_ghosted")
    for reminder in circle_backs:
        reminder.application_url = application(reminder.application_id)
        reminder.company_url = company(reminder.application.company_id)
        reminder.done_url = done(reminder.pk)
    for row in stale:
        row.detail_url = application(row.pk)
        row.ghost_url = ghost(row.pk)
    for row in recent:
        row.detail_url = application(row.pk)
