"""The dashboard's three lists in one pass: {% circle_back_rows %}, {% stale_rows %}
and {% recent_rows %}.

As template loops, their `{% blocktranslate %}`, `date` filters and
`{% csrf_token %}` per row were a third of the dashboard's CPU. Here the
sentences are translated and the formats looked up once a list, and each value
is escaped as `{{ }}` does; review.views.dashboard has set each row's links,
labels and dates. tests/review/test_dashboard_rows.py compares the output with
the template loops they replaced."""

import datetime
from html import escape
from typing import Any
from urllib.parse import quote

from django import template
from django.template.context import Context
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from accounts.labels import day_text, moment_text
from accounts.markup import csrf_field, fill
from reminders.models import ReminderKind, ReminderStatus

register = template.Library()


def _title(application: Any) -> str:
    return f"{escape(application.role)} · {escape(application.company.name)}"


class _Badges:
    """Each circle-back's badge: emailed, due, due today at a time, or due on a day."""

    def __init__(self, now: datetime.datetime) -> None:
        self.now, self.today = now, timezone.localdate(now)
        self.emailed = escape(gettext("Emailed you"))
        self.due = escape(gettext("Due"))
        self.due_today, self.due_on = gettext("Due today, %(time)s"), gettext("Due %(date)s")
        self.short_date = get_format("SHORT_DATE_FORMAT")

    def __call__(self, reminder: Any) -> str:
        if reminder.status == ReminderStatus.SENT:
            return f'<span class="badge text-bg-primary">{self.emailed}</span>'
        if reminder.due_at <= self.now:
            return f'<span class="badge text-bg-warning">{self.due}</span>'
        if reminder.due_date == self.today:
            text = fill(self.due_today, time=moment_text(reminder.due_at, "H:i"))
        else:
            text = fill(self.due_on, date=day_text(reminder.due_date, self.short_date))
        return f'<span class="badge text-bg-light border">{text}</span>'


@register.simple_tag(takes_context=True)
def circle_back_rows(context: Context, circle_backs: list[Any], log_url: str) -> SafeString:
    """The circle-backs' list items; `log_url` is "log a conversation"'s page."""
    badge = _Badges(context["now"])
    went_silent, said_no = escape(gettext("They went silent.")), escape(gettext("They said no."))
    whom, circled = escape(gettext("Whom to contact")), escape(gettext("I circled back"))
    log = escape(gettext("Log a conversation"))
    request = context.get("request")
    here = escape(quote(request.path if request else "", safe="/"))
    out = []
    for reminder in circle_backs:
        application = reminder.application
        said = went_silent if reminder.kind == ReminderKind.GHOSTED else said_no
        n = reminder.insiders
        insiders = fill(
            ngettext("%(n)s insider to write to.", "%(n)s insiders to write to.", n), n=n
        )
        out.append(
            '<li class="list-group-item dashboard-item">\n'
            '<div class="d-flex flex-wrap gap-2 align-items-baseline">\n'
            f'<a class="fw-semibold me-auto" href="{escape(reminder.application_url)}">'
            f"{_title(application)}</a>\n{badge(reminder)}\n</div>\n"
            f'<p class="small text-body-secondary mb-2">\n{said}\n{insiders}\n</p>\n'
            '<div class="d-flex flex-wrap gap-2">\n'
            f'<a class="btn btn-sm btn-outline-primary" href="{escape(reminder.company_url)}">'
            f"{whom}</a>\n"
            f'<a class="btn btn-sm btn-primary" href="{escape(reminder.done_url)}">{circled}</a>\n'
            f'<a class="btn btn-sm btn-link" href="{escape(log_url)}?application='
            f'{int(application.pk)}&amp;next={here}">{log}</a>\n'
            "</div>\n</li>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 (every value escaped above)


@register.simple_tag(takes_context=True)
def stale_rows(context: Context, stale: list[Any]) -> SafeString:
    """The quiet applications' list items, each with its "mark as ghosted" form."""
    last_news, mark = gettext("last news %(date)s"), gettext("Mark %(app)s as ghosted")
    button, csrf = escape(gettext("Mark as ghosted")), csrf_field(context)
    out = []
    for application in stale:
        news = fill(last_news, date=application.last_news_on_text)
        out.append(
            '<li class="list-group-item dashboard-item d-flex flex-wrap gap-2 '
            'align-items-center">\n<span class="me-auto">\n'
            f'<a href="{escape(application.detail_url)}">{_title(application)}</a>\n'
            '<span class="d-block small text-body-secondary">'
            f"{escape(application.current_stage_label)} · {news}</span>\n</span>\n"
            f'<form method="post" action="{escape(application.ghost_url)}">\n{csrf}\n'
            '<button type="submit" class="btn btn-sm btn-outline-secondary" '
            f'aria-label="{fill(mark, app=application)}">{button}</button>\n</form>\n</li>\n'
        )
    return mark_safe("".join(out))  # noqa: S308 (every value escaped above)


@register.simple_tag
def recent_rows(recent: list[Any]) -> SafeString:
    """The recent rejections' list items."""
    far = gettext("got as far as %(stage)s")
    return mark_safe(  # noqa: S308 (every value escaped here)
        "".join(
            '<li class="list-group-item">\n'
            f'<a href="{escape(application.detail_url)}">{_title(application)}</a>\n'
            '<span class="d-block small text-body-secondary">'
            f"{escape(application.outcome_label)} {escape(application.outcome_on_text)} · "
            f"{fill(far, stage=application.furthest_stage_label)}</span>\n</li>\n"
            for application in recent
        )
    )
