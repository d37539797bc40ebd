"""The Inbox: letters uploaded or forwarded wait here as drafts for the user.

Views parse the request and call one service or selector; another user's draft
is a 404.
"""

from __future__ import annotations

import mailbox
import tempfile
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.downloads import file_download
from accounts.middleware import max_request_bytes
from accounts.models import User
from inbox import services
from inbox.forms import MAX_MBOX_BYTES, MAX_MBOX_MESSAGES, ConfirmForm, DraftForm, UploadForm
from inbox.models import InboundAttachment, InboundMessage, Source, Status
from inbox.selectors import inbox_drafts
from letters.files import EML, sniffed_type
from letters.uploads import left_out_message

PAGE_SIZE = 25


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware: every view here has a signed-in user.
    return cast(User, request.user)


def _own(request: HttpRequest, pk: int) -> InboundMessage:
    return get_object_or_404(
        InboundMessage.objects.for_user(_user(request)).select_related(
            "suggested_application__company"
        ),
        pk=pk,
    )


def inbox_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", Status.PENDING)
    if status not in Status.values:
        status = Status.PENDING
    page = Paginator(inbox_drafts(user=_user(request), status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = dict(
        InboundMessage.objects.for_user(_user(request))
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    address = services.forwarding_address_get(user=_user(request))
    return render(
        request,
        "inbox/list.html",
        {
            "page": page,
            "status": status,
            "statuses": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
            "upload_form": UploadForm(),
            "overdue": services.overdue_count(user=_user(request)),
            "forwarding_address": services.address_for(address.token),
            "dropped": address.dropped_count,
        },
    )


def _upload_summary(request: HttpRequest, summary: services.UploadSummary) -> None:
    messages.success(
        request,
        ngettext(
            "%(n)s message added to the Inbox.",
            "%(n)s messages added to the Inbox.",
            summary.created,
        )
        % {"n": summary.created},
    )
    if summary.duplicates:
        messages.info(
            request,
            ngettext(
                "%(n)s duplicate skipped (already in the Inbox).",
                "%(n)s duplicates skipped (already in the Inbox).",
                summary.duplicates,
            )
            % {"n": summary.duplicates},
        )
    for where, error in (summary.refused or [])[:10]:
        messages.warning(request, f"{where}: {error}")


# An mbox export is larger than the site's request cap: this view takes up to
# the mbox limit (and the upload lands in a temporary file, not memory).
@max_request_bytes(MAX_MBOX_BYTES + 1024 * 1024)
@require_POST
def inbox_upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in [*form.non_field_errors(), *form.errors.get("letters", [])]:
            messages.error(request, str(error))
        return redirect("inbox:list")
    if form.mbox is not None:
        summary = _ingest_mbox(request, form.mbox)
        if summary is None:
            return redirect("inbox:list")
    else:
        summary = services.letters_ingest(
            user=_user(request),
            messages=((u.name, u.read()) for u in form.uploads),
            source=Source.UPLOAD,
        )
    _upload_summary(request, summary)
    return redirect("inbox:list")


def _ingest_mbox(request: HttpRequest, upload: Any) -> services.UploadSummary | None:
    # mailbox.mbox needs a path: a large upload already is a temporary file;
    # a small one is copied to one in chunks.
    with tempfile.NamedTemporaryFile(suffix=".mbox") as handle:
        if hasattr(upload, "temporary_file_path"):
            path = upload.temporary_file_path()
        else:
            for chunk in upload.chunks():
                handle.write(chunk)
            handle.flush()
            path = handle.name
        try:
            return services.letters_ingest(
                user=_user(request),
                messages=services.mbox_messages(path, limit=MAX_MBOX_MESSAGES),
                source=Source.MBOX,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return None
        except (OSError, mailbox.Error):
            messages.error(request, _("This file could not be read as a mailbox export (mbox)."))
            return None


def draft_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _own(request, pk)
    form = DraftForm(instance=draft)
    if request.method == "POST":
        if draft.status != Status.PENDING:
            messages.error(request, _("This message was already dealt with."))
            return redirect("inbox:detail", pk=draft.pk)
        form = DraftForm(request.POST, instance=draft)
        if form.is_valid():
            try:
                services.draft_update(draft=draft, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("inbox:detail", pk=draft.pk)
        draft.refresh_from_db()
    return render(
        request,
        "inbox/detail.html",
        {
            "draft": draft,
            "form": form,
            "confirm_form": ConfirmForm(draft=draft),
            "attachments": InboundAttachment.objects.for_user(_user(request))
            .filter(message=draft)
            .without_data(),
        },
    )


def draft_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _own(request, pk)  # another user's draft is a 404, whatever the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ConfirmForm(request.POST, draft=draft)
    if form.is_valid():
        try:
            result = services.draft_confirm(
                draft=draft,
                stage_reached=form.cleaned_data["stage_reached"],
                application=form.application(),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Logged: the circle-back counts from the letter's date."))
            if result.files_left_out:
                messages.warning(request, left_out_message(result.files_left_out))
            return redirect("inbox:list")
    else:
        for error in form.non_field_errors():
            messages.error(request, str(error))
    return redirect("inbox:detail", pk=draft.pk)


def draft_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _own(request, pk)  # another user's draft is a 404, whatever the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.draft_dismiss(draft=draft)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("inbox:list")


def draft_add_stage(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _own(request, pk)  # another user's draft is a 404, whatever the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    application = draft.suggested_application
    if application is None:
        messages.error(request, _("No matching application: log it on the board instead."))
        return redirect("inbox:detail", pk=draft.pk)
    try:
        services.draft_add_stage(draft=draft, application=application)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("inbox:detail", pk=draft.pk)
    messages.success(request, _("Stage added to %(app)s.") % {"app": application})
    return redirect("inbox:list")


@require_POST
def drafts_spread(request: HttpRequest) -> HttpResponse:
    count = services.drafts_spread(user=_user(request))
    messages.success(
        request,
        ngettext(
            "%(n)s old rejection will have its circle-back over the coming weeks when confirmed.",
            "%(n)s old rejections will have their circle-backs spread over the coming weeks "
            "when confirmed.",
            count,
        )
        % {"n": count},
    )
    return redirect("inbox:list")


@require_POST
def address_regenerate(request: HttpRequest) -> HttpResponse:
    services.forwarding_address_regenerate(user=_user(request))
    messages.success(request, _("New forwarding address: mail to the old one is refused."))
    return redirect((request.POST.get("next") == "settings" and "settings") or "inbox:list")


def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(InboundAttachment.objects.for_user(_user(request)), pk=pk)
    # The draft's files keep the type their email declared: served by sniffing.
    data = bytes(attachment.data)
    return file_download(
        data, filename=attachment.filename, content_type=sniffed_type(data), fallback="attachment"
    )


def raw_download(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _own(request, pk)
    if not draft.raw:
        raise Http404
    return file_download(bytes(draft.raw), filename=f"message-{draft.pk}.eml", content_type=EML)
