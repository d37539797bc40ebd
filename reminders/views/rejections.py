"""Logging a rejection (the app's most important form), its confirmation,
editing it and undoing it; and the other actions on an application that touch
its circle-back: marking it ghosted, deleting it."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import add_service_error, as_id
from accounts.http import AuthenticatedRequest
from accounts.timezones import user_today
from accounts.views import confirm_then
from applications.models import Application, Attachment, Company, Outcome, Rejection
from letters.files import LetterFile
from letters.uploads import left_out_message, read_letter_file
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
    held_letter_create,
    held_letter_get,
    letter_fill,
    people_met_add,
    rejection_log,
    rejection_update,
)

NEW_CONTACT_PREFIX = "new_contact"


def _initial_from_query(request: AuthenticatedRequest) -> dict[str, Any]:
    """ "Log rejection" from an application's page arrives with its id; from a
    suggestion after attaching a letter, with the held letter's token too."""
    initial: dict[str, Any] = {}
    token = request.GET.get("letter", "")
    held = held_letter_get(user=request.user, token=token) if token else None
    if held is not None:
        letter = LetterFile(held.filename, held.content_type, bytes(held.data))
        fill = letter_fill(user=request.user, letter=letter)
        initial.update(
            {
                "letter_token": token,
                "company_name": fill.company,
                "role": fill.role,
                "received_on": fill.received_on or user_today(request.user),
                "letter_text": fill.text,
            }
        )
    raw = request.GET.get("application")
    if not raw:
        return initial
    application = get_object_or_404(
        Application.objects.for_user(request.user).open(), pk=as_id(raw) or 0
    )
    initial.update({"company": application.company_id, "application": application.pk})
    return initial


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
                if form.held_letter is not None:
                    form.held_letter.delete()
                if result.files_left_out:
                    messages.warning(request, left_out_message(result.files_left_out))
                return redirect("reminders:rejection_logged", pk=result.application.pk)
        _hold_letter(request, form)
    else:
        form = RejectionLogForm(initial=_initial_from_query(request), user=request.user)
        formset = NewContactFormSet(prefix=NEW_CONTACT_PREFIX)
        token = form.initial.get("letter_token")
        if token:
            form.held_letter = held_letter_get(user=request.user, token=token)
            form.held_letter_token = token
    return render(request, "reminders/log_rejection.html", {"form": form, "formset": formset})


def _hold_letter(request, form) -> None:
    """The form comes back with an error: a file attached with it stays on the
    server under a signed token, so it is not asked for again."""
    letter = getattr(form, "cleaned_data", {}).get("letter_file")
    if isinstance(letter, LetterFile) and form.held_letter is None:
        form.held_letter, form.held_letter_token = held_letter_create(
            user=request.user, letter=letter
        )


# The fields a letter fills in, with the classes crispy gives their widgets.
LETTER_FIELDS = {
    "company_name": "textinput form-control",
    "role": "textinput form-control",
    "received_on": "dateinput form-control",
    "letter_text": "textarea form-control",
}


@require_POST
def rejection_log_letter(request):
    """htmx: a letter attached to the log-rejection form. Kept on the server
    (signed token), and, for an email, read by the letter parser: the blank
    fields among company, role, date and text are filled in place, marked as
    from the letter, and a matching open application is offered."""
    uploaded = request.FILES.get("letter_file")
    context: dict = {"oob": []}
    if uploaded is None:
        return render(request, "reminders/_letter_fill.html", context)
    try:
        letter = read_letter_file(uploaded)
    except ValidationError as error:
        context["error"] = " ".join(error.messages)
        return render(request, "reminders/_letter_fill.html", context)
    held, token = held_letter_create(user=request.user, letter=letter)
    fill = letter_fill(user=request.user, letter=letter)
    values = {
        "company_name": "" if request.POST.get("company") else fill.company,
        "role": "" if request.POST.get("application") else fill.role,
        "received_on": fill.received_on.isoformat() if fill.received_on else "",
        "letter_text": fill.text,
    }
    data = request.POST.copy()
    filled = []
    # The date field starts at today: that default gives way to the letter's date.
    today = user_today(request.user).isoformat()
    for name, value in values.items():
        typed = (request.POST.get(name) or "").strip()
        if value and (not typed or (name == "received_on" and typed == today)):
            data[name] = value
            filled.append(name)
    form = RejectionLogForm(data, user=request.user)
    labels = {"company_name": _("company"), "role": _("role"), "received_on": _("date")}
    labels["letter_text"] = _("letter text")
    context.update(
        {
            "held": held,
            "token": token,
            "filled": [labels[name] for name in filled],
            "suggestion": fill.application,
            "oob": [
                form[name].as_widget(
                    attrs={
                        "class": f"{LETTER_FIELDS[name]} from-letter",
                        "hx-swap-oob": "true",
                        "aria-describedby": "letter-fill-note",
                    }
                )
                for name in filled
            ],
        }
    )
    return render(request, "reminders/_letter_fill.html", context)


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
    files = list(Attachment.objects.without_data().filter(rejection=rejection).letter_first())
    form = RejectionEditForm(
        request.POST or None, request.FILES or None, initial=initial, user=request.user, files=files
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = rejection_update(rejection=rejection, **form.service_kwargs())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Rejection saved."))
            if result.files_left_out:
                messages.warning(request, left_out_message(result.files_left_out))
            return redirect(application)
    return render(
        request,
        "reminders/rejection_form.html",
        {"form": form, "application": application, "files": files},
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
