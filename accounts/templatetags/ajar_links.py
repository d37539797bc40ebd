"""{% pk_url "review:application" application.pk %}: `{% url %}` for a row's
page, reversed once per page rather than once per row (accounts.links)."""

from django import template

from accounts.links import pk_url as _pk_url

register = template.Library()


@register.simple_tag
def pk_url(name: str, pk: int) -> str:
    return _pk_url(name, pk)
