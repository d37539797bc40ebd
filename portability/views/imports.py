"""Import: upload -> mapping preview (choices) -> confirm. The upload waits in
the database between the steps, owned by the user."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portability.forms import ImportPreviewForm, ImportUploadForm, preview_initial, status_field
from portability.importing import ImportPlan, plan_import
from portability.models import ImportUpload
from portability.reading import ReadError, read_table
from portability.services import import_apply, import_upload_store

PREVIEW_ROWS = 10
SHOWN_ERRORS = 100


@require_http_methods(["GET", "POST"])
def import_start(request) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        stored = import_upload_store(
            user=request.user, filename=upload.name, data=b"".join(upload.chunks())
        )
        return redirect("portability:import_preview", pk=stored.pk)
    return render(request, "portability/import_start.html", {"form": form})


def _plan(
    request: HttpRequest, upload: ImportUpload, data
) -> tuple[ImportPlan | None, str, object]:
    base = ImportPreviewForm(data, headers=[], status_words=[])
    chosen = base.cleaned_data if base.is_valid() else {}
    encoding = chosen.get("encoding") or None
    delimiter = chosen.get("delimiter") or None
    try:
        table = read_table(
            bytes(upload.data), filename=upload.filename, encoding=encoding, delimiter=delimiter
        )
    except ReadError as error:
        return None, str(error), base
    form = ImportPreviewForm(data, headers=table.headers, status_words=[])
    plan = plan_import(user=request.user, table=table, options=form.options())
    words = [s.word for s in plan.statuses]
    if data is not None and words:
        form = ImportPreviewForm(data, headers=table.headers, status_words=words)
        plan = plan_import(user=request.user, table=table, options=form.options())
    return plan, "", form


@require_http_methods(["GET", "POST"])
def import_preview(request, pk: int) -> HttpResponse:
    upload = get_object_or_404(ImportUpload.objects.for_user(request.user), pk=pk)
    data = request.POST if request.method == "POST" else None
    plan, read_error, form = _plan(request, upload, data)
    if plan is not None and data is not None and "confirm" in data and plan.can_import:
        result = import_apply(user=request.user, plan=plan)
        upload.delete()
        messages.success(
            request,
            _("Imported %(counts)s.") % {"counts": result.counts_text()},
        )
        return redirect("applications:list")
    context = {"upload": upload, "read_error": read_error}
    if plan is None:
        context["form"] = form
    else:
        shown = ImportPreviewForm(
            initial=preview_initial(plan),
            headers=plan.table.headers,
            status_words=[s.word for s in plan.statuses],
        )
        samples = [[row[i] for row in plan.table.rows[:3]] for i in range(len(plan.table.headers))]
        context.update(
            plan=plan,
            form=shown,
            columns=[(shown[f"col_{i}"], samples[i]) for i in range(len(plan.table.headers))],
            statuses=[(shown[status_field(s.word)], s) for s in plan.statuses],
            preview_rows=plan.rows[:PREVIEW_ROWS],
            errors=plan.errors[:SHOWN_ERRORS],
            more_errors=max(0, len(plan.errors) - SHOWN_ERRORS),
            confirm_attempted=data is not None and "confirm" in data,
        )
    return render(request, "portability/import_preview.html", context)
