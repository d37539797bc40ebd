"""When each step of the cadence falls due: the rules of DESIGN.md, as pure functions.

A rejection starts a cadence: a thank-you the day after, the circle-back after
the cooling-off (longer if the company said when you may re-apply), then, after
each circle-back is done, a keep-on-your-radar one some months later. A
conversation with an insider moves the next step to that day plus its interval.
"""

import datetime
import math
import zoneinfo

from dateutil.relativedelta import relativedelta

# The thank-you goes out the day after the rejection: soon enough to read as
# grace, late enough not to read as a reflex.
THANK_YOU_DAYS = 1


def due_date_for(counted_from: datetime.date, cooling_off_days: int) -> datetime.date:
    """Calendar days on the user's local date, not 24-hour periods."""
    return counted_from + datetime.timedelta(days=cooling_off_days)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Calendar months; the 31st becomes the month's last day (31 Aug + 6 = 28 Feb)."""
    return day + relativedelta(months=months)


def thank_you_due_date(received_on: datetime.date) -> datetime.date:
    return due_date_for(received_on, THANK_YOU_DAYS)


def circle_back_due_date(
    counted_from: datetime.date,
    cooling_off_days: int,
    *,
    reapply_after_months: int | None = None,
) -> datetime.date:
    """After the cooling-off, and never before the company said you may
    re-apply ("after 6 months"), counted from the same day."""
    due = due_date_for(counted_from, cooling_off_days)
    if reapply_after_months:
        due = max(due, add_months(counted_from, reapply_after_months))
    return due


def keep_on_radar_due_date(done_on: datetime.date, months: int) -> datetime.date:
    return add_months(done_on, months)


def step_due_date(
    counted_from: datetime.date,
    *,
    cooling_off_days: int | None,
    interval_months: int | None,
    reapply_after_months: int | None = None,
) -> datetime.date:
    """A step's due date from its own row: days, or months for keep-on-radar."""
    if interval_months:
        return keep_on_radar_due_date(counted_from, interval_months)
    if cooling_off_days is None:
        raise ValueError("A step has days or months.")
    return circle_back_due_date(
        counted_from, cooling_off_days, reapply_after_months=reapply_after_months
    )


def moved_due_date(
    talked_on: datetime.date,
    current_due_date: datetime.date,
    *,
    cooling_off_days: int | None,
    interval_months: int | None,
) -> datetime.date | None:
    """A conversation on `talked_on` restarts the step's interval from that day.

    Returns the new due date, or None when the conversation would not move it
    later (a talk long before the step falls due changes nothing)."""
    moved = step_due_date(
        talked_on, cooling_off_days=cooling_off_days, interval_months=interval_months
    )
    return moved if moved > current_due_date else None


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


def next_digest_at(
    now: datetime.datetime,
    *,
    send_time: datetime.time,
    zone: zoneinfo.ZoneInfo,
    weekly_on: int | None = None,
) -> datetime.datetime:
    """The next digest time at or after `now`: the send time in the user's
    zone, every day or on one weekday (0 = Monday)."""
    day = now.astimezone(zone).date()
    for offset in range(8):
        candidate_day = day + datetime.timedelta(days=offset)
        if weekly_on is not None and candidate_day.weekday() != weekly_on:
            continue
        at = due_at_for(candidate_day, send_time, zone)
        if at >= now:
            return at
    raise AssertionError("unreachable: a week always holds the weekday")


def last_digest_at(
    now: datetime.datetime,
    *,
    send_time: datetime.time,
    zone: zoneinfo.ZoneInfo,
    weekly_on: int | None = None,
) -> datetime.datetime:
    """The latest digest time at or before `now` (see next_digest_at)."""
    day = now.astimezone(zone).date()
    for offset in range(8):
        candidate_day = day - datetime.timedelta(days=offset)
        if weekly_on is not None and candidate_day.weekday() != weekly_on:
            continue
        at = due_at_for(candidate_day, send_time, zone)
        if at <= now:
            return at
    raise AssertionError("unreachable: a week always holds the weekday")


def spread_dates(count: int, *, start: datetime.date) -> list[datetime.date]:
    """Due dates for `count` overdue circle-backs spread over the coming weeks
    (about five a week, over at most twelve weeks), from `start`."""
    if count <= 0:
        return []
    weeks = min(12, max(1, math.ceil(count / 5)))
    span = weeks * 7
    return [start + datetime.timedelta(days=(i * span) // count) for i in range(count)]
