from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedRequest
from accounts.services import user_search_start_set
from accounts.timezones import user_today
from review.forms import SearchStartForm, StatsFilterForm
from review.insights import insights_for, search_start
from review.stats import stats_for


def stats(request: AuthenticatedRequest) -> HttpResponse:
    """The figures of the search (GET, filtered) and the search start (POST)."""
    user = request.user
    today = user_today(user)
    if request.method == "POST":
        search_start_form = SearchStartForm(request.POST, today=today)
        if search_start_form.is_valid():
            user_search_start_set(
                user=user, started_on=search_start_form.cleaned_data["search_started_on"]
            )
            messages.success(request, _("Search start saved."))
            return redirect(request.get_full_path())
    else:
        search_start_form = SearchStartForm(
            initial={"search_started_on": user.search_started_on}, today=today
        )
    filter_form = StatsFilterForm(request.GET or None)
    filters = filter_form.filters()
    start = search_start(user)
    return render(
        request,
        "review/stats.html",
        {
            "filter_form": filter_form,
            "filters": filters,
            "stats": stats_for(user, filters),
            "insights": insights_for(user, today, start=start),
            "search_start": start,
            "search_start_form": search_start_form,
        },
    )
