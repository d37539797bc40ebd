"""`{% include_unbound %}`: a blank formset's HTML kept once a process, a
submitted one rendered each time."""

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.test.signals import template_rendered
from django.utils import translation

from reminders.forms import NewContactFormSet

ROWS = "reminders/_new_contacts.html"
TAG = engines["django"].from_string(
    '{% load ajar_forms %}{% include_unbound "reminders/_new_contacts.html" formset %}'
)


def _rendered(formset) -> tuple[str, list[str]]:
    """The tag's output and the templates rendered to make it."""
    seen: list[str] = []

    def record(sender, template, **kwargs):
        seen.append(template.name)

    template_rendered.connect(record)
    try:
        return TAG.render({"formset": formset}), seen
    finally:
        template_rendered.disconnect(record)


def test_a_blank_formset_is_rendered_once_and_shown_the_same_after():
    prefix = "blank_once"
    fresh = render_to_string(ROWS, {"formset": NewContactFormSet(prefix=prefix)})
    first, _ = _rendered(NewContactFormSet(prefix=prefix))
    again, rendered_again = _rendered(NewContactFormSet(prefix=prefix))
    assert first == fresh
    assert again == fresh
    assert ROWS not in rendered_again
    assert f'name="{prefix}-TOTAL_FORMS"' in again
    assert f'id="id_{prefix}-__prefix__-name"' in again


def test_each_prefix_and_language_has_its_own():
    one, _ = _rendered(NewContactFormSet(prefix="first_prefix"))
    other, _ = _rendered(NewContactFormSet(prefix="second_prefix"))
    assert "second_prefix-TOTAL_FORMS" in other
    assert "second_prefix" not in one
    with translation.override("fr"):
        _, rendered = _rendered(NewContactFormSet(prefix="first_prefix"))
    assert ROWS in rendered


@pytest.mark.parametrize("email", ["not an address", "again@@"])
def test_a_submitted_formset_is_rendered_with_its_values_and_errors_each_time(email):
    data = {
        "sent-TOTAL_FORMS": "1",
        "sent-INITIAL_FORMS": "0",
        "sent-0-name": "Ada",
        "sent-0-email": email,
    }
    formset = NewContactFormSet(data, prefix="sent")
    assert not formset.is_valid()
    html, rendered = _rendered(formset)
    assert ROWS in rendered
    assert 'value="Ada"' in html
    assert f'value="{email}"' in html
    assert "is-invalid" in html
