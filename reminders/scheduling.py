"""When a circle-back falls due: the rule of DESIGN.md, as pure functions."""

import datetime
import zoneinfo


def due_date_for(counted_from: datetime.date, cooling_off_days: int) -> datetime.date:
    """Calendar days on the user's local date, not 24-hour periods."""
    return counted_from + datetime.timedelta(days=cooling_off_days)


def due_at_for(
    due_date: datetime.date, send_time: datetime.time, zone: zoneinfo.ZoneInfo
) -> datetime.datetime:
    """The local date at the local send time, as an aware UTC datetime.

    zoneinfo resolves the two edge cases the way we want with fold=0:
    a time in the spring-forward gap takes the offset from before the
    transition, so it lands later by the length of the gap; an ambiguous
    time in the fall-back fold takes its first occurrence.
    """
    local = datetime.datetime.combine(due_date, send_time.replace(tzinfo=None), tzinfo=zone)
    return local.replace(fold=0).astimezone(datetime.UTC)


def snoozed_due_date(current_due_date: datetime.date, weeks: int) -> datetime.date:
    return current_due_date + datetime.timedelta(weeks=weeks)
