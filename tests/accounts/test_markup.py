"""accounts.markup.html_text writes what Django's conditional_escape writes."""

import pytest
from django.utils.functional import lazy, lazystr
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from accounts.markup import fill, html_text


class Marked:
    def __html__(self) -> str:
        return "<i>kept</i>"


VALUES = [
    "<b>R&D</b> \"quoted\" 'single'",
    "",
    mark_safe("<em>safe</em>"),
    format_html("<a href='{}'>x</a>", "?a=1&b=2"),
    lazystr("<lazy & plain>"),
    gettext_lazy("Snooze"),
    mark_safe(lazystr("<lazy safe>")),  # noqa: S308 (a test value)
    lazy(lambda: mark_safe("<b>lazy, then safe</b>"), str)(),
    Marked(),
    12_345,
    1.5,
    None,
]


@pytest.mark.parametrize("value", VALUES, ids=lambda value: type(value).__name__)
def test_html_text_is_what_conditional_escape_writes(value):
    assert html_text(value) == str(conditional_escape(value))


def test_fill_escapes_the_values_and_keeps_safe_ones():
    written = fill("%(name)s at %(company)s", name="<Ada>", company=mark_safe("<b>Acme</b>"))
    assert written == "&lt;Ada&gt; at <b>Acme</b>"
    assert hasattr(written, "__html__")
