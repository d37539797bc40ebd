"""Settings and onboarding: they edit the user's reminder settings, so they live here."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.forms import ProfileForm
from accounts.http import AuthenticatedRequest
from reminders.emails import note_preview_insider
from reminders.forms import ReminderSettingsForm, ReminderSettingsNoteForm
from reminders.selectors import last_delivered_at
from reminders.services import (
    reminder_settings_get,
    reminder_settings_update,
    user_settings_update,
)


def _save_reminder_settings(request: AuthenticatedRequest, form: ReminderSettingsForm) -> None:
    reminder_settings_update(
        user=request.user,
        # Onboarding does not ask again for the zone detected at sign-up.
        time_zone=form.cleaned_data.get("time_zone"),
        cooling_off_days=form.cleaned_data["cooling_off_days"],
        send_time=form.cleaned_data["send_time"],
        email_enabled=form.cleaned_data["email_enabled"],
    )


def _settings_context(
    request: AuthenticatedRequest,
    profile_form: ProfileForm,
    reminder_form: ReminderSettingsNoteForm,
) -> dict[str, Any]:
    template = reminder_form["note_template"].value() or ""
    return {
        "profile_form": profile_form,
        "reminder_form": reminder_form,
        "preview_insider": note_preview_insider(request.user, template),
        "last_delivered_at": last_delivered_at(request.user),
    }


def settings_view(request: AuthenticatedRequest) -> HttpResponse:
    reminder_settings = reminder_settings_get(user=request.user)
    initial = {"time_zone": request.user.time_zone}
    data = request.POST if request.method == "POST" else None
    profile_form = ProfileForm(data, instance=request.user, prefix="profile")
    # The zone is edited beside the send time below, and must reach
    # reminder_settings_update unchanged on the user, so the service sees the
    # change and recomputes the scheduled reminders.
    profile_form.fields.pop("time_zone")
    reminder_form = ReminderSettingsNoteForm(
        data, instance=reminder_settings, initial=initial, prefix="reminders"
    )
    if data is not None and profile_form.is_valid() and reminder_form.is_valid():
        user_settings_update(
            user=request.user,
            name=profile_form.cleaned_data["name"],
            time_zone=reminder_form.cleaned_data["time_zone"],
            cooling_off_days=reminder_form.cleaned_data["cooling_off_days"],
            send_time=reminder_form.cleaned_data["send_time"],
            email_enabled=reminder_form.cleaned_data["email_enabled"],
            note_template=reminder_form.cleaned_data["note_template"],
            cadence=reminder_form.cadence(),
        )
        messages.success(request, _("Settings saved."))
        return redirect("settings")
    return render(
        request,
        "reminders/settings.html",
        _settings_context(request, profile_form, reminder_form),
    )


def onboarding(request: AuthenticatedRequest) -> HttpResponse:
    """The one screen after sign-up: the cooling-off, the send time, emails.
    The time zone was detected at sign-up; it is shown, and edited in Settings."""
    reminder_settings = reminder_settings_get(user=request.user)
    form = ReminderSettingsForm(request.POST or None, instance=reminder_settings)
    form.fields.pop("time_zone")
    if request.method == "POST" and form.is_valid():
        _save_reminder_settings(request, form)
        return redirect("onboarding_next")
    return render(request, "reminders/onboarding.html", {"form": form})


@require_GET
def onboarding_next(request: AuthenticatedRequest) -> HttpResponse:
    """Onboarding's three ways in: a rejection, an application, a spreadsheet."""
    return render(
        request,
        "reminders/onboarding_next.html",
        {"reminder_settings": reminder_settings_get(user=request.user)},
    )


@require_GET
def import_soon(request: AuthenticatedRequest) -> HttpResponse:
    """Onboarding's third way in, until spreadsheet import exists."""
    return render(request, "reminders/onboarding_import.html")
