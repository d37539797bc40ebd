"""Words from real dates: "on 27 July, 4 months ago"."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import timezone

from accounts.dates import since_words

D = datetime.date
TODAY = D(2026, 11, 27)


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (TODAY, "today"),
        (D(2026, 11, 26), "on 26 November, yesterday"),
        (D(2026, 10, 28), "on 28 October, 30 days ago"),
        (D(2026, 7, 27), "on 27 July, 4 months ago"),
        (D(2025, 10, 27), "on 27 October 2025, 13 months ago"),
        (D(2023, 11, 1), "on 1 November 2023, 3 years ago"),
        (D(2026, 12, 2), "on 2 December, in 5 days"),
    ],
)
def test_the_words_say_the_day_and_how_long_ago_from_the_real_dates(day, words):
    assert since_words(day, TODAY) == words


def test_a_month_is_a_calendar_month_not_thirty_days():
    # 28 July to 27 November is 3 months and 30 days: still "3 months".
    assert since_words(D(2026, 7, 28), D(2026, 11, 27)) == "on 28 July, 3 months ago"
    assert since_words(D(2026, 7, 27), D(2026, 11, 27)) == "on 27 July, 4 months ago"


def test_the_filter_counts_from_today_in_the_active_zone():
    template = Template("{% load ajar_dates %}{{ day|since_words }}|{{ day|since_words:today }}")
    with timezone.override("Pacific/Kiritimati"):
        today = timezone.localdate()
        rendered = template.render(
            Context({"day": today - datetime.timedelta(days=1), "today": today})
        )
    words = since_words(today - datetime.timedelta(days=1), today)
    assert rendered == f"{words}|{words}"


def test_the_filter_leaves_a_missing_date_blank():
    assert Template("{% load ajar_dates %}[{{ day|since_words }}]").render(Context({})) == "[]"
