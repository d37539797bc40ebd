"""Logging a rejection (the app's most important form), its confirmation,
editing it and undoing it; and the other actions on an application that touch
its circle-back: marking it ghosted, deleting it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms import add_service_error, as_id
from accounts.http import AuthenticatedRequest
from accounts.timezones import user_today
from accounts.views import confirm_then
from applications.models import Application, Attachment, Company, Outcome, Rejection
from reminders.forms import (
    NewContactFormSet,
    OutcomeForm,
    RejectionEditForm,
    RejectionLogForm,
    new_contacts_from,
)
from reminders.models import Reminder, ReminderStatus, ReminderStep
from reminders.services import (
    application_delete,
    application_mark_ghosted,
    application_outcome_record,
    application_reopen,
    people_met_add,
    rejection_log,
    rejection_update,
)

NEW_CONTACT_PREFIX = "new_contact"


def _initial_from_query(request: AuthenticatedRequest) -> dict[str, int]:
    """ "Log rejection" from an application's page arrives with its id."""
    raw = request.GET.get("application")
    if not raw:
        return {}
    application = get_object_or_404(
        Application.objects.for_user(request.user).open(), pk=as_id(raw) or 0
    )
    return {"company": application.company_id, "application": application.pk}


@require_http_methods(["GET", "POST"])
def rejection_log_view(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "POST":
        form = RejectionLogForm(request.POST, request.FILES, user=request.user)
        formset = NewContactFormSet(request.POST, prefix=NEW_CONTACT_PREFIX)
        # Two submit buttons: "Never heard back" records the silence instead.
        ghosted = "ghosted" in request.POST
        if form.is_valid() and formset.is_valid():
            try:
                result = rejection_log(
                    user=request.user,
                    ghosted=ghosted,
                    new_contacts=new_contacts_from(formset),
                    **form.service_kwargs(),
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                return redirect("reminders:rejection_logged", pk=result.application.pk)
    else:
        form = RejectionLogForm(initial=_initial_from_query(request), user=request.user)
        formset = NewContactFormSet(prefix=NEW_CONTACT_PREFIX)
    return render(request, "reminders/log_rejection.html", {"form": form, "formset": formset})


@require_GET
def rejection_log_pickers(request: AuthenticatedRequest) -> HttpResponse:
    """htmx: the role and people pickers of the company just picked."""
    raw = request.GET.get("company", "")
    company = None
    if raw:
        company = get_object_or_404(Company.objects.for_user(request.user), pk=as_id(raw) or 0)
    form = RejectionLogForm(initial={"company": company}, user=request.user)
    return render(request, "reminders/_log_pickers.html", {"form": form})


def rejection_logged(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(
        Application.objects.for_user(request.user).select_related("company"), pk=pk
    )
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    if application.is_open:
        return redirect(application)
    steps = list(
        Reminder.objects.for_user(request.user)
        .filter(application=application)
        .exclude(status=ReminderStatus.CANCELLED)
        .select_related("contact")
        .latest_first()[:2]
    )
    reminder = next((s for s in steps if s.step == ReminderStep.CIRCLE_BACK), None)
    thank_you = next((s for s in steps if s.step == ReminderStep.THANK_YOU), None)
    return render(
        request,
        "reminders/logged.html",
        {
            "application": application,
            "reminder": reminder,
            "thank_you": thank_you,
            "people_formset": NewContactFormSet(prefix=NEW_CONTACT_PREFIX),
        },
    )


@require_http_methods(["GET", "POST"])
def rejection_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    rejection = get_object_or_404(
        Rejection.objects.for_user(request.user).select_related("application__company"),
        application_id=pk,
    )
    application = rejection.application
    reminder = Reminder.objects.filter(application=application).latest_first().first()
    initial = {
        "received_on": rejection.received_on,
        "channel": rejection.channel,
        "letter_text": rejection.letter_text,
        "feedback": rejection.feedback,
        "invited_to_reapply": rejection.invited_to_reapply,
        "cooling_off_days": reminder.cooling_off_days if reminder else None,
    }
    attachment = Attachment.objects.without_data().filter(rejection=rejection).first()
    form = RejectionEditForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        user=request.user,
        has_letter_file=attachment is not None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            rejection_update(rejection=rejection, **form.service_kwargs())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Rejection saved."))
            return redirect(application)
    return render(
        request,
        "reminders/rejection_form.html",
        {"form": form, "application": application, "attachment": attachment},
    )


@require_http_methods(["GET", "POST"])
def outcome_record_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Offer accepted, declined, or withdrawn: from the application page or the board."""
    application = get_object_or_404(
        Application.objects.for_user(request.user)
        .filter(outcome__in=[Outcome.OPEN, Outcome.GHOSTED])
        .select_related("company"),
        pk=pk,
    )
    picked = request.GET.get("outcome")
    initial = {"on": user_today(request.user), "outcome": picked or None}
    form = OutcomeForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application_outcome_record(
                application=application,
                outcome=data["outcome"],
                on=data["on"],
                keep_circle_back=data["keep_circle_back"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Recorded: %(outcome)s.") % {"outcome": Outcome(data["outcome"]).label.lower()},
            )
            return redirect(application)
    return render(
        request, "reminders/outcome_form.html", {"form": form, "application": application}
    )


@require_http_methods(["GET", "POST"])
def application_reopen_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Undo a rejection, a "never heard back" or a recorded outcome: the
    application is open again."""
    application = get_object_or_404(
        Application.objects.for_user(request.user)
        .exclude(outcome=Outcome.OPEN)
        .select_related("company"),
        pk=pk,
    )
    return confirm_then(
        request,
        template="reminders/reopen_confirm.html",
        context={"application": application},
        action=lambda: application_reopen(application=application),
        success=_("Undone: the application is open again."),
        next_url=application,
    )


@require_http_methods(["GET", "POST"])
def application_delete_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(
        Application.objects.for_user(request.user).select_related("company"), pk=pk
    )
    return confirm_then(
        request,
        template="reminders/confirm_delete.html",
        context={"application": application},
        action=lambda: application_delete(application=application),
        success=_("Application deleted."),
        next_url="applications:list",
    )


def mark_ghosted(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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


@require_http_methods(["GET", "POST"])
def people_add_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """ "Add a person" on an application: one name per person, role and email
    optional. From the confirmation page after logging and the application page."""
    application = get_object_or_404(
        Application.objects.for_user(request.user).select_related("company"), pk=pk
    )
    formset = NewContactFormSet(request.POST or None, prefix=NEW_CONTACT_PREFIX)
    if request.method == "POST" and formset.is_valid():
        people = new_contacts_from(formset)
        try:
            added = people_met_add(user=request.user, application=application, new_contacts=people)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                ngettext("Added %(n)s person.", "Added %(n)s people.", len(added))
                % {"n": len(added)},
            )
            back = request.POST.get("next", "")
            if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                return redirect(back)
            return redirect(application)
    return render(
        request, "reminders/people_add.html", {"application": application, "formset": formset}
    )
