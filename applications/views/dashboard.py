"""The dashboard: what needs the user today, each item with its action."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from applications import overview
from applications.models import Application
from applications.services import application_mark_ghosted, user_today

LIST_LIMIT = 10
RECENT_DAYS = 30
INSIGHTS_TEMPLATE = "applications/_insights.html"


def _has_template(name: str) -> bool:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


def dashboard(request):
    user = request.user
    today = user_today(user)
    now = timezone.now()
    stale = overview.stale_applications(user, today=today)
    circle_backs = list(overview.circle_backs(user, now=now)[: LIST_LIMIT + 1])
    stale_list = list(stale[: LIST_LIMIT + 1])
    counts = overview.stage_counts(user)
    context = {
        "today": today,
        "now": now,
        "ghosted_after_days": settings.AJAR_GHOSTED_AFTER_DAYS,
        "circle_backs": circle_backs[:LIST_LIMIT],
        "more_circle_backs": len(circle_backs) > LIST_LIMIT,
        "stale": stale_list[:LIST_LIMIT],
        "more_stale": len(stale_list) > LIST_LIMIT,
        "recent": list(
            overview.recent_outcomes(user, since=today - datetime.timedelta(days=RECENT_DAYS))[:5]
        ),
        "stage_counts": counts,
        "open_total": sum(n for _stage, n in counts),
        "has_applications": Application.objects.for_user(user).exists(),
    }
    # The insights come with the stats pages; the dashboard stands without them.
    if _has_template(INSIGHTS_TEMPLATE):
        from applications.insights import insights_for

        context["insights_template"] = INSIGHTS_TEMPLATE
        context["insights"] = insights_for(user, today)
    return render(request, "applications/dashboard.html", context)


def mark_ghosted(request, pk):
    application = get_object_or_404(Application.objects.for_user(request.user), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        result = application_mark_ghosted(application=application)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        due = formats.date_format(result.reminder.due_date, "DATE_FORMAT")
        messages.success(
            request,
            _("“%(app)s” is marked as ghosted. Ajar will remind you to circle back on %(due)s.")
            % {"app": application, "due": due},
        )
    return redirect("dashboard")
