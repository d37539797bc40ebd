"""{% reminder_cards cards %}: the Reminders page's cards in one pass.

Eighty cards, each with a dozen variables, three forms and their CSRF fields,
were most of the page's CPU as a template loop. Here the words, the URLs, the
CSRF field and the snooze buttons are written once a call and each value is
escaped as `{{ }}` does; reminders.cards.card_rows() has set each card's labels
and status line. tests/reminders/test_reminder_cards.py compares the output
with the template loop it replaced."""

from html import escape
from typing import Any

from django import template
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from accounts.links import pk_url_halves
from accounts.markup import csrf_field, html_text
from reminders.models import ReminderStatus

register = template.Library()

ACTIONABLE = {ReminderStatus.SCHEDULED, ReminderStatus.SENT, ReminderStatus.FAILED}


class _Urls:
    """Each link's text around the id, reversed once a call."""

    def __init__(self) -> None:
        self.halves = {
            name: pk_url_halves(name)
            for name in (
                "review:application",
                "portability:reminder_ics",
                "contacts:detail",
                "reminders:retry",
                "reminders:done",
                "reminders:snooze",
                "reminders:dismiss",
                "reminders:reapply",
            )
        }

    def __call__(self, name: str, pk: int) -> str:
        start, end = self.halves[name]
        return f"{start}{int(pk)}{end}"


def _people(reminder: Any, url: _Urls, write_to: str) -> str:
    if reminder.write_to:
        return html_text(reminder.write_to)
    names = []
    for person in reminder.people:
        email = f" ({escape(person.email)})" if person.email else ""
        names.append(
            f'<a href="{url("contacts:detail", person.pk)}">{escape(person.name)}</a>{email}'
        )
    return f"{write_to} " + ", ".join(names)


@register.simple_tag(takes_context=True)
def reminder_cards(context: Context, cards: list[Any]) -> SafeString:
    words = {
        key: escape(gettext(text))
        for key, text in {
            "calendar": "add to calendar",
            "write_to": "Write to:",
            "could_not_send": "The email could not be sent:",
            "unknown_error": "unknown error",
            "applied_again": "You applied again:",
            "retry": "Retry sending",
            "done": "Done…",
            "snooze": "Snooze",
            "dismiss": "Dismiss",
            "role_applied_for": "Role applied for",
            "i_applied_again": "I applied again",
        }.items()
    }
    url, csrf = _Urls(), csrf_field(context)
    snooze_group = (
        f'<div class="btn-group btn-group-sm" role="group" aria-label="{words["snooze"]}">\n'
        + "".join(
            f'<button type="submit" name="weeks" value="{html_text(weeks)}" '
            f'class="btn btn-outline-primary">{html_text(label)}</button>\n'
            for weeks, label in context.get("snooze_buttons") or ()
        )
        + "</div>\n"
    )
    engine = context.template.engine if context.template else None
    moved = engine.get_template("reminders/_moved.html") if engine else None
    out = []
    for reminder in cards:
        pk, status = int(reminder.pk), reminder.status
        title = f"{escape(reminder.card_role)} · {escape(reminder.card_company)}"
        parts = [
            f'<li class="card mb-2 reminder-card" id="reminder-{pk}">\n<div class="card-body">\n'
            f'<h3 class="h6 mb-1"><a href="{url("review:application", reminder.application_id)}">'
            f"{title}</a></h3>\n"
            f'<p class="mb-2 small text-body-secondary">\n<span class="fw-semibold">'
            f"{html_text(reminder.step_label)}</span> · "
            f"{html_text(reminder.kind_label)} ·\n{html_text(reminder.when)}"
        ]
        if status == ReminderStatus.SCHEDULED:
            parts.append(
                f' · <a href="{url("portability:reminder_ics", pk)}">{words["calendar"]}'
                f'<span class="visually-hidden"> ({title})</span></a>'
            )
        if reminder.snoozed:
            parts.append(f"\n· {html_text(reminder.snoozed)}")
        parts.append(
            '\n</p>\n<p class="small mb-2 write-to" data-testid="write-to">\n'
            f"{_people(reminder, url, words['write_to'])}\n</p>\n"
        )
        if reminder.moved_on and moved is not None:
            with context.push(reminder=reminder):
                parts.append(moved.render(context))
        if status == ReminderStatus.FAILED:
            error = escape(reminder.last_error) if reminder.last_error else words["unknown_error"]
            parts.append(
                '<p class="small text-danger-emphasis mb-2">'
                f"<strong>{words['could_not_send']}</strong> {error}</p>\n"
            )
        if reminder.reapplication_id:
            parts.append(
                f'<p class="small mb-2">{words["applied_again"]} '
                f'<a href="{url("review:application", reminder.reapplication_id)}">'
                f"{escape(reminder.card_reapplied_role)}</a></p>\n"
            )
        if status in ACTIONABLE:
            parts.append('<div class="d-flex flex-wrap gap-2 align-items-center">\n')
            if status == ReminderStatus.FAILED:
                parts.append(
                    f'<form method="post" action="{url("reminders:retry", pk)}" class="m-0">'
                    f'{csrf}\n<button type="submit" class="btn btn-sm btn-danger">'
                    f"{words['retry']}</button>\n</form>\n"
                )
            parts.append(
                f'<a class="btn btn-sm btn-success" href="{url("reminders:done", pk)}">'
                f"{words['done']}</a>\n"
                f'<form method="post" action="{url("reminders:snooze", pk)}" class="m-0">'
                f"{csrf}\n{snooze_group}</form>\n"
                f'<form method="post" action="{url("reminders:dismiss", pk)}" class="m-0">'
                f'{csrf}\n<button type="submit" class="btn btn-sm btn-outline-secondary">'
                f"{words['dismiss']}</button>\n</form>\n</div>\n"
            )
        elif status == ReminderStatus.DONE and not reminder.reapplication_id:
            parts.append(
                f'<form method="post" action="{url("reminders:reapply", pk)}" '
                f'class="d-flex flex-wrap gap-2 align-items-end m-0">{csrf}\n<div>\n'
                f'<label class="form-label small mb-0" for="reapply-role-{pk}">'
                f"{words['role_applied_for']}</label>\n"
                f'<input class="form-control form-control-sm" id="reapply-role-{pk}" '
                f'name="role" maxlength="200" value="{escape(reminder.card_role)}">\n</div>\n'
                '<button type="submit" class="btn btn-sm btn-outline-success">'
                f"{words['i_applied_again']}</button>\n</form>\n"
            )
        parts.append("</div>\n</li>\n")
        out.append("".join(parts))
    return mark_safe("".join(out))  # noqa: S308 (every value above is escaped or an int)
