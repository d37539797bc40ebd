"""The calendar feed behind a secret URL, one-off .ics files, and vCards."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from applications.models import StageEvent
from contacts.models import Contact
from portability import feeds
from portability.models import CalendarFeed
from portability.services import calendar_feed_regenerate
from reminders.models import Reminder

ICS = "text/calendar; charset=utf-8"
VCF = "text/vcard; charset=utf-8"


def _file(
    body: bytes | str, content_type: str, name: str, *, attachment: bool = True
) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    return response


@login_not_required
@require_GET
def calendar_feed(request, token: str) -> HttpResponse:
    # The token is the credential: calendar apps subscribe without a session.
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    response = _file(feeds.feed_bytes(feed.user), ICS, "ajar.ics", attachment=False)
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_POST
def calendar_regenerate(request) -> HttpResponse:
    calendar_feed_regenerate(user=request.user)
    messages.success(request, _("A new calendar address was made; the old one no longer works."))
    return redirect("portability:index")


def reminder_ics(request, pk: int) -> HttpResponse:
    reminder = get_object_or_404(
        Reminder.objects.for_user(request.user).select_related("application__company"), pk=pk
    )
    if request.method != "GET":  # after the lookup: another user's id is a 404
        return HttpResponseNotAllowed(["GET"])
    body = feeds.calendar_bytes(request.user, reminders=[reminder])
    return _file(body, ICS, f"circle-back-{reminder.pk}.ics")


def interview_ics(request, pk: int) -> HttpResponse:
    event = get_object_or_404(
        StageEvent.objects.for_user(request.user)
        .filter(scheduled_at__isnull=False)
        .select_related("application__company"),
        pk=pk,
    )
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    body = feeds.calendar_bytes(request.user, interviews=[event])
    return _file(body, ICS, f"interview-{event.pk}.ics")


def contact_vcard(request, pk: int) -> HttpResponse:
    contact = get_object_or_404(
        Contact.objects.for_user(request.user)
        .select_related("company")
        .prefetch_related("applications__company"),
        pk=pk,
    )
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return _file(feeds.vcard(contact), VCF, f"contact-{contact.pk}.vcf")


@require_GET
def contacts_vcard(request) -> HttpResponse:
    contacts = (
        Contact.objects.for_user(request.user)
        .select_related("company")
        .prefetch_related("applications__company")
        .order_by("name", "pk")
    )
    return _file(feeds.vcards(contacts.iterator(chunk_size=500)), VCF, "ajar-contacts.vcf")
