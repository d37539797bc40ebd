"""Your data: exports, the backup and its restore, the activity log, deleting the account."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.middleware import max_request_bytes
from accounts.timezones import user_today
from portability import activity, backup, exporting
from portability.forms import AccountDeleteForm, ActivityForm, RestoreForm
from portability.services import account_delete, calendar_feed_get


def _today(request) -> datetime.date:
    return user_today(request.user)


@require_GET
def data_index(request) -> HttpResponse:
    feed = calendar_feed_get(user=request.user)
    return render(
        request,
        "portability/index.html",
        {
            "feed_url": request.build_absolute_uri(
                reverse("portability:calendar_feed", args=[feed.token])
            ),
            "restorable": backup.account_is_empty(request.user),
            "restore_form": RestoreForm(),
        },
    )


def _csv_response(name: str, lines) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def export_applications_csv(request) -> StreamingHttpResponse:
    return _csv_response(
        f"ajar-applications-{_today(request).isoformat()}.csv",
        exporting.csv_lines(
            exporting.APPLICATION_COLUMNS, exporting.application_rows(request.user)
        ),
    )


@require_GET
def export_contacts_csv(request) -> StreamingHttpResponse:
    return _csv_response(
        f"ajar-contacts-{_today(request).isoformat()}.csv",
        exporting.csv_lines(exporting.CONTACT_COLUMNS, exporting.contact_rows(request.user)),
    )


@require_GET
def export_backup(request) -> FileResponse:
    handle = backup.backup_tempfile(request.user)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"ajar-backup-{_today(request).isoformat()}.zip",
        content_type="application/zip",
    )


# A backup carries its letters: allowed beyond the usual request cap.
@max_request_bytes(settings.AJAR_RESTORE_MAX_BYTES)
@require_http_methods(["GET", "POST"])
def restore(request) -> HttpResponse:
    if request.method == "GET":
        return redirect("portability:index")
    form = RestoreForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            result = backup.backup_restore(user=request.user, source=form.cleaned_data["file"])
        except backup.RestoreError as error:
            form.add_error("file", str(error))
        else:
            messages.success(
                request,
                _("Backup restored: %(n)s applications, %(c)s contacts.")
                % {"n": result.counts["applications"], "c": result.counts["contacts"]},
            )
            return redirect("dashboard")
    feed = calendar_feed_get(user=request.user)
    return render(
        request,
        "portability/index.html",
        {
            "feed_url": request.build_absolute_uri(
                reverse("portability:calendar_feed", args=[feed.token])
            ),
            "restorable": backup.account_is_empty(request.user),
            "restore_form": form,
        },
        status=400,
    )


@require_GET
def activity_log(request) -> HttpResponse | StreamingHttpResponse:
    today = _today(request)
    form = ActivityForm(
        request.GET or None,
        initial={"start": today - datetime.timedelta(days=today.weekday()), "end": today},
    )
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    else:
        start, end = today - datetime.timedelta(days=today.weekday()), today
    entries, cut = activity.activity_log(request.user, start=start, end=end)
    if request.GET.get("format") == "csv" and not form.errors:
        header = ("Date", "Employer", "Position", "Activity", "How", "Person contacted", "Result")
        rows = (
            (e.date.isoformat(), e.employer, e.position, e.activity, e.how, e.person, e.result)
            for e in entries
        )
        return _csv_response(
            f"ajar-activity-{start.isoformat()}-{end.isoformat()}.csv",
            exporting.csv_lines(header, rows),
        )
    return render(
        request,
        "portability/activity.html",
        {
            "form": form,
            "entries": entries,
            "cut": cut,
            "start": start,
            "end": end,
            "max_entries": activity.MAX_ENTRIES,
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def account_delete_view(request) -> HttpResponse:
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        email = account_delete(user=user)
        messages.success(
            request,
            _("Your account was deleted. A confirmation went to %(email)s.") % {"email": email},
        )
        return redirect("account_login")
    return render(request, "portability/account_delete.html", {"form": form})
