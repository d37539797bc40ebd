"""{% board_cards cards %}: the board's cards, the markup a template wrote, in one pass.

A dozen template variables a card were half the board's CPU. Here the words,
URLs, labels and date format are looked up once a call, and each value is
escaped as `{{ }}` does."""

from html import escape
from typing import Any

from django import template
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from accounts.labels import day_text
from accounts.links import pk_url_halves
from applications.models import Outcome

register = template.Library()
URLS = ("review:application", "review:company_detail", "applications:board_move")


@register.simple_tag
def board_cards(cards: list[Any]) -> SafeString:
    applied, move = escape(gettext("Applied")), escape(gettext("Move"))
    (page, page_end), (company, company_end), (mover, mover_end) = map(pk_url_halves, URLS)
    dates, outcomes = (
        get_format("DATE_FORMAT"),
        {v: escape(str(label)) for v, label in Outcome.choices},
    )
    out = []
    for card in cards:
        pk, role, is_open = int(card.pk), escape(card.role), card.is_open
        drag = ' draggable="true"' if is_open else ""
        applied_on = card.applied_on and escape(day_text(card.applied_on, dates))
        out.append(
            f'<li class="board-card card" id="card-{pk}" tabindex="-1" data-board-card{drag} '
            f'data-stage="{int(card.current_stage)}">\n<h3><a href="{page}{pk}{page_end}">{role}'
            f'</a></h3>\n<p><a href="{company}{int(card.company_id)}{company_end}">'
            f"{escape(card.company.name)}</a>"
            + (f"<br><span>{applied} {applied_on}</span>" if applied_on else "")
            + "</p>\n"
            + (
                f'<a class="btn btn-sm btn-outline-primary" href="{mover}{pk}{mover_end}" '
                f'aria-haspopup="dialog" data-board-move>{move}'
                f'<span class="visually-hidden"> {role}</span></a>'
                if is_open
                else f'<span class="badge outcome-{escape(card.outcome)}">'
                f"{outcomes.get(card.outcome, escape(card.outcome))}</span>"
            )
            + "\n</li>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 (every value above is escaped or an int)
