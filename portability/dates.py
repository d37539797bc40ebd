"""Dates as spreadsheets write them: ISO, US month-first, European day-first,
LinkedIn's `8/15/26, 3:04 PM`, and month names."""

import datetime
import re

from django.utils.translation import gettext as _

EMPTY = frozenset({"", "-", "n/a", "na", "none", "null", "—"})
MIN_YEAR = 1970

_ISO = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_NUMERIC = re.compile(
    r"^(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})"
    r"(?:,?\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::\d{2})?\s*(?P<ampm>[AaPp][Mm])?)?$"
)


class DateError(ValueError):
    pass


def is_empty(text: str) -> bool:
    return text.strip().lower() in EMPTY


def order_evidence(text: str) -> str:
    """ "mdy" or "dmy" when the value settles the order, "" when it does not,
    "either" when it is ambiguous (both parts 12 or under and different)."""
    match = _NUMERIC.match(text.strip())
    if not match:
        return ""
    a, b = int(match["a"]), int(match["b"])
    if a > 12 >= b:
        return "dmy"
    if b > 12 >= a:
        return "mdy"
    if a != b and a <= 12 and b <= 12:
        return "either"
    return ""


def _time(match: re.Match) -> datetime.time | None:
    if not match["H"]:
        return None
    hour, minute = int(match["H"]), int(match["M"])
    ampm = (match.groupdict().get("ampm") or "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            raise DateError(_("“%(v)s” is not a time of day.") % {"v": match.group(0)})
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        raise DateError(_("“%(v)s” is not a time of day.") % {"v": match.group(0)})
    return datetime.time(hour, minute)


def parse_date(
    text: str, *, order: str, max_year: int
) -> tuple[datetime.date, datetime.time | None] | None:
    """The date (and time, if any) a cell gives; None for an empty cell.

    `order` is "mdy" or "dmy" for numeric dates whose day and month could swap.
    """
    text = text.strip()
    if is_empty(text):
        return None
    time = None
    if match := _ISO.match(text):
        y, m, d = int(match["y"]), int(match["m"]), int(match["d"])
        time = _time(match)
    elif match := _NUMERIC.match(text):
        a, b, y = int(match["a"]), int(match["b"]), int(match["y"])
        if len(match["y"]) == 2:
            y += 2000
        if a > 12:
            m, d = b, a
        elif b > 12:
            m, d = a, b
        elif order == "dmy":
            m, d = b, a
        elif order == "mdy":
            m, d = a, b
        else:
            raise DateError(
                _("“%(v)s” could be day/month or month/day: choose the date order.") % {"v": text}
            )
        time = _time(match)
    elif re.search(r"[A-Za-z]{3}", text) and len(text) <= 40:
        from dateutil import parser

        try:
            parsed = parser.parse(
                text, dayfirst=order == "dmy", default=datetime.datetime(2000, 1, 1)
            )
        except (ValueError, OverflowError) as error:
            raise DateError(_("“%(v)s” is not a date.") % {"v": text[:40]}) from error
        y, m, d = parsed.year, parsed.month, parsed.day
        if parsed.hour or parsed.minute:
            time = parsed.time().replace(second=0, microsecond=0, tzinfo=None)
    else:
        raise DateError(_("“%(v)s” is not a date.") % {"v": text[:40]})
    if not MIN_YEAR <= y <= max_year:
        raise DateError(
            _("The year %(y)s is out of range (%(lo)s to %(hi)s).")
            % {"y": y, "lo": MIN_YEAR, "hi": max_year}
        )
    try:
        return datetime.date(y, m, d), time
    except ValueError as error:
        raise DateError(_("“%(v)s” is not a date.") % {"v": text[:40]}) from error
