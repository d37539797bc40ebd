"""{% board_cards cards %}: the board's cards, written in one pass.

A full board is 7 columns of BOARD_COLUMN_SIZE cards. Through a template,
each card's dozen values went through the variable cascade
(`_resolve_lookup`, `render_value_in_context`, `conditional_escape`, the
`localize` of every number): about half the page's CPU. A card is one fixed
shape, so the same markup is built here: the words and the three URLs' halves
once a call, then one f-string a card, each value escaped as `{{ }}` does.

The card's markup: no wrapper elements and no indentation (ajar.css's
.board-card rules style it); "Move" opens the board's one move dialog
(board.js), or, without JavaScript, this card's move page. The view sets each
card's `applied_on_text` (and `outcome_label` for closed cards) first.
"""

from collections.abc import Iterable
from html import escape
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from accounts.links import pk_url

register = template.Library()

# An id no row has: a URL reversed with it, split on it, is that URL's two halves.
_PK = 2147483647


def _halves(name: str) -> tuple[str, str]:
    head, _, tail = pk_url(name, _PK).rpartition(str(_PK))
    return head, tail


@register.simple_tag
def board_cards(cards: Iterable[Any]) -> SafeString:
    """`cards`: Applications with the view's `applied_on_text` and `outcome_label`."""
    applied, move = escape(gettext("Applied")), escape(gettext("Move"))
    page_head, page_tail = _halves("review:application")
    company_head, company_tail = _halves("review:company_detail")
    move_head, move_tail = _halves("applications:board_move")
    out = []
    for card in cards:
        pk, role = int(card.pk), escape(card.role)
        is_open = card.is_open
        draggable = ' draggable="true"' if is_open else ""
        applied_text = (
            f"<br><span>{applied} {escape(card.applied_on_text)}</span>" if card.applied_on else ""
        )
        if is_open:
            action = (
                f'<a class="btn btn-sm btn-outline-primary" href="{move_head}{pk}{move_tail}" '
                f'aria-haspopup="dialog" data-board-move>{move}'
                f'<span class="visually-hidden"> {role}</span></a>'
            )
        else:
            action = (
                f'<span class="badge outcome-{escape(card.outcome)}">'
                f"{escape(card.outcome_label)}</span>"
            )
        out.append(
            f'<li class="board-card card" id="card-{pk}" tabindex="-1" data-board-card'
            f'{draggable} data-stage="{int(card.current_stage)}">\n'
            f'<h3><a href="{page_head}{pk}{page_tail}">{role}</a></h3>\n'
            f'<p><a href="{company_head}{int(card.company_id)}{company_tail}">'
            f"{escape(card.company.name)}</a>{applied_text}</p>\n"
            f"{action}\n</li>\n"
        )
    # Every value above is escaped or an integer; the rest is this module's markup.
    return mark_safe("".join(out))  # noqa: S308
