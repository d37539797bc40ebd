"""`{% main_nav %}`: the navigation bar of every page, rendered once a process.

The bar (templates/_main_nav.html) is the same on every request of a language,
a set of current sections (config.navigation) and a signed-in state, but for
the CSRF token of its sign-out form; rendering its dozen links, conditions and
translations was about a third of what the layout costs a page. The bar is kept
with a marker where the token goes, and each request's token put there.
"""

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

TEMPLATE = "_main_nav.html"
# Where the token goes: letters and digits, which {% csrf_token %} writes as they are.
_MARKER = "CsrfTokenOfTheRequest7f3a9c"
_KEPT: dict[tuple[Any, ...], str] = {}


@register.simple_tag(takes_context=True)
def main_nav(context: template.Context) -> SafeString:
    nav, user, token = context.get("nav"), context.get("user"), context.get("csrf_token")
    signed_in = bool(user is not None and user.is_authenticated)
    if not nav or not token or token == "NOTPROVIDED":  # noqa: S105 (Django's "no token")
        # Not a page of ours (no navigation, or no token): rendered as it is.
        return render_to_string(TEMPLATE, {str(k): v for k, v in context.flatten().items()})
    links = tuple(sorted((name, url) for name, url in nav.items() if name != "current"))
    key = (get_language(), nav["current"], links, signed_in)
    html = _KEPT.get(key)
    if html is None:
        html = _KEPT[key] = render_to_string(
            TEMPLATE, {"nav": nav, "user": user, "csrf_token": _MARKER}
        )
    return mark_safe(html.replace(_MARKER, str(conditional_escape(str(token)))))  # noqa: S308 (a template's output and an escaped token)
