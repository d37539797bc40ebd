"""One form field laid out as crispy-forms' Bootstrap 5 pack lays it out, in Python.

`{{ form.x|as_crispy_field }}` renders `bootstrap5/field.html`, a cascade of a
dozen templates and includes for every field (label, the input with its CSS
classes, help text, errors): about a quarter of a millisecond a field, and a
log form has twenty. `{{ form.x|bootstrap_field }}` (`{% load ajar_forms %}`)
writes the same elements, attributes and text for the fields our forms have
(inputs, selects, textareas, checkboxes, radio and checkbox lists, file inputs,
the search pickers), with whitespace only where the template has some; any
other field (multi-widgets, a form with a crispy helper, a file input showing
its current file) goes through crispy as before. `{{ form|bootstrap_form }}`
is `{{ form|crispy }}` the same way: the form's errors, then each field.
`tests/accounts/test_fields.py` compares the two for every field of the
project's forms, bound and unbound, with and without errors.
"""

from typing import Any

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.forms.boundfield import BoundField
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe

from accounts.markup import html_text


def _shown(value: Any) -> str:
    """`{{ value }}` with autoescape."""
    value = localize(value)
    return html_text(value if isinstance(value, str) else str(value))


def _add_classes(widget: forms.Widget, classes: str) -> None:
    """What crispy's `{% crispy_field field 'class' '...' %}` does to the widget's
    attributes before rendering it: its own class name, then the given classes."""
    class_name = widget.__class__.__name__.lower()
    css_class = widget.attrs.get("class", "")
    if css_class:
        if css_class.find(class_name) == -1:
            css_class += f" {class_name}"
    else:
        css_class = class_name
    widget.attrs["class"] = css_class
    present = css_class.split()
    for name in classes.split():
        if name not in present:
            widget.attrs["class"] += " " + name
            present.append(name)


def _errors(field: BoundField) -> str:
    """bootstrap5/layout/field_errors_block.html."""
    errors = field.errors
    if not errors:
        return ""
    auto_id = _shown(field.auto_id)
    parts = [
        f'\n<div id="{_shown(getattr(errors, "field_id", ""))}_error" class="invalid-feedback">'
    ]
    for counter, error in enumerate(errors, start=1):
        parts.append(f'\n<p id="error_{counter}_{auto_id}"><strong>{_shown(error)}</strong></p>')
    parts.append("\n</div>\n")
    return "".join(parts)


def _help(field: BoundField) -> str:
    """bootstrap5/layout/help_text.html."""
    if not field.help_text:
        return ""
    where = f'id="{_shown(field.auto_id)}_helptext" ' if field.auto_id else ""
    return f'\n<div {where}class="form-text">{field.help_text}</div>\n'


def _help_and_errors(field: BoundField) -> str:
    """bootstrap5/layout/help_text_and_errors.html, errors as blocks, help below."""
    return _errors(field) + _help(field)


def _attributes(attrs: dict[str, Any]) -> str:
    """bootstrap5/layout/attrs.html: each attribute but the False ones."""
    return "".join(
        f" {_shown(name)}" if value is True else f' {_shown(name)}="{_shown(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _choices(field: BoundField) -> str:
    """bootstrap5/layout/radio_checkbox_select.html (no inline or field class):
    a checkbox or radio button and its label for each choice."""
    widget = field.field.widget
    id_ = widget.attrs.get("id") or field.auto_id
    attrs = field.build_widget_attrs({"id": id_} if id_ else {})
    groups = widget.optgroups(field.html_name, widget.format_value(field.value()), attrs)
    invalid = " is-invalid" if field.errors else ""
    name = _shown(field.html_name)
    parts = ["\n<div >\n"]
    for group_number, (group, options, _index) in enumerate(groups, start=1):
        if group:
            parts.append(f"\n<strong>{_shown(group)}</strong>")
        for option_number, option in enumerate(options, start=1):
            last = option_number == len(options) and group_number == len(groups)
            parts.append(
                f'\n<div class="form-check">\n<input type="{_shown(option["type"])}" '
                f'class="form-check-input{invalid}"  name="{name}" '
                f'value="{_shown(str(option["value"]))}" {_attributes(option["attrs"])}>\n'
                f'<label for="{_shown(option["attrs"].get("id", ""))}" class="form-check-label">\n'
                f"{_shown(str(option['label']))}\n</label>\n"
                f"{_errors(field) if last else ''}\n</div>\n"
            )
    parts.append("\n</div>\n")
    parts.append(_help(field))
    return "".join(parts)


def _label(field: BoundField, *, for_checkbox: bool = False) -> str:
    required = field.field.required
    asterisk = '<span class="asteriskField">*</span>' if required else ""
    text = _shown(field.label)
    if for_checkbox:
        css = "form-check-label" + (" requiredField" if required else "")
        target = _shown(field.id_for_label)
        return f'\n<label for="{target}" class="{css}">\n{text}{asterisk}\n</label>'
    tag = "legend" if field.use_fieldset else "label"
    target = f'for="{_shown(field.id_for_label)}"' if field.id_for_label else ""
    css = "form-label" + (" requiredField" if required else "")
    css += " fs-6" if field.use_fieldset else ""
    return f'\n<{tag}\n{target} class="{css}">\n{text}{asterisk}\n</{tag}>'


def _file_input(field: BoundField) -> str | None:
    """bootstrap5/layout/field_file.html for a file input with no current file."""
    parts = []
    invalid = bool(field.errors)
    for subwidget in field.subwidgets:
        data = subwidget.data
        if data.get("is_initial"):
            return None
        attrs = data["attrs"]
        css = "form-control"
        if attrs.get("class"):
            css += f" {_shown(attrs['class'])}"
        if invalid:
            css += " is-invalid"
        extra = " disabled" if field.field.disabled else ""
        for name, value in attrs.items():
            if value is False or name == "class":
                continue
            extra += f" {_shown(name)}" if value is True else f' {_shown(name)}="{_shown(value)}"'
        wrapper = ' class="is-invalid"' if invalid else ""
        parts.append(
            f"\n<div{wrapper}>\n"
            f'<input type="{_shown(data["type"])}" name="{_shown(data["name"])}" '
            f'class="{css}"{extra}>\n{_help_and_errors(field)}\n</div>\n'
        )
    return "".join(parts)


def _field(field: BoundField) -> str | None:
    widget = field.field.widget
    if field.is_hidden:
        return str(field)
    if (
        getattr(field.form, "helper", None) is not None
        or hasattr(widget, "widgets")
        or hasattr(widget, "widget")
    ):
        return None
    choice_list = isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
    invalid = " is-invalid" if field.errors else ""
    checkbox = isinstance(widget, forms.CheckboxInput)
    css_classes = field.css_classes()
    wrapper = ("form-check" if checkbox else "mb-3") + (f" {css_classes}" if css_classes else "")
    parts = ['\n<div class="mb-3">\n' if checkbox else "\n"]
    parts.append(f'<div id="div_{_shown(field.auto_id)}" class="{wrapper}">')
    fieldset = bool(field.label) and not checkbox and field.use_fieldset
    if field.label and not checkbox:
        if fieldset:
            described = getattr(field, "aria_describedby", None)
            parts.append(
                f'\n<fieldset aria-describedby="{_shown(described)}">'
                if described
                else "\n<fieldset>"
            )
        parts.append(_label(field))
    if choice_list:
        parts.append(_choices(field))
    elif checkbox:
        _add_classes(widget, "form-check-input" + invalid)
        parts.append(f"\n{field}")
        parts.append(_label(field, for_checkbox=True))
        parts.append(_help_and_errors(field))
    elif isinstance(widget, forms.FileInput):
        file_input = _file_input(field)
        if file_input is None:
            return None
        parts.append(file_input)
    else:
        _add_classes(
            widget,
            ("form-select" if isinstance(widget, forms.Select) else "form-control") + invalid,
        )
        parts.append(f"\n{field}\n")
        parts.append(_help_and_errors(field))
    if fieldset:
        parts.append("\n</fieldset>")
    parts.append("\n</div>\n")
    if checkbox:
        parts.append("</div>\n")
    return "".join(parts)


def bootstrap_field(field: BoundField) -> SafeString:
    """`field|as_crispy_field`'s HTML, whitespace aside."""
    html = _field(field)
    if html is None:
        return as_crispy_field(field)
    return mark_safe(html)  # noqa: S308 (every value above is escaped or already safe)


def bootstrap_form(form: forms.BaseForm) -> SafeString:
    """`form|crispy`'s HTML, whitespace aside: bootstrap5/errors.html, then
    each field as bootstrap_field lays it out."""
    parts = []
    errors = form.non_field_errors()
    if errors:
        items = "\n".join(f"<li>{_shown(error)}</li>" for error in errors)
        alert = '<div class="alert alert-block alert-danger">\n<ul class="m-0">'
        parts.append(f"{alert}\n{items}\n</ul>\n</div>\n")
    parts.append("\n".join(str(bootstrap_field(field)) for field in form))
    return mark_safe("".join(parts))  # noqa: S308 (bootstrap_field's and escaped text)
