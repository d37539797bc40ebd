"""Counts that stop at a cap, and the pages of a list past it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.pagination import BoundedCount, CappedPaginator, capped_counts
from applications.models import Company

pytestmark = pytest.mark.django_db


@pytest.fixture
def companies(user):
    Company.objects.bulk_create(Company(user=user, name=f"Company {i:02}") for i in range(12))
    return Company.objects.filter(user=user).order_by("name")


def names(page):
    return [company.name for company in page.object_list]


def test_under_the_cap_it_pages_like_djangos_paginator(companies):
    paginator = CappedPaginator(companies, 5, count_cap=100)
    assert (paginator.count, paginator.capped, paginator.count_label) == (12, False, "12")
    assert paginator.num_pages == 3
    last = paginator.get_page(3)
    assert names(last) == ["Company 10", "Company 11"]
    assert (last.has_next(), last.has_previous(), last.end_index()) == (False, True, 12)
    assert paginator.get_page(9).number == 3
    assert paginator.get_page("x").number == 1


def test_past_the_cap_the_count_stops_and_the_pages_still_go_on(companies):
    paginator = CappedPaginator(companies, 2, count_cap=5)
    with CaptureQueriesContext(connection) as queries:
        assert (paginator.count, paginator.capped, paginator.count_label) == (6, True, "5+")
    # One query, reading at most cap + 1 rows.
    assert len(queries) == 1
    assert "LIMIT 6" in queries[0]["sql"]
    first = paginator.get_page(1)
    assert names(first) == ["Company 00", "Company 01"]
    assert first.has_next()
    assert not first.has_previous()
    # Past the 6 rows counted: pages 4, 5 and 6 are there, and 6 is the last.
    fifth = paginator.get_page(5)
    assert names(fifth) == ["Company 08", "Company 09"]
    assert fifth.has_next()
    last = paginator.get_page(6)
    assert names(last) == ["Company 10", "Company 11"]
    assert (last.has_next(), last.has_previous(), last.start_index(), last.end_index()) == (
        False,
        True,
        11,
        12,
    )
    # A page number past the end (typed by hand) gives the last page.
    assert paginator.get_page(40).number == 6
    assert paginator.get_page(10**30).number == 6
    assert paginator.get_page("x").number == 1


def test_an_empty_list_has_one_empty_page(user):
    paginator = CappedPaginator(Company.objects.filter(user=user).order_by("pk"), 5, count_cap=3)
    page = paginator.get_page(2)
    assert (page.number, list(page.object_list), page.has_next()) == (1, [], False)
    assert paginator.count_label == "0"


def test_several_counts_are_one_query(companies, user):
    with CaptureQueriesContext(connection) as queries:
        counts = capped_counts(
            {
                "all": companies,
                "tens": companies.filter(name__startswith="Company 1"),
                "none": companies.filter(name="nobody"),
            },
            cap=5,
        )
    assert counts == {"all": 6, "tens": 2, "none": 0}
    assert len(queries) == 1


def test_a_bounded_count_reads_with_a_plus_past_its_cap():
    assert str(BoundedCount(10_001, 10_000)) == "10,000+"
    assert str(BoundedCount(10_000, 10_000)) == "10,000"
    assert str(BoundedCount(7, 10_000)) == "7"
