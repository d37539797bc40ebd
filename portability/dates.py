"""Dates as spreadsheets write them: ISO, US month-first, European day-first,
LinkedIn's `8/15/26, 3:04 PM`, and month names."""

import datetime
import re

from dateutil import parser
from django.utils.translation import gettext as _

EMPTY = frozenset({"", "-", "n/a", "na", "none", "null", "—"})
MIN_YEAR = 1970
MAX_MONTH = 12
HALF_DAY = 12  # hours on a 12-hour clock
TWO_DIGIT_YEAR = 2
MAX_NAMED_LENGTH = 40  # "Monday, 5 January 2026 at 10:00" and the like

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
    if a > MAX_MONTH >= b:
        return "dmy"
    if b > MAX_MONTH >= a:
        return "mdy"
    if a != b and a <= MAX_MONTH and b <= MAX_MONTH:
        return "either"
    return ""


def _time(match: re.Match) -> datetime.time | None:
    if not match["H"]:
        return None
    hour, minute = int(match["H"]), int(match["M"])
    ampm = (match.groupdict().get("ampm") or "").lower()
    if ampm:
        if not 1 <= hour <= HALF_DAY:
            raise DateError(_("“%(v)s” is not a time of day.") % {"v": match.group(0)})
        hour = hour % HALF_DAY + (HALF_DAY if ampm == "pm" else 0)
    try:
        return datetime.time(hour, minute)
    except ValueError as error:
        raise DateError(_("“%(v)s” is not a time of day.") % {"v": match.group(0)}) from error


def _numeric(match: re.Match, text: str, order: str) -> tuple[int, int, int]:
    a, b, y = int(match["a"]), int(match["b"]), int(match["y"])
    if len(match["y"]) == TWO_DIGIT_YEAR:
        y += 2000
    if a > MAX_MONTH:
        return y, b, a
    if b > MAX_MONTH:
        return y, a, b
    if order == "dmy":
        return y, b, a
    if order == "mdy":
        return y, a, b
    raise DateError(
        _("“%(v)s” could be day/month or month/day: choose the date order.") % {"v": text}
    )


def _named(text: str, order: str) -> tuple[int, int, int, datetime.time | None]:
    try:
        parsed = parser.parse(
            text,
            dayfirst=order == "dmy",
            default=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC),
        )
    except (ValueError, OverflowError) as error:
        raise DateError(_("“%(v)s” is not a date.") % {"v": text[:40]}) from error
    time = None
    if parsed.hour or parsed.minute:
        time = datetime.time(parsed.hour, parsed.minute)
    return parsed.year, parsed.month, parsed.day, time


def parse_date(
    text: str, *, order: str, max_year: int
) -> tuple[datetime.date, datetime.time | None] | None:
    """The date (and time, if any) a cell gives; None for an empty cell.

    `order` is "mdy" or "dmy" for numeric dates whose day and month could swap.
    """
    text = text.strip()
    if is_empty(text):
        return None
    if match := _ISO.match(text):
        y, m, d = int(match["y"]), int(match["m"]), int(match["d"])
        time = _time(match)
    elif match := _NUMERIC.match(text):
        y, m, d = _numeric(match, text, order)
        time = _time(match)
    elif re.search(r"[A-Za-z]{3}", text) and len(text) <= MAX_NAMED_LENGTH:
        y, m, d, time = _named(text, order)
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
