"""Pickers of a user's own rows that cost O(what they show), not O(the account).

A `<select>` of every company is 3.7 MB at 66,000 companies. `SearchSelect`
(and `SearchSelectMultiple`) render only the chosen value(s), with a search box
above them: typing asks the app's options endpoint (htmx) for the first
matches, which replace the select's options, the chosen ones kept. The field
still validates against its for_user queryset, so a posted id of someone else's
stays a field error.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from accounts.forms import as_id

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

PICKER_LIMIT = 20


class _SearchMixin:
    """Shared by the single and multiple pickers: only the chosen options, and the
    search box that fetches more."""

    search_url: "str | StrPromise"
    placeholder: Any
    allow_multiple_selected: bool
    choices: Any
    attrs: dict

    def _selected_choices(self, value: Any) -> list[tuple[Any, str]]:
        values = [v for v in (value or []) if v not in ("", None)]
        iterator = self.choices
        field = getattr(iterator, "field", None)
        chosen: list[tuple[Any, str]] = []
        if field is not None and values:
            # Only ids: anything else matches nothing (and no query runs).
            ids = [i for i in map(as_id, values) if i is not None]
            if ids:
                chosen = [iterator.choice(obj) for obj in field.queryset.filter(pk__in=ids)]
        empty = getattr(field, "empty_label", None) if field is not None else None
        if not self.allow_multiple_selected and empty is not None:
            chosen.insert(0, ("", empty))
        return chosen

    def optgroups(self, name: str, value: Any, attrs: dict | None = None) -> list:
        groups = []
        for index, (option_value, label) in enumerate(self._selected_choices(value)):
            selected = (
                str(option_value) in {str(v) for v in value}
                if option_value != ""
                else (not any(v not in ("", None) for v in value))
            )
            groups.append(
                (
                    None,
                    [
                        self.create_option(  # type: ignore[attr-defined]
                            name, option_value, label, selected, index, attrs=attrs
                        )
                    ],
                    index,
                )
            )
        return groups

    def render(
        self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None
    ) -> SafeString:
        select = super().render(name, value, attrs, renderer)  # type: ignore[misc]
        select_id = (attrs or {}).get("id") or self.attrs.get("id") or f"id_{name}"
        field = getattr(self.choices, "field", None)
        empty = getattr(field, "empty_label", None) if field is not None else None
        query = {"field": name}
        if not self.allow_multiple_selected and empty is not None:
            query["empty"] = str(empty)
        search = format_html(
            '<input type="search" class="form-control form-control-sm mb-1" name="term" '
            # Not part of the enclosing form: the search term is never submitted.
            'form="picker-search" autocomplete="off" aria-label="{}" placeholder="{}" '
            'aria-controls="{}" hx-get="{}?{}" hx-trigger="input changed delay:250ms, search, '
            'focus once" hx-target="#{}" hx-swap="innerHTML" hx-include="#{}" '
            'data-picker-search="true">',
            self.placeholder,
            self.placeholder,
            select_id,
            self.search_url,
            urlencode(query),
            select_id,
            select_id,
        )
        return mark_safe(search + select)  # noqa: S308 (both parts are escaped above)


class SearchSelect(_SearchMixin, forms.Select):
    def __init__(
        self, *, search_url: "str | StrPromise", placeholder: Any, attrs: dict | None = None
    ) -> None:
        super().__init__(attrs=attrs)
        self.search_url = search_url
        self.placeholder = placeholder


class SearchSelectMultiple(_SearchMixin, forms.SelectMultiple):
    def __init__(
        self, *, search_url: "str | StrPromise", placeholder: Any, attrs: dict | None = None
    ) -> None:
        super().__init__(attrs=attrs)
        self.search_url = search_url
        self.placeholder = placeholder


def picker_options(
    request: HttpRequest,
    *,
    queryset: QuerySet,
    matching: Callable[[QuerySet, str], QuerySet],
    label: Callable[[Any], str] = str,
) -> HttpResponse:
    """The options an htmx search asks for: the chosen ones (the select's current
    value, sent along) first, then the first PICKER_LIMIT rows that `matching`
    keeps for every word of the term, in the queryset's order."""
    term = request.GET.get("term", "").replace("\x00", "").strip()[:200]
    field = request.GET.get("field", "")[:100]
    kept_ids = [i for i in map(as_id, request.GET.getlist(field)) if i is not None][:PICKER_LIMIT]
    kept = list(queryset.filter(pk__in=kept_ids)) if kept_ids else []
    matches = queryset.exclude(pk__in=[obj.pk for obj in kept])
    if term:
        for word in term.split()[:5]:
            matches = matching(matches, word)
    found: list[Model] = list(matches[:PICKER_LIMIT])
    options: list[tuple[str, str, str]] = []
    empty = request.GET.get("empty")
    if empty is not None:
        options.append(("", "" if kept else " selected", empty[:200]))
    options += [(str(obj.pk), " selected", label(obj)) for obj in kept]
    options += [(str(obj.pk), "", label(obj)) for obj in found]
    html = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, mark_safe(selected), text) for value, selected, text in options),  # noqa: S308
    )
    if not found and term:
        html += format_html("<option disabled>{}</option>", _("No match"))
    return HttpResponse(html)
