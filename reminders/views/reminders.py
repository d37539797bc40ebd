"""The Reminders page, its actions, and the pages the email's links open.

The email's link pages are public: the signed link itself authenticates, so
they work on a phone where the user is not signed in. Each GET only shows a
confirmation; its button POSTs (mail scanners open GET links).
"""

import datetime
from collections.abc import Callable
from functools import cached_property

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedRequest
from accounts.pagination import BoundedCount, CappedPage, CappedPaginator
from accounts.timezones import user_today
from accounts.views import safe_next
from reminders import links
from reminders.cards import card_rows, snooze_buttons
from reminders.emails import note_preview_insider
from reminders.forms import ReapplyForm, ReminderDoneForm, SnoozeForm
from reminders.models import ACTIVE_STATUSES, Reminder
from reminders.notes import unknown_placeholders
from reminders.scheduling import snoozed_due_date
from reminders.selectors import (
    SECTION_COUNT_CAP,
    SectionRows,
    email_enabled,
    insiders_for,
    reminder_people,
    reminder_section,
    reminder_section_counts,
    reminders_page,
)
from reminders.services import (
    NotFailed,
    ReminderAlreadyHandled,
    reminder_dismiss,
    reminder_done,
    reminder_failure_acknowledge,
    reminder_move_undo,
    reminder_reapply,
    reminder_retry,
    reminder_snooze,
    reminder_test_send,
    reminder_unsubscribe,
)

SECTIONS = [
    ("due", gettext_lazy("Due now"), gettext_lazy("Nothing is due. Enjoy the quiet.")),
    ("failed", gettext_lazy("Failed"), gettext_lazy("No email failed.")),
    ("sent", gettext_lazy("Sent"), gettext_lazy("No reminder emails are waiting for you to act.")),
    (
        "upcoming",
        gettext_lazy("Upcoming"),
        gettext_lazy("Nothing scheduled yet: log a rejection and Ajar schedules one."),
    ),
    ("snoozed", gettext_lazy("Snoozed"), gettext_lazy("Nothing snoozed.")),
    ("done", gettext_lazy("Done"), gettext_lazy("None done yet.")),
    ("dismissed", gettext_lazy("Dismissed"), gettext_lazy("None dismissed.")),
    ("cancelled", gettext_lazy("Cancelled"), gettext_lazy("None cancelled.")),
]


def _own(request, pk) -> Reminder:
    return get_object_or_404(
        Reminder.objects.for_user(request.user).select_related(
            "user", "application__company", "rejection"
        ),
        pk=pk,
    )


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


# The page shows the first few of each section; "show all" pages through one.
SECTION_SIZE = 10
PAGE_SIZE = 25


class SectionPaginator(CappedPaginator):
    """Pages of one section, counted already (the page's badges count every
    section up to the same cap: no second count), its rows read a slice at a
    time by SectionRows."""

    def __init__(self, rows: SectionRows, per_page: int, *, counted: BoundedCount) -> None:
        super().__init__(rows, per_page, count_cap=counted.cap)  # type: ignore[arg-type]
        self.counted = counted

    @cached_property
    def bounded_count(self) -> BoundedCount:
        return self.counted


def reminder_list(request: AuthenticatedRequest) -> HttpResponse:
    now = timezone.now()
    counts = reminder_section_counts(request.user, now=now, cap=SECTION_COUNT_CAP)
    shown = request.GET.get("section", "")
    page: CappedPage | None = None
    if shown in counts:
        # Counted as far as the section's badge counts: "Page 3" past it.
        page = SectionPaginator(
            reminder_section(request.user, shown, now=now), PAGE_SIZE, counted=counts[shown]
        ).get_page(request.GET.get("page"))
        groups = {shown: list(page.object_list)}
    else:
        shown = ""
        groups = reminders_page(request.user, now=now, limit=SECTION_SIZE)
    cards = [reminder for group in groups.values() for reminder in group]
    reminder_people(cards)
    card_rows(cards)
    sections = [
        {
            "key": key,
            "title": title,
            "empty": empty,
            "reminders": groups[key],
            "total": counts[key],
            "more": counts[key].capped or counts[key].value > len(groups[key]),
        }
        for key, title, empty in SECTIONS
        if key in groups
    ]
    return render(
        request,
        "reminders/list.html",
        {
            "sections": sections,
            "all_sections": [(key, title, counts[key]) for key, title, _empty in SECTIONS],
            "shown": shown,
            "page": page,
            "filter_query": f"section={shown}&" if shown else "",
            "has_reminders": any(count.value for count in counts.values()),
            "snooze_buttons": snooze_buttons(links.SNOOZE_WEEKS),
            "email_enabled": email_enabled(request.user),
        },
    )


def _done_form(reminder: Reminder, data: QueryDict | None = None) -> ReminderDoneForm:
    return ReminderDoneForm(
        data,
        insiders=insiders_for(reminder),
        today=user_today(reminder.user),
        role=reminder.application.role,
    )


def _do_done(
    form: ReminderDoneForm, reminder: Reminder, *, occurrence: int | None = None
) -> Reminder:
    data = form.cleaned_data
    return reminder_done(
        reminder=reminder,
        contacts=data["contacts"],
        channel=data["channel"],
        occurred_on=data["occurred_on"],
        occurrence=occurrence,
        reapplied_role=data["role"] if data["applied_again"] else None,
    )


def reminder_done_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Done, from the app: who you re-contacted and how."""
    reminder = _own(request, pk)
    if reminder.status not in ACTIVE_STATUSES:
        messages.info(request, _("This circle-back was already handled."))
        return redirect("reminders:list")
    form = _done_form(reminder, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            _do_done(form, reminder)
        except ValidationError as error:
            messages.error(request, _errors(error))
        else:
            messages.success(request, _("Done. Nice work circling back."))
        return redirect("reminders:list")
    return render(request, "reminders/done.html", {"reminder": reminder, "form": form})


def _post_action(
    request: AuthenticatedRequest, pk: int, action: Callable[[Reminder], str]
) -> HttpResponse:
    # The object first, then the method: another user's id is a 404 either way.
    reminder = _own(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        text = action(reminder)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, text)
    return redirect("reminders:list")


def reminder_snooze_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def snooze(reminder: Reminder) -> str:
        form = SnoozeForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Snooze for 1, 2 or 4 weeks."))
        reminder = reminder_snooze(reminder=reminder, weeks=form.cleaned_data["weeks"])
        return _("Snoozed until %(day)s.") % {"day": _format_day(reminder.due_date)}

    return _post_action(request, pk, snooze)


def reminder_dismiss_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def dismiss(reminder: Reminder) -> str:
        reminder_dismiss(reminder=reminder)
        return _("Dismissed.")

    return _post_action(request, pk, dismiss)


def reminder_reapply_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def reapply(reminder: Reminder) -> str:
        form = ReapplyForm(request.POST)
        if not form.is_valid():
            # An ErrorList is a list at run time; django-stubs types it as a UserList only.
            raise ValidationError(form.errors["role"])  # type: ignore[arg-type]
        application = reminder_reapply(reminder=reminder, role=form.cleaned_data["role"])
        return _("Added your new application: %(application)s.") % {"application": application}

    return _post_action(request, pk, reapply)


def reminder_retry_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def retry(reminder: Reminder) -> str:
        try:
            reminder_retry(reminder=reminder)
        except NotFailed as error:
            raise ValidationError(_("Only a failed reminder can be retried.")) from error
        return _("It will be sent again within a few minutes.")

    return _post_action(request, pk, retry)


@require_POST
def failures_acknowledge(request: AuthenticatedRequest) -> HttpResponse:
    reminder_failure_acknowledge(user=request.user)
    return redirect(safe_next(request, reverse("reminders:list")))


@require_POST
def test_email_send(request: AuthenticatedRequest) -> HttpResponse:
    try:
        reminder_test_send(user=request.user)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(
            request, _("Test reminder sent to %(email)s.") % {"email": request.user.email}
        )
    return redirect("settings")


@require_POST
def note_preview(request: AuthenticatedRequest) -> HttpResponse:
    template = request.POST.get("reminders-note_template", "")[:4000]
    return render(
        request,
        "reminders/_note_preview.html",
        {
            "preview_insider": note_preview_insider(request.user, template),
            "unknown": unknown_placeholders(template),
        },
    )


# --- The email's links --------------------------------------------------------------------


def _format_day(day: datetime.date) -> str:
    return date_format(day, "DATE_FORMAT")


def _invalid(request: HttpRequest, *, expired: bool, status: int) -> HttpResponse:
    return render(request, "reminders/link_invalid.html", {"expired": expired}, status=status)


def _read_link(
    request: HttpRequest, token: str
) -> tuple[links.ActionClaim, Reminder] | HttpResponse:
    """The link's claim and its reminder, or the page saying why it is no good."""
    try:
        claim = links.read_action_token(token)
    except links.LinkExpired:
        return _invalid(request, expired=True, status=410)
    except links.LinkInvalid:
        return _invalid(request, expired=False, status=400)
    reminder = (
        Reminder.objects.select_related("user", "application__company", "rejection")
        .filter(pk=claim.reminder_id, user_id=claim.user_id, user__is_active=True)
        .first()
    )
    if reminder is None:
        return _invalid(request, expired=False, status=404)
    return claim, reminder


def _act_on_link(
    claim: links.ActionClaim, reminder: Reminder, form: ReminderDoneForm | None
) -> Reminder:
    """What the confirmed link does: to that one reminder and occurrence."""
    if claim.action == links.DONE:
        assert form is not None  # email_link makes one for a done link
        return _do_done(form, reminder, occurrence=claim.occurrence)
    if claim.action == links.SNOOZE:
        assert claim.weeks is not None  # read_action_token checks a snooze has its weeks
        return reminder_snooze(reminder=reminder, weeks=claim.weeks, occurrence=claim.occurrence)
    return reminder_dismiss(reminder=reminder, occurrence=claim.occurrence)


@login_not_required
# HEAD is answered like GET (link checkers and mail scanners send it); only POST acts.
@require_http_methods(["GET", "HEAD", "POST"])
def email_link(request: HttpRequest, token: str) -> HttpResponse:
    found = _read_link(request, token)
    if isinstance(found, HttpResponse):
        return found
    claim, reminder = found
    context = {"reminder": reminder, "claim": claim, "zone": reminder.user.zone}
    if reminder.status not in ACTIVE_STATUSES or reminder.occurrence != claim.occurrence:
        return render(request, "reminders/link_already.html", context)

    form = None
    if claim.action == links.DONE:
        form = _done_form(reminder, request.POST if request.method == "POST" else None)
    elif claim.action == links.SNOOZE:
        assert claim.weeks is not None  # read_action_token checks a snooze has its weeks
        base = max(reminder.due_date, user_today(reminder.user))
        context["new_due_date"] = snoozed_due_date(base, claim.weeks)

    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            reminder = _act_on_link(claim, reminder, form)
        except ReminderAlreadyHandled as error:
            context["reminder"] = error.reminder
            return render(request, "reminders/link_already.html", context)
        except ValidationError as error:
            context["error"] = _errors(error)
        else:
            context["reminder"] = reminder
            return render(request, "reminders/link_result.html", context)
    context["form"] = form
    return render(request, "reminders/link_confirm.html", context)


@login_not_required
@csrf_exempt  # RFC 8058: the mail client POSTs with no session and no CSRF token.
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user_id = links.read_unsubscribe_token(token)
    except links.LinkInvalid:
        return _invalid(request, expired=False, status=400)
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return _invalid(request, expired=False, status=404)
    if request.method == "POST":
        reminder_unsubscribe(user=user)
        return render(request, "reminders/unsubscribe.html", {"done": True, "email": user.email})
    return render(request, "reminders/unsubscribe.html", {"done": False, "email": user.email})


def reminder_move_undo_view(request, pk):
    """Undo "moved: you talked to them": the step goes back to its date."""
    reminder = _own(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        reminder = reminder_move_undo(reminder=reminder)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(
            request, _("Moved back to %(day)s.") % {"day": _format_day(reminder.due_date)}
        )
    return redirect(reminder.application)
