"""What `{% blocktranslate %}` and `{% csrf_token %}` write, for the tags that
write a long page's rows in one pass (the Reminders cards, the dashboard's
lists) instead of a template loop."""

from html import escape
from typing import Any

from django.template.context import Context
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe


def html_text(value: Any) -> str:
    """What `conditional_escape(value)` writes: a value with `__html__` (safe
    text) as it gives itself, any other escaped. Without conditional_escape's
    wrapper for lazy text, which looked through every argument of each of the
    600 calls of a Reminders page."""
    if isinstance(value, Promise):
        value = str(value)  # lazy text as the text it gives, safe or not
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


def fill(template: str, **values: Any) -> SafeString:
    """`template % values` with the values escaped, as `{% blocktranslate %}` does."""
    return mark_safe(template % {k: html_text(v) for k, v in values.items()})  # noqa: S308


def csrf_field(context: Context) -> str:
    """What `{% csrf_token %}` writes."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":  # noqa: S105 (Django's marker, not a secret)
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'
