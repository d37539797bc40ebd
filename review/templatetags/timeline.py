"""{% timeline_entries timeline user %}: the application page's timeline in one pass.

As a template loop, each entry's `{% blocktranslate %}`, `{% url %}`,
`{% translate %}`, `get_FOO_display` and `date` filters, and the branches
between its kinds, were a sixth of the page's Python calls: about 800 an entry.
Here the sentences are translated, the formats looked up and the URLs
reversed once a page, and each value is escaped as `{{ }}` does.
tests/review/test_timeline.py compares the output with the template loop it
replaced (tests/review/timeline_reference.html)."""

from collections.abc import Sequence
from html import escape
from typing import Any

from django import template
from django.template.defaultfilters import filesizeformat
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from accounts.labels import day_text, moment_text
from accounts.links import pk_url
from accounts.markup import fill
from review.selectors import TimelineEntry

register = template.Library()


class _Writer:
    """What every entry of a page shares: its words, formats and zone."""

    def __init__(self, user: Any) -> None:
        self.day, self.moment = get_format("DATE_FORMAT"), get_format("DATETIME_FORMAT")
        self.short_moment = get_format("SHORT_DATETIME_FORMAT")
        self.zone = getattr(user, "time_zone", "")
        # Literal gettext calls, so that makemessages finds each word.
        self.words = {
            "Correct": escape(gettext("Correct")),
            "Remove": escape(gettext("Remove")),
            "Scheduled for": escape(gettext("Scheduled for")),
            "add to calendar": escape(gettext("add to calendar")),
            "with": escape(gettext("with")),
            "They invited you to apply again.": escape(gettext("They invited you to apply again.")),
            "The letter": escape(gettext("The letter")),
            "the letter": escape(gettext("the letter")),
            "Feedback": escape(gettext("Feedback")),
            "Never heard back": escape(gettext("Never heard back")),
        }
        self.rejected = gettext("Rejected after %(stage)s (%(channel)s)")
        self.due = gettext("Due %(when)s (%(zone)s)")

    def entry(self, entry: TimelineEntry) -> str:
        body = getattr(self, f"_{entry.kind}")(entry.obj, entry)
        return (
            f'<li class="timeline-entry timeline-{escape(entry.kind)}">\n'
            f'<div class="small text-body-secondary">{escape(day_text(entry.on, self.day))}</div>\n'
            f"{body}</li>\n"
        )

    def _stage(self, event: Any, entry: TimelineEntry) -> str:
        words = self.words
        label = escape(event.get_stage_display())
        hidden = (
            f'<span class="visually-hidden"> {label} {escape(day_text(entry.on, self.day))}</span>'
        )
        out = [
            '<div class="d-flex flex-wrap gap-2 align-items-baseline">\n'
            f'<span class="fw-semibold me-auto">{label}</span>\n'
            f'<a class="small" href="{pk_url("applications:event_edit", event.pk)}">'
            f"{words['Correct']}{hidden}</a>\n"
            f'<a class="small link-danger" href="{pk_url("applications:event_delete", event.pk)}">'
            f"{words['Remove']}{hidden}</a>\n</div>\n"
        ]
        if event.scheduled_at:
            when = escape(moment_text(event.scheduled_at, self.moment))
            calendar = pk_url("portability:interview_ics", event.pk)
            out.append(
                f'<div class="small">{words["Scheduled for"]} {when} · <a href="{calendar}">'
                f"{words['add to calendar']}{hidden}</a></div>\n"
            )
        if event.note:
            out.append(f'<div class="text-prewrap small">{escape(event.note)}</div>\n')
        return "".join(out)

    def _interaction(self, interaction: Any, entry: TimelineEntry) -> str:
        names = ", ".join(escape(contact.name) for contact in interaction.contacts.all())
        people = f" {self.words['with']} {names}" if names else ""
        out = [
            f'<div class="fw-semibold">{escape(interaction.get_channel_display())}{people}</div>\n'
        ]
        if interaction.summary:
            out.append(f'<div class="text-prewrap small">{escape(interaction.summary)}</div>\n')
        return "".join(out)

    def _rejection(self, rejection: Any, entry: TimelineEntry) -> str:
        words = self.words
        headline = fill(
            self.rejected,
            stage=rejection.get_stage_reached_display(),
            channel=rejection.get_channel_display(),
        )
        out = [f'<div class="fw-semibold">{headline}</div>\n']
        if rejection.invited_to_reapply:
            out.append(f'<div class="small">{words["They invited you to apply again."]}</div>\n')
        if rejection.letter_text:
            out.append(
                f'<details class="mt-1"><summary>{words["The letter"]}</summary>'
                f'<pre class="letter border rounded p-2 mt-1">{escape(rejection.letter_text)}</pre>'
                "</details>\n"
            )
        files: Sequence[Any] = entry.extra.get("files") or ()
        if files:
            count = ngettext("%(n)s file", "%(n)s files", len(files)) % {"n": len(files)}
            out.append(f'<div class="small fw-semibold mt-1">{count}</div>\n')
            out.append(self._files(files))
        if rejection.feedback:
            out.append(
                f'<div class="small"><span class="fw-semibold">{words["Feedback"]}:</span> '
                f'<span class="text-prewrap">{escape(rejection.feedback)}</span></div>\n'
            )
        return "".join(out)

    def _files(self, files: Sequence[Any]) -> str:
        """What applications/_rejection_files.html writes."""
        letter = self.words["the letter"]
        rows = []
        for file in files:
            which = f"{letter}, " if file.is_letter else ""
            rows.append(
                f'<li><a href="{pk_url("applications:attachment_download", file.pk)}" download>'
                f"{escape(file.filename)}</a> "
                f'<span class="text-body-secondary">({which}{escape(filesizeformat(file.size))})'
                "</span></li>\n"
            )
        return f'<ul class="list-unstyled small rejection-files">\n{"".join(rows)}</ul>\n'

    def _ghosted(self, _obj: Any, entry: TimelineEntry) -> str:
        return f'<div class="fw-semibold">{self.words["Never heard back"]}</div>\n'

    def _reminder(self, reminder: Any, entry: TimelineEntry) -> str:
        step, status = escape(reminder.get_step_display()), escape(reminder.get_status_display())
        due = fill(self.due, when=moment_text(reminder.due_at, self.short_moment), zone=self.zone)
        return f'<div class="fw-semibold">{step}: {status}</div>\n<div class="small">{due}</div>\n'


@register.simple_tag
def timeline_entries(timeline: Sequence[TimelineEntry], user: Any) -> SafeString:
    writer = _Writer(user)
    return mark_safe("".join(writer.entry(entry) for entry in timeline))  # noqa: S308 (escaped above)
