"""The email templates, rendered with their fixed translations remembered.

An email's templates hold a few dozen `{% translate "..." %}` tags. Django
translates each at every render: a lazy string made and cast, a gettext
through the thread's active translation, escaping; about a sixth of a
reminder's CPU. Such a tag with a plain literal (no filters, no context, no
`as`) always renders the same text for one language and one autoescape
setting, so `get_template` here swaps it, once per compiled template, for a
node that renders it once per language, autoescape setting and translation
catalogue. Everything else renders as Django renders it.

tests/reminders/test_templating.py compares the output with Django's.
"""

from __future__ import annotations

import itertools
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Node, NodeList
from django.template.backends.django import Template as BackendTemplate
from django.template.base import Template, Variable
from django.template.context import Context
from django.template.loader import get_template as django_get_template
from django.template.loader_tags import IncludeNode
from django.templatetags.i18n import TranslateNode
from django.utils import translation

_PREPARED = "_ajar_translations_remembered"
# Bumped when the catalogues may change (tests that override the settings).
_generation = itertools.count()
_current = [next(_generation)]


@receiver(setting_changed)
def _catalogues_changed(*, setting: str, **_kwargs: Any) -> None:
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "INSTALLED_APPS"}:
        _current[0] = next(_generation)


class RememberedTranslation(Node):
    """A `{% translate "literal" %}` rendered once per language, autoescape
    setting and catalogue generation."""

    child_nodelists = ()

    def __init__(self, node: TranslateNode) -> None:
        self.node = node
        self.token = node.token
        self.origin = node.origin
        self.outputs: dict[tuple[int, str | None, bool], str] = {}

    def render(self, context: Context) -> str:
        key = (_current[0], translation.get_language(), context.autoescape)
        try:
            return self.outputs[key]
        except KeyError:
            output = self.outputs[key] = self.node.render(context)
            return output


def _fixed(node: Node) -> bool:
    if not isinstance(node, TranslateNode) or node.asvar or node.message_context:
        return False
    expression = node.filter_expression
    var = expression.var
    return (
        not expression.filters
        and isinstance(var, Variable)
        and var.literal is not None
        and var.lookups is None
    )


def _prepare(nodelist: NodeList, engine: Any) -> None:
    for position, node in enumerate(nodelist):
        if _fixed(node):
            nodelist[position] = RememberedTranslation(node)  # type: ignore[arg-type]
            continue
        for attr in node.child_nodelists:
            child = getattr(node, attr, None)
            if isinstance(child, NodeList):
                _prepare(child, engine)
        for _condition, child in getattr(node, "conditions_nodelists", ()):
            _prepare(child, engine)
        if isinstance(node, IncludeNode):
            name = node.template.var
            if isinstance(name, Variable) and name.literal is not None:
                _prepared(engine.get_template(name.literal))
            elif isinstance(name, str):
                _prepared(engine.get_template(name))


def _prepared(template: Template) -> Template:
    if not getattr(template, _PREPARED, False):
        setattr(template, _PREPARED, True)  # first: a template may include itself
        _prepare(template.nodelist, template.engine)
    return template


def get_template(name: str) -> BackendTemplate:
    """django.template.loader.get_template(name), its fixed translations
    remembered (once per compiled template: the cached loader's, or a fresh
    one after the loader was reset)."""
    template = django_get_template(name)
    _prepared(template.template)  # type: ignore[attr-defined]
    return template  # type: ignore[return-value]


def render_to_string(name: str, context: dict[str, Any]) -> str:
    return get_template(name).render(context)
