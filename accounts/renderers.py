"""The form renderer: Django's own widget templates, written in Python.

Every `<input>`, `<select>` and `<textarea>` a page shows goes through
Django's form renderer, which renders a template per widget and one more per
`<option>` (`select.html` includes `select_option.html` for each). A log form
or a list's filters spend milliseconds a page in that cascade. These few
templates are short and fixed, so `FastFormRenderer` writes the same bytes
from the same context in Python, and hands anything else (radio and checkbox
lists, multi-widgets, a form with errors, a project's own widget template) to
the templates as before. `tests/accounts/test_renderers.py` compares its output
with the templates' for every form and widget of the project.
"""

from collections.abc import Callable
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]

from accounts.markup import html_text

_WIDGETS = "django/forms/widgets/"
# The widget templates that are only {% include "django/forms/widgets/input.html" %}.
_INPUTS = frozenset(
    f"{_WIDGETS}{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "search",
        "tel",
        "color",
        "checkbox",
        "file",
    )
)
_SELECT = f"{_WIDGETS}select.html"
_OPTION = f"{_WIDGETS}select_option.html"
_TEXTAREA = f"{_WIDGETS}textarea.html"
_ERRORS = frozenset({"django/forms/errors/list/default.html", "django/forms/errors/list/ul.html"})
_DIV_FORM = "django/forms/div.html"


def _text(value: Any) -> str:
    """`{{ value|stringformat:'s' }}` with autoescape: safe strings are kept."""
    return html_text(value)


def _shown(value: Any) -> str:
    """`{{ value }}` with autoescape (a number or a date localized, as the template does)."""
    value = localize(template_localtime(value))
    return html_text(value if isinstance(value, str) else str(value))


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_text(name)}")
        else:
            parts.append(f' {_text(name)}="{_text(value)}"')
    return "".join(parts)


def _input(widget: dict[str, Any]) -> str:
    value = widget["value"]
    shown = f' value="{_text(value)}"' if value is not None else ""
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


def _option(option: dict[str, Any]) -> str:
    return (
        f'<option value="{_text(option["value"])}"{_attrs(option["attrs"])}>'
        f"{_shown(option['label'])}</option>"
    )


def _select(widget: dict[str, Any]) -> str | None:
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
        for option in group_choices:
            if option.get("template_name") != _OPTION:
                return None
            # select_option.html ends with a newline, which its include keeps.
            parts.append(f"\n  {_option(option)}\n")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _textarea(widget: dict[str, Any]) -> str:
    value = widget["value"]
    text = _shown(value) if value else ""
    return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{text}</textarea>'


def _form(context: dict[str, Any]) -> str | None:
    if context["errors"] or context["fields"]:
        return None
    # A form of hidden fields only (a formset's management form).
    return "".join(str(field) for field in context["hidden_fields"])


_WRITERS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    **{name: lambda context: _input(context["widget"]) for name in _INPUTS},
    _SELECT: lambda context: _select(context["widget"]),
    _OPTION: lambda context: _option(context["widget"]),
    _TEXTAREA: lambda context: _textarea(context["widget"]),
    **{name: lambda context: None if context["errors"] else "" for name in _ERRORS},
    _DIV_FORM: _form,
}


def _fast(template_name: str, context: dict[str, Any]) -> str | None:
    """The template's output, or None when it is not one written here."""
    writer = _WRITERS.get(template_name)
    return writer(context) if writer is not None else None


class FastFormRenderer(DjangoTemplates):
    """Django's default renderer, with its commonest templates written in Python."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        html = _fast(template_name, context)
        if html is None:
            return super().render(template_name, context, request=request)
        return html.strip()
