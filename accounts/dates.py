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


# Past and future wording per unit, literal so makemessages finds them.
_WORDS = {
    ("day", True): lambda n: ngettext("%(n)s day ago", "%(n)s days ago", n),
    ("day", False): lambda n: ngettext("in %(n)s day", "in %(n)s days", n),
    ("month", True): lambda n: ngettext("%(n)s month ago", "%(n)s months ago", n),
    ("month", False): lambda n: ngettext("in %(n)s month", "in %(n)s months", n),
    ("year", True): lambda n: ngettext("%(n)s year ago", "%(n)s years ago", n),
    ("year", False): lambda n: ngettext("in %(n)s year", "in %(n)s years", n),
}
# Below this many months, say months ("13 months ago"); from it, years.
MONTHS_UP_TO = 23


def _amount(day: datetime.date, today: datetime.date) -> tuple[str, int]:
    days = abs((today - day).days)
    if days <= DAYS_UP_TO:
        return "day", days
    early, late = sorted((day, today))
    span = relativedelta(late, early)
    months = span.years * 12 + span.months
    if months <= MONTHS_UP_TO:
        return "month", months
    return "year", span.years


def _distance(day: datetime.date, today: datetime.date) -> str:
    days = (today - day).days
    near = {0: _("today"), 1: _("yesterday"), -1: _("tomorrow")}
    if days in near:
        return near[days]
    unit, n = _amount(day, today)
    return _WORDS[unit, days > 0](n) % {"n": n}


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
