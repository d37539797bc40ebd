"""The application page: its timeline across every app (stages, rejection and
letter, conversations, circle-back)."""

from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render

from accounts.http import AuthenticatedRequest
from applications.forms import StageEventForm
from applications.models import Application, Stage
from reminders.forms import NewContactFormSet
from review import selectors


def application_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = selectors.application_for_detail(user=request.user, pk=pk)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    steps = selectors.steps_of(application)
    reminder = steps[-1] if steps else None  # the current step: the newest
    files = selectors.files_of(application)
    return render(
        request,
        "review/detail.html",
        {
            "application": application,
            "timeline": selectors.application_timeline(
                application, reminder=reminder, files=files, steps=steps
            ),
            "reminder": reminder,
            "people_formset": NewContactFormSet(prefix="new_contact"),
            "move_form": StageEventForm(
                user=request.user, initial={"stage": _next_stage(application)}
            ),
        },
    )


def _next_stage(application: Application) -> int:
    later = [stage for stage in Stage.values if stage > application.current_stage]
    return later[0] if later else application.current_stage
