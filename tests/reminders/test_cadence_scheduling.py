"""When each step of the cadence falls due (reminders.scheduling)."""

import datetime
import zoneinfo

import pytest

from reminders.scheduling import (
    add_months,
    circle_back_due_date,
    keep_on_radar_due_date,
    moved_due_date,
    next_digest_at,
    step_due_date,
    thank_you_due_date,
)

D = datetime.date
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def test_the_thank_you_falls_due_the_day_after_the_rejection():
    assert thank_you_due_date(D(2026, 2, 28)) == D(2026, 3, 1)


def test_the_circle_back_waits_for_the_cooling_off():
    assert circle_back_due_date(D(2026, 2, 1), 30) == D(2026, 3, 3)


def test_may_reapply_after_n_months_holds_the_circle_back_back():
    assert circle_back_due_date(D(2026, 2, 1), 30, reapply_after_months=6) == D(2026, 8, 1)


def test_a_reapply_window_shorter_than_the_cooling_off_changes_nothing():
    assert circle_back_due_date(D(2026, 2, 1), 90, reapply_after_months=1) == D(2026, 5, 2)


@pytest.mark.parametrize(
    ("done_on", "months", "expected"),
    [
        (D(2026, 3, 10), 3, D(2026, 6, 10)),
        (D(2026, 3, 10), 6, D(2026, 9, 10)),
        (D(2026, 3, 10), 12, D(2027, 3, 10)),
        # Calendar months: the 31st becomes the month's last day.
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
        (D(2027, 8, 31), 6, D(2028, 2, 29)),
    ],
)
def test_keep_on_radar_counts_calendar_months(done_on, months, expected):
    assert keep_on_radar_due_date(done_on, months) == expected
    assert add_months(done_on, months) == expected


def test_a_step_reads_days_or_months_from_its_row():
    assert step_due_date(D(2026, 1, 1), cooling_off_days=1, interval_months=None) == D(2026, 1, 2)
    assert step_due_date(D(2026, 1, 1), cooling_off_days=None, interval_months=3) == D(2026, 4, 1)
    with pytest.raises(ValueError, match="days or months"):
        step_due_date(D(2026, 1, 1), cooling_off_days=None, interval_months=None)


def test_a_conversation_restarts_the_interval_from_that_day():
    # Circle-back due 3 March (30 days after 1 February); they talked on 20 February.
    moved = moved_due_date(D(2026, 2, 20), D(2026, 3, 3), cooling_off_days=30, interval_months=None)
    assert moved == D(2026, 3, 22)
    radar = moved_due_date(D(2026, 5, 5), D(2026, 9, 10), cooling_off_days=None, interval_months=6)
    assert radar == D(2026, 11, 5)


def test_a_conversation_that_would_not_move_the_step_later_returns_none():
    assert (
        moved_due_date(D(2026, 1, 1), D(2026, 3, 3), cooling_off_days=30, interval_months=None)
        is None
    )


def test_the_daily_digest_goes_at_the_send_time_in_the_users_zone():
    # 07:30 UTC is 08:30 in Paris: today's 09:00 is still ahead.
    now = datetime.datetime(2026, 1, 14, 7, 30, tzinfo=datetime.UTC)
    at = next_digest_at(now, send_time=datetime.time(9), zone=PARIS)
    assert at == datetime.datetime(2026, 1, 14, 8, tzinfo=datetime.UTC)
    later = next_digest_at(
        at + datetime.timedelta(seconds=1), send_time=datetime.time(9), zone=PARIS
    )
    assert later == datetime.datetime(2026, 1, 15, 8, tzinfo=datetime.UTC)


def test_the_weekly_digest_waits_for_its_weekday_across_a_dst_change():
    # Wednesday 25 March 2026; Paris moves to summer time on Sunday 29 March.
    now = datetime.datetime(2026, 3, 25, 12, tzinfo=datetime.UTC)
    at = next_digest_at(now, send_time=datetime.time(9), zone=PARIS, weekly_on=0)
    assert at == datetime.datetime(2026, 3, 30, 7, tzinfo=datetime.UTC)  # Monday 09:00 CEST
