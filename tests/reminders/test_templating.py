"""Email templates with their fixed translations remembered render exactly as
Django renders them, in every language and escaping mode."""

import pytest
from django.template import engines
from django.template.loader import render_to_string as django_render
from django.utils import translation

from reminders import templating
from reminders.emails import reminder_context
from tests.reminders.helpers import log_rejection, log_with_insiders

pytestmark = pytest.mark.django_db

SOURCE = (
    '{% load i18n %}{% translate "yes,no,maybe" %} | {% translate "a & b <i>" %} | '
    '{% translate "100%% sure" %} | {% translate "Yes" context "x" %} | '
    '{% translate greeting %} | {% translate "yes,no,maybe" as v %}{{ v|upper }}'
    "{% if flag %}{% for i in items %}{% translate 'yes,no,maybe' %}{% endfor %}{% endif %}"
    "{% autoescape off %}{% translate 'a & b <i>' %}{% endautoescape %}"
)


def render_both(context):
    django_template = engines["django"].from_string(SOURCE)
    ours = engines["django"].from_string(SOURCE)
    templating._prepared(ours.template)
    return django_template.render(context), ours.render(context)


def test_a_remembered_translation_renders_as_djangos_in_each_language():
    context = {"greeting": "Hello", "flag": True, "items": [1, 2]}
    seen = set()
    for language in ("en", "fr", "de", "en", "fr"):
        with translation.override(language):
            django_output, ours = render_both(context)
        assert ours == django_output
        seen.add(ours)
    assert len(seen) == 3  # one per language: nothing leaks from one to another


def test_only_plain_literals_are_remembered():
    template = engines["django"].from_string(SOURCE).template
    templating._prepared(template)
    remembered = [
        node
        for node in template.nodelist.get_nodes_by_type(templating.RememberedTranslation)
        if isinstance(node, templating.RememberedTranslation)
    ]
    # The three literals at the top level, the one in the loop, the one in autoescape
    # off; not the one with a context, a variable or `as`.
    assert len(remembered) == 5


def test_the_circle_back_templates_render_as_djangos(user, settings):
    settings.BASE_URL = "https://ajar.example"
    for reminder in (log_rejection(user).reminder, log_with_insiders(user).reminder):
        context = {"base_url": settings.BASE_URL, **reminder_context(reminder)}
        for part in ("subject.txt", "body.txt", "body.html"):
            name = f"reminders/email/circle_back_{part}"
            for language in ("en-us", "fr"):
                with translation.override(language):
                    assert templating.render_to_string(name, context) == django_render(
                        name, context
                    )
    html = templating.get_template("reminders/email/circle_back_body.html").template
    assert html.nodelist.get_nodes_by_type(templating.RememberedTranslation)
