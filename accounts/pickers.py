"""Pickers of a user's own rows that cost O(what they show), not O(the account).

A `<select>` of every company is 3.7 MB at 66,000 companies. `SearchSelect`
(and `SearchSelectMultiple`) render only the chosen value(s), with a search box
above them: typing asks the app's options endpoint (htmx) for the first
matches, which replace the select's options, the chosen ones kept. The field
still validates against its for_user queryset, so a posted id of someone else's
stays a field error.

`SearchCheckboxes` is the same idea as a checkbox list (for "Met during"): the
chosen rows ticked plus the first PICKER_LIMIT others, and a search box that
swaps in the chosen plus the first matches (`?as=checkboxes` on the same
endpoint). Ticking is a native checkbox, so keyboards and screen readers work.
"""

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from accounts.forms import as_id

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

PICKER_LIMIT = 20
# The ticked rows a checkbox picker keeps through a search: every one the user
# chose (dropping one would untick it on save), within a sane bound.
CHECKED_LIMIT = 500
_LIST_ID = re.compile(r"^[A-Za-z][\w-]{0,99}$")


class _Searched:
    """Every picker's options endpoint and the search box's placeholder."""

    def __init__(
        self, *, search_url: "str | StrPromise", placeholder: Any, attrs: dict | None = None
    ) -> None:
        super().__init__(attrs=attrs)  # type: ignore[call-arg]  # the widget's, next in the MRO
        self.search_url = search_url
        self.placeholder = placeholder


class _SearchMixin(_Searched):
    """Shared by the single and multiple pickers: only the chosen options, and the
    search box that fetches more."""

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
    """One of the user's rows: the chosen one, and a search for another."""


class SearchSelectMultiple(_SearchMixin, forms.SelectMultiple):
    """Several of the user's rows: the chosen ones, and a search for more."""


class SearchCheckboxes(_Searched, forms.widgets.ChoiceWidget):
    """A bounded, searchable checkbox list of the user's own rows: the chosen
    ones ticked, then up to PICKER_LIMIT others; typing in the filter box asks
    the options endpoint for the chosen plus the first matches."""

    allow_multiple_selected = True
    use_fieldset = True
    template_name = "accounts/_search_checkboxes.html"

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        getter = getattr(data, "getlist", None)
        return getter(name) if getter is not None else data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        # An unticked list posts nothing: that means "none", not "unchanged".
        return False

    def optgroups(self, name: str, value: Any, attrs: dict | None = None) -> list:
        # Never every choice (the whole account): get_context picks the rows.
        return []

    def id_for_label(self, id_: str, index: str = "0") -> str:
        # The list is a fieldset with a legend: no single input to point at.
        return ""

    def render(
        self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None
    ) -> SafeString:
        # The project's templates, not the form renderer's built-in ones.
        return mark_safe(  # noqa: S308 (a template render, escaped)
            render_to_string(self.template_name, self.get_context(name, value, attrs))
        )

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        field = getattr(self.choices, "field", None)
        ids = [i for i in map(as_id, context["widget"]["value"]) if i is not None]
        items: list[tuple[str, str, bool]] = []
        if field is not None:
            queryset = field.queryset
            label = field.label_from_instance
            checked = list(queryset.filter(pk__in=ids[:CHECKED_LIMIT])) if ids else []
            others = list(queryset.exclude(pk__in=[obj.pk for obj in checked])[:PICKER_LIMIT])
            items = [(str(obj.pk), label(obj), True) for obj in checked]
            items += [(str(obj.pk), label(obj), False) for obj in others]
        list_id = f"{context['widget']['attrs'].get('id') or 'id_' + name}_list"
        query = urlencode({"as": "checkboxes", "field": name, "list": list_id})
        context["widget"].update(
            items=items,
            list_id=list_id,
            search_url=f"{self.search_url}?{query}",
            placeholder=self.placeholder,
            shown=len(items),
        )
        return context


def _kept_and_found(
    request: HttpRequest,
    *,
    queryset: QuerySet,
    matching: Callable[[QuerySet, str], QuerySet],
    kept_limit: int,
) -> tuple[list[Model], list[Model], str]:
    """The chosen rows sent along (the picker's current value) and the first
    PICKER_LIMIT others that `matching` keeps for every word of the term."""
    term = request.GET.get("term", "").replace("\x00", "").strip()[:200]
    field = request.GET.get("field", "")[:100]
    kept_ids = [i for i in map(as_id, request.GET.getlist(field)) if i is not None][:kept_limit]
    kept = list(queryset.filter(pk__in=kept_ids)) if kept_ids else []
    matches = queryset.exclude(pk__in=[obj.pk for obj in kept])
    if term:
        for word in term.split()[:5]:
            matches = matching(matches, word)
    return kept, list(matches[:PICKER_LIMIT]), term


def picker_options(
    request: HttpRequest,
    *,
    queryset: QuerySet,
    matching: Callable[[QuerySet, str], QuerySet],
    label: Callable[[Any], str] = str,
) -> HttpResponse:
    """The options an htmx search asks for: the chosen ones (the select's current
    value, sent along) first, then the first PICKER_LIMIT rows that `matching`
    keeps for every word of the term, in the queryset's order. With
    `as=checkboxes`, the same rows as a SearchCheckboxes list."""
    if request.GET.get("as") == "checkboxes":
        return _picker_checkboxes(request, queryset=queryset, matching=matching, label=label)
    kept, found, term = _kept_and_found(
        request, queryset=queryset, matching=matching, kept_limit=PICKER_LIMIT
    )
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


def _picker_checkboxes(
    request: HttpRequest,
    *,
    queryset: QuerySet,
    matching: Callable[[QuerySet, str], QuerySet],
    label: Callable[[Any], str],
) -> HttpResponse:
    kept, found, term = _kept_and_found(
        request, queryset=queryset, matching=matching, kept_limit=CHECKED_LIMIT
    )
    list_id = request.GET.get("list", "")
    if not _LIST_ID.match(list_id):
        list_id = "picker_list"
    items = [(str(obj.pk), label(obj), True) for obj in kept]
    items += [(str(obj.pk), label(obj), False) for obj in found]
    html = render_to_string(
        "accounts/_search_checkbox_items.html",
        {
            "widget": {
                "name": request.GET.get("field", "")[:100],
                "items": items,
                "list_id": list_id,
                "shown": len(items),
                "term": term,
            },
            "oob": True,
        },
    )
    return HttpResponse(html)
