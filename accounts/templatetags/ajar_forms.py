"""`{{ form.field|bootstrap_field }}` and `{{ form|bootstrap_form }}`: crispy's
Bootstrap 5 layout of one field and of a whole form, written in Python
(accounts/fields.py); `{% include_unbound %}`: a blank formset rendered once."""

from django import template
from django.forms.formsets import BaseFormSet
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from accounts.fields import bootstrap_field, bootstrap_form

register = template.Library()
register.filter("bootstrap_field", bootstrap_field)
register.filter("bootstrap_form", bootstrap_form)

# What include_unbound rendered, by template, formset class, prefix, ids and language.
_UNBOUND: dict[tuple[object, ...], SafeString] = {}


@register.simple_tag
def include_unbound(template_name: str, formset: BaseFormSet) -> SafeString:
    """`{% include template_name with formset=formset only %}`. A blank formset
    (unbound, no initial rows or form arguments) looks the same on every request
    in a language, so its HTML is kept once a process; a submitted one, with
    its values and errors, is rendered each time. The template must show
    nothing but the formset."""
    blank = not formset.is_bound and not formset.initial and not formset.form_kwargs
    if not blank:
        return render_to_string(template_name, {"formset": formset})
    key = (template_name, type(formset), formset.prefix, formset.auto_id, get_language())
    html = _UNBOUND.get(key)
    if html is None:
        html = _UNBOUND[key] = render_to_string(template_name, {"formset": formset})
    return html
