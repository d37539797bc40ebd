"""Applications: the list, create, edit, moving the stage and correcting the
history. The detail page shows every app's rows, so it lives in `review`."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.downloads import file_download
from accounts.forms import add_service_error
from accounts.http import AuthenticatedRequest
from accounts.pagination import CappedPaginator
from accounts.pickers import picker_options
from accounts.views import confirm_then
from applications.filters import ApplicationFilter
from applications.forms import ApplicationForm, StageEventForm
from applications.models import (
    Application,
    Attachment,
    AttachmentKind,
    Company,
    Stage,
    StageEvent,
)
from applications.selectors import LIST_ROW_FIELDS
from applications.services import (
    application_create,
    application_move,
    application_update,
    company_get_or_create,
    stage_event_delete,
    stage_event_update,
)

PAGE_SIZE = 25


def _own_application(request, pk) -> Application:
    return get_object_or_404(
        Application.objects.for_user(request.user).select_related("company"), pk=pk
    )


def _own_event(request, pk) -> StageEvent:
    return get_object_or_404(
        StageEvent.objects.for_user(request.user).select_related("application__company"), pk=pk
    )


@require_GET
def application_list(request: AuthenticatedRequest) -> HttpResponse:
    filterset = ApplicationFilter(request.GET, user=request.user)
    rows = filterset.qs.only(*LIST_ROW_FIELDS)
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    filtered = filterset.active
    # Shown open when it narrows the list or has a bad value to point at;
    # closed, the page leaves it out and opening it fetches application_search.
    shown = filtered or (filterset.is_bound and bool(filterset.form.errors))
    return render(
        request,
        "applications/list.html",
        {
            "form": filterset.form if shown else None,
            "page": page,
            "filtered": filtered,
            "query": query.urlencode(),
        },
    )


@require_GET
def application_search(request: AuthenticatedRequest) -> HttpResponse:
    """The list's search and filters, asked for when they are opened on an
    unfiltered list (htmx): building them was a quarter of the list's CPU.
    Without scripts, the same address opens them on a page of their own."""
    form = ApplicationFilter(request.GET, user=request.user).form
    template = "applications/_filters.html" if request.htmx else "applications/search.html"
    response = render(request, template, {"form": form})
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_http_methods(["GET", "POST"])
def application_create_view(request: AuthenticatedRequest) -> HttpResponse:
    form = ApplicationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            company = data.get("company") or company_get_or_create(
                user=request.user, name=data["company_name"]
            )
            application = application_create(
                user=request.user,
                company=company,
                stage=Stage(data["stage"]),
                occurred_on=data.get("applied_on"),
                **form.service_fields(),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Application added."))
            return redirect(application)
    return render(
        request, "applications/form.html", {"form": form, "title": _("Add an application")}
    )


@require_http_methods(["GET", "POST"])
def application_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = _own_application(request, pk)
    form = ApplicationForm(request.POST or None, instance=application, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            company = data.get("company") or company_get_or_create(
                user=request.user, name=data["company_name"]
            )
            application_update(application=application, company=company, **form.service_fields())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Application saved."))
            return redirect(application)
    return render(
        request,
        "applications/form.html",
        {"form": form, "application": application, "title": _("Edit the application")},
    )


@require_http_methods(["GET", "POST"])
def application_move_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = _own_application(request, pk)
    form = StageEventForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        step = form.service_fields()
        application_move(application=application, **step)
        messages.success(request, _("Moved to %(stage)s.") % {"stage": step["stage"].label})
        return redirect(application)
    return render(
        request,
        "applications/event_form.html",
        {"form": form, "application": application, "title": _("Move the stage")},
    )


@require_http_methods(["GET", "POST"])
def stage_event_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    event = _own_event(request, pk)
    application = event.application
    initial = {
        "stage": event.stage,
        "occurred_on": event.occurred_on,
        "scheduled_at": event.scheduled_at,
        "note": event.note,
    }
    form = StageEventForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        stage_event_update(event=event, **form.service_fields())
        messages.success(request, _("History corrected."))
        return redirect(application)
    return render(
        request,
        "applications/event_form.html",
        {
            "form": form,
            "application": application,
            "event": event,
            "title": _("Correct this step"),
        },
    )


@require_http_methods(["GET", "POST"])
def stage_event_delete_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    event = _own_event(request, pk)
    application = event.application
    return confirm_then(
        request,
        template="applications/event_confirm_delete.html",
        context={"event": event, "application": application},
        action=lambda: stage_event_delete(event=event),
        success=_("Step removed from the history."),
        next_url=application,
    )


def letter_download(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The letter's own file (a PDF or the email), by its application."""
    attachment = get_object_or_404(
        Attachment.objects.for_user(request.user).filter(kind=AttachmentKind.LETTER),
        rejection__application_id=pk,
    )
    return _download(request, attachment)


def attachment_download(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Any of a rejection's files: the letter or one that came with it."""
    return _download(request, get_object_or_404(Attachment.objects.for_user(request.user), pk=pk))


def _download(request: AuthenticatedRequest, attachment: Attachment) -> HttpResponse:
    """To its owner only (another's is a 404 before the method is looked at),
    always as a download: the stored type was sniffed from the bytes when it
    was kept, never taken from the browser or the email."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return file_download(
        bytes(attachment.data),
        filename=attachment.filename,
        content_type=attachment.content_type,
        fallback="letter",
    )


@require_GET
def company_options(request: AuthenticatedRequest) -> HttpResponse:
    """htmx: the options of a company picker that match what was typed."""
    return picker_options(
        request,
        queryset=Company.objects.for_user(request.user).only("id", "name"),
        matching=lambda companies, word: companies.filter(name__icontains=word),
    )


@require_GET
def application_options(request: AuthenticatedRequest) -> HttpResponse:
    """htmx: the options of an applications picker that match what was typed
    (in the role or the company's name), newest first."""
    return picker_options(
        request,
        queryset=Application.objects.for_user(request.user)
        .select_related("company")
        .only("id", "role", "company__name")
        .order_by("-created_at", "-id"),
        matching=lambda applications, word: applications.filter(
            Q(role__icontains=word) | Q(company__name__icontains=word)
        ),
        label=lambda application: f"{application.role} at {application.company.name}",
    )
