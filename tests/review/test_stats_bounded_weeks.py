"""The weeks table is bounded by what it shows, whatever dates the rows hold
(rows saved before dates were validated may say 9000 or 9999)."""

import datetime

import pytest
from django.urls import reverse

from review.stats import MAX_WEEKS, StatsFilters, stats_for
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def test_an_application_dated_9999_12_31_leaves_the_stats_page_working(user_client, user):
    ApplicationFactory(user=user, applied_on=datetime.date(9999, 12, 31))
    response = user_client.get(reverse("review:stats"))
    assert response.status_code == 200


def test_applications_millennia_apart_draw_at_most_max_weeks(user):
    ApplicationFactory(user=user, applied_on=datetime.date(2026, 3, 2))
    ApplicationFactory(user=user, applied_on=datetime.date(9000, 1, 1))
    weeks = stats_for(user, StatsFilters()).weeks
    assert 0 < len(weeks) <= MAX_WEEKS
    assert weeks[-1].count == 1


def test_a_filter_at_the_ends_of_the_calendar_is_bounded_too(user):
    ApplicationFactory(user=user, applied_on=datetime.date(2026, 3, 2))
    filters = StatsFilters(
        applied_from=datetime.date(1, 1, 1), applied_to=datetime.date(9999, 12, 31)
    )
    assert len(stats_for(user, filters).weeks) <= MAX_WEEKS
