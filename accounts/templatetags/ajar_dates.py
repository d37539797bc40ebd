"""{{ day|since_words }}: "on 27 July, 4 months ago" (accounts.dates)."""

import datetime

from django import template
from django.utils import timezone

from accounts.dates import since_words as _since_words

register = template.Library()


@register.filter
def since_words(day: datetime.date | None, today: datetime.date | None = None) -> str:
    """Relative to `today`, or to today in the active time zone (the user's
    on pages, theirs when an email is rendered)."""
    if not day:
        return ""
    if isinstance(day, datetime.datetime):
        day = timezone.localdate(day)
    return _since_words(day, today or timezone.localdate())
