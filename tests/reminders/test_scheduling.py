"""The due-time rule of DESIGN.md, across daylight-saving changes."""

import datetime
import zoneinfo

import pytest

from reminders.scheduling import due_at_for, due_date_for

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
LONDON = zoneinfo.ZoneInfo("Europe/London")


def utc(*args):
    return datetime.datetime(*args, tzinfo=datetime.UTC)


def test_the_due_date_counts_calendar_days():
    assert due_date_for(datetime.date(2026, 1, 31), 30) == datetime.date(2026, 3, 2)


@pytest.mark.parametrize(
    ("zone", "day", "send_time", "expected"),
    [
        # An ordinary day: 09:00 EST is 14:00 UTC, 09:00 EDT is 13:00 UTC.
        (NEW_YORK, datetime.date(2026, 2, 10), datetime.time(9), utc(2026, 2, 10, 14)),
        (NEW_YORK, datetime.date(2026, 3, 9), datetime.time(9), utc(2026, 3, 9, 13)),
        # Spring forward (2026-03-08, 02:00 -> 03:00): 02:30 does not exist; it
        # moves forward by the gap to 03:30 EDT.
        (NEW_YORK, datetime.date(2026, 3, 8), datetime.time(2, 30), utc(2026, 3, 8, 7, 30)),
        # Fall back (2026-11-01, 02:00 -> 01:00): 01:30 happens twice; the first
        # occurrence is 01:30 EDT.
        (NEW_YORK, datetime.date(2026, 11, 1), datetime.time(1, 30), utc(2026, 11, 1, 5, 30)),
        # London springs forward on 2026-03-29 (01:00 -> 02:00): 01:30 -> 02:30 BST.
        (LONDON, datetime.date(2026, 3, 29), datetime.time(1, 30), utc(2026, 3, 29, 1, 30)),
        # London falls back on 2026-10-25 (02:00 -> 01:00): first 01:30 is BST.
        (LONDON, datetime.date(2026, 10, 25), datetime.time(1, 30), utc(2026, 10, 25, 0, 30)),
        (LONDON, datetime.date(2026, 7, 1), datetime.time(9), utc(2026, 7, 1, 8)),
        (LONDON, datetime.date(2026, 12, 1), datetime.time(9), utc(2026, 12, 1, 9)),
    ],
)
def test_due_at_is_the_local_send_time_in_utc(zone, day, send_time, expected):
    assert due_at_for(day, send_time, zone) == expected


def test_a_gap_time_lands_exactly_one_gap_later_in_local_time():
    due = due_at_for(datetime.date(2026, 3, 8), datetime.time(2, 15), NEW_YORK)
    local = due.astimezone(NEW_YORK)
    assert (local.hour, local.minute) == (3, 15)


def test_a_fold_time_takes_the_first_occurrence():
    first = due_at_for(datetime.date(2026, 11, 1), datetime.time(1, 0), NEW_YORK)
    second = datetime.datetime(2026, 11, 1, 1, 0, fold=1, tzinfo=NEW_YORK).astimezone(datetime.UTC)
    assert first < second
    assert second - first == datetime.timedelta(hours=1)


def test_thirty_days_across_spring_forward_keep_the_local_send_time():
    # Received in winter, due after the clocks changed: still 09:00 on the wall.
    due_date = due_date_for(datetime.date(2026, 2, 20), 30)
    due = due_at_for(due_date, datetime.time(9), NEW_YORK)
    assert due_date == datetime.date(2026, 3, 22)
    assert due.astimezone(NEW_YORK).time() == datetime.time(9)
    assert due == utc(2026, 3, 22, 13)
