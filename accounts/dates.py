"""How long ago something happened, in words, from the actual dates.

"on 27 July, 4 months ago": the day itself, so the reader can check it, and the
distance from today, counted in calendar days and months (dateutil), never from
a setting such as the cooling-off period.
"""

import datetime

from dateutil.relativedelta import relativedelta
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Up to this many days, say days ("30 days ago"); beyond, months, then years.
DAYS_UP_TO = 59


def _distance(day: datetime.date, today: datetime.date) -> str:
    days = (today - day).days
    if days == 0:
        return _("today")
    if days == 1:
        return _("yesterday")
    if days == -1:
        return _("tomorrow")
    if abs(days) <= DAYS_UP_TO:
        n = abs(days)
        if days > 0:
            return ngettext("%(n)s day ago", "%(n)s days ago", n) % {"n": n}
        return ngettext("in %(n)s day", "in %(n)s days", n) % {"n": n}
    span = relativedelta(today, day) if days > 0 else relativedelta(day, today)
    months = span.years * 12 + span.months
    if months < 24:
        if days > 0:
            return ngettext("%(n)s month ago", "%(n)s months ago", months) % {"n": months}
        return ngettext("in %(n)s month", "in %(n)s months", months) % {"n": months}
    years = span.years
    if days > 0:
        return ngettext("%(n)s year ago", "%(n)s years ago", years) % {"n": years}
    return ngettext("in %(n)s year", "in %(n)s years", years) % {"n": years}


def day_label(day: datetime.date, today: datetime.date) -> str:
    """27 July this year; 27 July 2025 in another."""
    return formats.date_format(day, "j F" if day.year == today.year else "j F Y")


def since_words(day: datetime.date, today: datetime.date) -> str:
    """ "on 27 July, 4 months ago", "on 26 November, 5 days ago", "today"."""
    if day == today:
        return _("today")
    return _("on %(day)s, %(distance)s") % {
        "day": day_label(day, today),
        "distance": _distance(day, today),
    }
