"""The circle-back email of one reminder occurrence.

Rendered in the worker, without a request: links are absolute, from BASE_URL.
One helper, `make_message`, renders an email's subject, text and HTML templates
(templates/reminders/email/<name>_subject.txt, _body.txt, _body.html).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.dates import since_words
from accounts.models import User
from accounts.text import squash_spaces
from accounts.timezones import user_today
from applications.models import Application, Stage
from contacts.models import Contact
from reminders import links
from reminders.models import Reminder, ReminderKind, ReminderSettings, ReminderStep
from reminders.notes import THANK_YOU_NOTE, first_name, render_note
from reminders.selectors import insiders_for
from reminders.templating import render_to_string

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

# Mail clients and browsers cut longer mailto: URLs (some near 2,000 characters).
MAILTO_LIMIT = 1800


def message_id_for(reminder: Reminder) -> str:
    """Stable per reminder and occurrence: a message sent twice in the one
    documented window (worker death after SMTP accepted it) carries the same id,
    so mail clients show it once."""
    return f"<reminder-{reminder.pk}-{reminder.occurrence}@{settings.AJAR_MESSAGE_ID_DOMAIN}>"


def make_message(
    name: str, *, to: str, context: dict[str, Any], headers: dict[str, str] | None = None
) -> EmailMultiAlternatives:
    """Render the subject, text and HTML templates of one email."""
    context = {"base_url": settings.BASE_URL, **context}
    subject = render_to_string(f"reminders/email/{name}_subject.txt", context)
    text = render_to_string(f"reminders/email/{name}_body.txt", context)
    html = render_to_string(f"reminders/email/{name}_body.html", context)
    message = EmailMultiAlternatives(
        subject=squash_spaces(subject),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers or {},
    )
    message.attach_alternative(html, "text/html")
    return message


@dataclass(frozen=True)
class Insider:
    name: str
    role: str
    title: str
    email: str
    how_met: str
    last_spoke: datetime.date | None
    note: str
    mailto: str
    # The mailto: link had to shorten the note, or there is no address:
    # the note is shown in full, to copy.
    note_to_copy: bool
    # Named on the card only where the page does not say it already (the
    # Settings preview); the email's heading names the company.
    company: str = ""


def mailto_link(address: str, subject: str, body: str) -> tuple[str, bool]:
    """A percent-encoded mailto: URL (RFC 6068) under MAILTO_LIMIT characters,
    and whether the body had to be shortened to fit."""

    def build(text: str) -> str:
        return (
            f"mailto:{quote(address, safe='@')}?subject={quote(subject, safe='')}"
            f"&body={quote(text.replace(chr(10), chr(13) + chr(10)), safe='')}"
        )

    url = build(body)
    if len(url) <= MAILTO_LIMIT:
        return url, False
    # The longest prefix of the note that fits, cut at a word, with an ellipsis.
    low, high = 0, len(body)
    while low < high:
        middle = (low + high + 1) // 2
        if len(build(body[:middle] + "…")) <= MAILTO_LIMIT:
            low = middle
        else:
            high = middle - 1
    cut = body[:low]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return build(cut.rstrip() + "…"), True


def _how_met(contact: Contact, application: Application) -> str:
    # met_here and last_contacted_on are insiders_for()'s annotations, which the
    # plugin types only in the function that calls .annotate().
    if contact.met_here:  # type: ignore[attr-defined]
        return _("You met during your %(role)s application.") % {"role": application.role}
    others = [a for a in contact.applications.all() if a.pk != application.pk]
    if others:
        return _("You met during your %(role)s application.") % {"role": others[0].role}
    return _("Someone you know at %(company)s.") % {"company": application.company.name}


def note_values(
    *, user: User, application: Application, stage_label: "str | StrPromise", contact_name: str
) -> dict[str, str]:
    return {
        "first_name": first_name(contact_name),
        "name": contact_name,
        "role": application.role,
        "company": application.company.name,
        "stage": stage_label.lower(),
        "my_name": user.name or user.get_short_name(),
    }


def _recipients(reminder: Reminder) -> Iterable[Contact]:
    """Whom this step writes to: the thank-you goes to the letter's writer
    when known; otherwise every insider."""
    if reminder.step == ReminderStep.THANK_YOU and reminder.contact_id is not None:
        return insiders_for(reminder).filter(pk=reminder.contact_id)
    # The send's locking query says whether there is anyone to look up.
    return insiders_for(reminder) if getattr(reminder, "has_insiders", True) else ()


def insiders_of(
    reminder: Reminder, *, note_template: str, stage_label: "str | StrPromise"
) -> list[Insider]:
    application = reminder.application
    if reminder.step == ReminderStep.THANK_YOU:
        subject = _("Thank you: %(role)s") % {"role": application.role}
    else:
        subject = _("Keeping in touch: %(company)s") % {"company": application.company.name}
    insiders = []
    contacts = _recipients(reminder)
    for contact in contacts:
        note = render_note(
            note_template,
            note_values(
                user=reminder.user,
                application=application,
                stage_label=stage_label,
                contact_name=contact.name,
            ),
        )
        mailto, shortened = (
            mailto_link(contact.email, subject, note) if contact.email else ("", True)
        )
        insiders.append(
            Insider(
                name=contact.name,
                role=contact.get_role_display(),
                title=contact.title,
                email=contact.email,
                how_met=_how_met(contact, application),
                last_spoke=contact.last_contacted_on,  # type: ignore[attr-defined]  # annotated by insiders_for
                note=note,
                mailto=mailto,
                note_to_copy=shortened,
            )
        )
    return insiders


def stage_reached(reminder: Reminder) -> Stage:
    if reminder.rejection is not None:
        return Stage(reminder.rejection.stage_reached)
    return Stage(reminder.application.furthest_stage)


def _note_template(user: User) -> str:
    # The send's locking query joins the settings in; elsewhere they may be
    # missing and are created with their defaults.
    try:
        return user.reminder_settings.note_template
    except ReminderSettings.DoesNotExist:
        return ReminderSettings.objects.of(user).note_template


def reminder_context(reminder: Reminder) -> dict[str, Any]:
    application = reminder.application
    rejection = reminder.rejection
    stage = stage_reached(reminder)
    thank_you = reminder.step == ReminderStep.THANK_YOU
    note_template = str(THANK_YOU_NOTE) if thank_you else _note_template(reminder.user)
    return {
        "step": reminder.step,
        "thank_you": thank_you,
        "radar": reminder.step == ReminderStep.KEEP_ON_RADAR,
        "declined": reminder.kind == ReminderKind.DECLINED,
        "user_name": first_name(reminder.user.get_short_name()),
        "company": application.company.name,
        "role": application.role,
        "ghosted": reminder.kind == ReminderKind.GHOSTED,
        "stage": str(stage.label).lower(),
        "counted_from": reminder.counted_from,
        # From the real dates at the time of sending: a snoozed, late or
        # late-logged reminder says how long ago it really was.
        "counted_from_words": since_words(
            reminder.counted_from, timezone.localdate(timezone=reminder.user.zone)
        ),
        "channel": rejection.get_channel_display().lower() if rejection else "",
        "feedback": rejection.feedback if rejection else "",
        "invited_to_reapply": bool(rejection and rejection.invited_to_reapply),
        "insiders": insiders_of(reminder, note_template=note_template, stage_label=stage.label),
        "links": {
            "done": links.action_url(reminder, links.DONE),
            "snooze": [
                (weeks, links.action_url(reminder, links.SNOOZE, weeks))
                for weeks in links.SNOOZE_WEEKS
            ],
            "dismiss": links.action_url(reminder, links.DISMISS),
            "reminders": links.static_url("reminders:list"),
            "application": links.absolute(application.get_absolute_url()),
            "settings": links.static_url("settings"),
            "unsubscribe": links.unsubscribe_url(reminder.user),
        },
    }


def _headers(user: User, message_id: str, unsubscribe: str | None = None) -> dict[str, str]:
    return {
        "Message-ID": message_id,
        # RFC 8058: a one-click POST to this URL turns reminder emails off.
        "List-Unsubscribe": f"<{unsubscribe or links.unsubscribe_url(user)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        # RFC 3834: no auto-replies to a machine's message.
        "Auto-Submitted": "auto-generated",
    }


# What rendering reads besides the reminder's row; the send's locking query
# fetches them in the same query.
MESSAGE_RELATED = ("user__reminder_settings", "application__company", "rejection")


def reminder_message(reminder: Reminder, *, reload: bool = True) -> EmailMultiAlternatives:
    """The email of `reminder`, read afresh from the database unless the caller
    has just loaded it with MESSAGE_RELATED (the send, under its row lock)."""
    if reload:
        reminder = Reminder.objects.select_related(*MESSAGE_RELATED).get(pk=reminder.pk)
    with translation.override(settings.LANGUAGE_CODE), timezone.override(reminder.user.zone):
        context = reminder_context(reminder)
        return make_message(
            "circle_back",
            to=reminder.user.email,
            context=context,
            headers=_headers(
                reminder.user, message_id_for(reminder), context["links"]["unsubscribe"]
            ),
        )


def sample_message(user: User) -> EmailMultiAlternatives:
    """A sample circle-back with made-up insiders, so the user sees what one
    looks like. Its action links open the Reminders page: they act on nothing."""
    note_template = ReminderSettings.objects.of(user).note_template
    reminders_url = links.absolute(reverse("reminders:list"))
    sample: dict[str, Any] = {
        "role": _("Product Designer"),
        "company": "Example Co",
        "stage": Stage.FINAL_ROUND,
    }
    my_name = user.name or user.get_short_name()

    def sample_insider(
        name: str, role: str, email: str, how_met: str, last_spoke: datetime.date | None
    ) -> Insider:
        values = {
            "first_name": first_name(name),
            "name": name,
            "role": sample["role"],
            "company": sample["company"],
            "stage": sample["stage"].label.lower(),
            "my_name": my_name,
        }
        note = render_note(note_template, values)
        subject = _("Keeping in touch: %(company)s") % {"company": sample["company"]}
        mailto, shortened = mailto_link(email, subject, note) if email else ("", True)
        return Insider(name, role, "", email, how_met, last_spoke, note, mailto, shortened)

    today = user_today(user)
    met = _("You met during your %(role)s application.") % {"role": sample["role"]}
    context = {
        "is_test": True,
        "user_name": first_name(user.get_short_name()),
        "company": sample["company"],
        "role": sample["role"],
        "ghosted": False,
        "stage": str(sample["stage"].label).lower(),
        "counted_from": today - datetime.timedelta(days=30),
        "counted_from_words": since_words(today - datetime.timedelta(days=30), today),
        "channel": _("email"),
        "feedback": "",
        "invited_to_reapply": True,
        "insiders": [
            sample_insider(
                "Alex Example",
                _("Hiring manager"),
                "alex@example.com",
                met,
                today - datetime.timedelta(days=31),
            ),
            sample_insider("Sam Sample", _("Recruiter"), "", met, None),
        ],
        "links": {
            "done": reminders_url,
            "snooze": [(weeks, reminders_url) for weeks in links.SNOOZE_WEEKS],
            "dismiss": reminders_url,
            "reminders": reminders_url,
            "application": reminders_url,
            "settings": links.absolute(reverse("settings")),
            "unsubscribe": links.unsubscribe_url(user),
        },
    }
    message_id = (
        f"<test-{user.pk}-{timezone.now().strftime('%Y%m%d%H%M%S%f')}"
        f"@{settings.AJAR_MESSAGE_ID_DOMAIN}>"
    )
    with translation.override(settings.LANGUAGE_CODE):
        return make_message(
            "circle_back", to=user.email, context=context, headers=_headers(user, message_id)
        )


# Sample insiders for the preview; the first whose first name is not the user's.
SAMPLE_INSIDERS = ("Sam Rivera", "Alex Example", "Jordan Lee")


def sample_insider_name(user: User) -> str:
    mine = first_name(user.name or user.get_short_name()).casefold()
    return next(n for n in SAMPLE_INSIDERS if first_name(n).casefold() != mine)


def note_preview_insider(user: User, template: str) -> Insider:
    """The card of a sample insider holding the note as they would read it:
    never greeting the user by their own name. The company and role are those
    of the user's latest reminder, when there is one."""
    name = sample_insider_name(user)
    reminder = (
        Reminder.objects.for_user(user)
        .select_related("application__company", "rejection")
        .order_by("-due_at")
        .first()
    )
    if reminder is not None:
        values = note_values(
            user=user,
            application=reminder.application,
            stage_label=stage_reached(reminder).label,
            contact_name=name,
        )
    else:
        values = {
            "first_name": first_name(name),
            "name": name,
            "role": _("Product Designer"),
            "company": "Example Co",
            "stage": _("final round"),
            "my_name": user.name or user.get_short_name(),
        }
    note = render_note(template, values)
    email = f"{first_name(name).lower()}@example.com"
    subject = _("Keeping in touch: %(company)s") % {"company": values["company"]}
    mailto, _shortened = mailto_link(email, subject, note)
    return Insider(
        name=name,
        role=str(_("Hiring manager")),
        title="",
        email=email,
        how_met=_("You met during your %(role)s application.") % {"role": values["role"]},
        last_spoke=user_today(user) - datetime.timedelta(days=40),
        note=note,
        mailto=mailto,
        # The preview is about the note: it is always shown.
        note_to_copy=True,
        company=values["company"],
    )
