"""The dashboard's open applications by stage and the insights' rejection
counts read the user's counters ("o:", "x:" and "xf:" keys, applications.
summary): after any run of the services they are the counts of the rows."""

import datetime

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.statements import sql_of
from applications.models import Application, Outcome, Rejection, Stage, StatsCount
from applications.services import application_move
from review.insights import rejection_counts
from review.selectors import stage_counts
from review.stats import StatsFilters, stats_from_counts, stats_from_keys, stats_from_rows
from tests.factories import ApplicationFactory, RejectedApplicationFactory
from tests.review.test_stats_counts import OPERATIONS, START, _apply_all

pytestmark = pytest.mark.django_db

since_days = st.integers(-5, 310).map(lambda n: START + datetime.timedelta(days=n))


def _stage_counts_of_rows(user):
    totals = dict(
        Application.objects.for_user(user)
        .filter(outcome=Outcome.OPEN)
        .order_by()
        .values_list("current_stage")
        .annotate(n=Count("id"))
    )
    return [(stage, totals.get(stage, 0)) for stage in Stage]


def _rejection_counts_of_rows(user, since, final_since):
    rejections = Rejection.objects.for_user(user)
    return {
        "total": rejections.filter(received_on__gte=since).count(),
        "final": rejections.filter(
            received_on__gte=final_since, stage_reached=Stage.FINAL_ROUND
        ).count(),
    }


def test_after_any_run_of_the_services_the_counters_are_the_counts_of_the_rows(user):
    @hypothesis_settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        ops=st.lists(OPERATIONS, min_size=1, max_size=14),
        days=st.lists(st.tuples(since_days, since_days), min_size=1, max_size=3),
    )
    def run(ops, days):
        with transaction.atomic():
            _apply_all(user, ops)
            assert stage_counts(user) == _stage_counts_of_rows(user)
            for since, final_since in days:
                assert rejection_counts(
                    user, since=since, final_since=final_since
                ) == _rejection_counts_of_rows(user, since, final_since)
            transaction.set_rollback(True)

    run()


def test_a_move_back_moves_the_count_to_the_earlier_column(user):
    application = ApplicationFactory(user=user)
    application_move(application=application, stage=Stage.INTERVIEW)
    application_move(application=application, stage=Stage.SCREEN)
    counts = dict(stage_counts(user))
    assert (counts[Stage.SCREEN], counts[Stage.INTERVIEW]) == (1, 0)


def test_the_counts_read_the_counters_not_the_applications_or_rejections(user):
    ApplicationFactory(user=user)
    RejectedApplicationFactory(user=user)
    with CaptureQueriesContext(connection) as queries:
        stage_counts(user)
        rejection_counts(user, since=START, final_since=START)
    assert len(queries) == 2
    for sql in (sql_of(query["sql"]) for query in queries.captured_queries):
        assert "applications_statscount" in sql
        assert "applications_application" not in sql
        assert "applications_rejection" not in sql


def test_the_stats_page_leaves_the_other_pages_counters_out(user):
    RejectedApplicationFactory(
        user=user, current_stage=Stage.FINAL_ROUND, rejection__stage_reached=Stage.FINAL_ROUND
    )
    ApplicationFactory(user=user)
    keys = set(StatsCount.objects.filter(user=user).values_list("key", flat=True))
    assert {"o:20", "x:2026-02-01", "xf:2026-02-01"} <= keys
    assert stats_from_counts(user) == stats_from_rows(user, StatsFilters())
    assert stats_from_keys(user, StatsFilters(company="e")) == stats_from_rows(
        user, StatsFilters(company="e")
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT")
def test_a_filtered_page_counts_its_keys_without_jit_and_without_the_other_pages_keys(user):
    RejectedApplicationFactory(user=user, rejection__stage_reached=Stage.FINAL_ROUND)
    with CaptureQueriesContext(connection) as queries:
        stats_from_keys(user, StatsFilters(company="o"))
    (query,) = queries.captured_queries
    # Compiling a large match's plan took 75-86 ms of CPU at 200,000 applications.
    assert query["sql"].startswith("SET LOCAL jit = off; SELECT")
    with connection.cursor() as cursor:
        cursor.execute(query["sql"])
        keys = {key for key, _n in cursor.fetchall()}
    assert "r:60:email" in keys
    assert not any(key.startswith(("o:", "x")) for key in keys)
