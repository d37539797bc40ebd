"""{% application_rows rows %}: the applications list's rows in one pass, as
{% board_cards %} writes the board's: the word, URL halves, labels and date
format looked up once a page (tests/applications/test_application_rows.py)."""

from html import escape
from typing import Any

from django import template
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from accounts.labels import day_text
from accounts.links import pk_url_halves
from applications.models import Outcome, Source, Stage

register = template.Library()


@register.simple_tag
def application_rows(rows: list[Any]) -> SafeString:
    applied, dates = escape(gettext("Applied")), get_format("DATE_FORMAT")
    page, page_end = pk_url_halves("review:application")
    stages, outcomes, sources = (
        {v: escape(str(label)) for v, label in c.choices} for c in (Stage, Outcome, Source)
    )
    out: list[str] = []
    for row in rows:
        stage, outcome, source, day = row.current_stage, row.outcome, row.source, row.applied_on
        when = ""
        if day:
            text = escape(day_text(day, dates))
            label = f" · {sources.get(source, escape(str(source)))}" if source else ""
            when = f'<div class="small text-body-secondary">{applied} {text}{label}</div>'
        out.append(
            '<li class="list-group-item d-flex flex-wrap gap-2 align-items-center">\n'
            f'<div class="me-auto text-break">\n<a class="fw-semibold" href="{page}'
            f'{int(row.pk)}{page_end}">{escape(row.role)}</a>\n<span class="text-body-'
            f'secondary">· {escape(row.company.name)}</span>\n{when}\n</div>\n'
            '<span class="badge text-bg-light border">'
            f"{stages.get(stage, escape(str(stage)))}</span>\n"
            f'<span class="badge outcome-{escape(str(outcome))}">'
            f"{outcomes.get(outcome, escape(str(outcome)))}</span>\n</li>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 (every value above is escaped or an int)
