"""The unfiltered stats page reads the user's counters (StatsCount): after any
run of the services that write what the stats count, they give exactly the
figures computed from the rows."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from applications.models import Application, Channel, Company, Outcome, Source, Stage, StatsCount
from applications.services import (
    application_create,
    application_move,
    application_stats_refresh,
    application_update,
    stage_event_delete,
    stage_event_update,
)
from applications.summary import histogram_median
from reminders.services import (
    application_delete,
    application_outcome_record,
    application_reopen,
    company_delete,
    rejection_log,
    rejection_update,
    reminder_settings_update,
)
from review.stats import (
    StatsFilters,
    stats_for,
    stats_from_counts,
    stats_from_keys,
    stats_from_rows,
)
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 1, 1)
days = st.integers(0, 300).map(lambda n: START + datetime.timedelta(days=n))
stages = st.sampled_from(list(Stage))
pick = st.integers(0, 10_000)  # which of the rows there are, modulo their number

OPERATIONS = st.one_of(
    st.tuples(
        st.just("create"),
        stages,
        days,
        st.sampled_from(["", *Source.values]),
        st.one_of(st.none(), days),
        st.booleans(),
    ),
    st.tuples(st.just("move"), pick, stages, days),
    st.tuples(st.just("correct"), pick, stages, days),
    st.tuples(st.just("uncorrect"), pick),
    st.tuples(
        st.just("reject"), pick, stages, days, st.sampled_from(Channel.values), st.booleans()
    ),
    st.tuples(st.just("reject_new"), stages, days),
    st.tuples(st.just("redate"), pick, days, st.sampled_from(Channel.values)),
    st.tuples(st.just("reopen"), pick),
    st.tuples(
        st.just("outcome"),
        pick,
        st.sampled_from([Outcome.OFFER_ACCEPTED, Outcome.OFFER_DECLINED, Outcome.WITHDRAWN]),
        days,
    ),
    st.tuples(st.just("edit"), pick, st.one_of(st.none(), days), st.sampled_from(Source.values)),
    st.tuples(st.just("delete"), pick),
    st.tuples(st.just("delete_company"), pick),
    st.tuples(st.just("zone"), st.sampled_from(["UTC", "Pacific/Kiritimati", "America/Adak"])),
)


def _nth(queryset, i):
    rows = list(queryset.order_by("pk"))
    return rows[i % len(rows)] if rows else None


def _create(user, companies, stage, on, source, applied_on, history):
    application_create(
        user=user,
        company=companies[on.day % len(companies)],
        role="Engineer",
        stage=stage,
        occurred_on=on,
        source=source,
        applied_on=applied_on,
        record_history=history,
    )


def _reject_new(user, companies, stage, on):
    rejection_log(user=user, stage_reached=stage, company_name="Newco", role="Dev", received_on=on)


def _zone(user, companies, zone):
    reminder_settings_update(
        user=user,
        cooling_off_days=30,
        send_time=datetime.time(9),
        email_enabled=True,
        time_zone=zone,
    )


def _delete_company(user, companies, i):
    company = _nth(Company.objects.for_user(user), i)
    if company is not None:
        company_delete(company=company)
        companies[:] = [c for c in companies if c.pk != company.pk] or [
            Company.objects.create(user=user, name=f"Co {i}")
        ]


def _correct(app, i, stage, on):
    event = _nth(app.events.all(), i // 7)
    if event is not None:
        stage_event_update(event=event, stage=stage, occurred_on=on)


def _uncorrect(app, i):
    event = _nth(app.events.all(), i // 7)
    if event is not None:
        stage_event_delete(event=event)


def _reject(app, _i, stage, on, channel, ghosted):
    rejection_log(
        user=app.user,
        application=app,
        stage_reached=stage,
        received_on=on,
        channel=channel,
        ghosted=ghosted,
    )


def _redate(app, _i, on, channel):
    if hasattr(app, "rejection"):
        rejection_update(rejection=app.rejection, received_on=on, channel=channel)


def _edit(app, _i, applied_on, source):
    application_update(
        application=app,
        company=app.company,
        role=app.role,
        job_url="",
        job_description="",
        source=source,
        location="",
        salary_min=None,
        salary_max=None,
        salary_currency="",
        applied_on=applied_on,
        notes="",
    )


ACCOUNT_OPERATIONS = {
    "create": _create,
    "reject_new": _reject_new,
    "zone": _zone,
    "delete_company": _delete_company,
}
APPLICATION_OPERATIONS = {
    "move": lambda app, _i, stage, on: application_move(
        application=app, stage=stage, occurred_on=on
    ),
    "correct": _correct,
    "uncorrect": _uncorrect,
    "reject": _reject,
    "redate": _redate,
    "reopen": lambda app, _i: application_reopen(application=app),
    "outcome": lambda app, _i, outcome, on: application_outcome_record(
        application=app, outcome=outcome, on=on
    ),
    "edit": _edit,
    "delete": lambda app, _i: application_delete(application=app),
}


def _apply(user, companies, op) -> None:
    kind, *args = op
    if kind in ACCOUNT_OPERATIONS:
        ACCOUNT_OPERATIONS[kind](user, companies, *args)
        return
    app = _nth(Application.objects.for_user(user), args[0])
    if app is not None:
        APPLICATION_OPERATIONS[kind](app, *args)


def _apply_all(user, ops) -> None:
    """Run `ops` through the services on two fresh companies; a refused one
    writes nothing. The caller rolls the whole run back."""
    companies = [Company.objects.create(user=user, name=f"Co {i}") for i in range(2)]
    for op in ops:
        note(repr(op))
        try:
            with transaction.atomic():
                _apply(user, companies, op)
        except ValidationError:
            pass  # refused: nothing written
    user.refresh_from_db()


def test_after_any_run_of_the_services_the_counters_give_the_figures_of_the_rows(user):
    @hypothesis_settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(ops=st.lists(OPERATIONS, min_size=1, max_size=14))
    def run(ops):
        with transaction.atomic():
            _apply_all(user, ops)
            assert stats_from_counts(user) == stats_from_rows(user, StatsFilters())
            assert not StatsCount.objects.filter(user=user, n__lt=0).exists()
            transaction.set_rollback(True)

    run()


FILTERS = st.builds(
    StatsFilters,
    applied_from=st.one_of(st.none(), days),
    applied_to=st.one_of(st.none(), days),
    source=st.sampled_from(["", *Source.values]),
    company=st.sampled_from(["", "co 1", "CO", "newco", "nothing"]),
)


def test_after_any_run_of_the_services_a_filtered_page_counted_in_sql_is_the_rows_figures(user):
    """The filtered page counts the matching applications' keys in SQL; on
    random data and random filters its figures are the direct computation's."""

    @hypothesis_settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        ops=st.lists(OPERATIONS, min_size=1, max_size=14),
        filters=st.lists(FILTERS, min_size=1, max_size=4),
    )
    def run(ops, filters):
        with transaction.atomic():
            _apply_all(user, ops)
            for f in filters:
                note(repr(f))
                assert stats_from_keys(user, f) == stats_from_rows(user, f)
            transaction.set_rollback(True)

    run()


def test_the_unfiltered_page_reads_the_counters_and_a_filtered_one_counts_keys_in_one_query(
    user, django_assert_num_queries
):
    ApplicationFactory(user=user, source=Source.REFERRAL)
    with django_assert_num_queries(1):
        unfiltered = stats_for(user)
    assert unfiltered.total == 1
    with django_assert_num_queries(1):
        assert stats_for(user, StatsFilters(source=Source.REFERRAL)).total == 1
    assert stats_for(user, StatsFilters(source=Source.RECRUITER)).total == 0


def test_counters_belong_to_their_user(user, other_user):
    ApplicationFactory(user=other_user)
    assert stats_from_counts(user).total == 0
    assert stats_from_counts(other_user).total == 1


def test_a_refresh_that_changes_nothing_writes_nothing(user, django_assert_num_queries):
    app = ApplicationFactory(user=user)
    with django_assert_num_queries(1):  # the read of the row and its history
        application_stats_refresh(application_ids=[app.pk])


def test_a_time_zone_change_moves_an_undated_application_to_its_local_day(user):
    """Created at 23:30 UTC on 4 January: the 5th in Kiritimati (UTC+14)."""
    created = datetime.datetime(2026, 1, 4, 23, 30, tzinfo=datetime.UTC)
    app = application_create(
        user=user,
        company=Company.objects.create(user=user, name="Acme"),
        role="Dev",
        record_history=False,
    )
    Application.objects.filter(pk=app.pk).update(created_at=created)
    application_stats_refresh(application_ids=[app.pk])
    assert [w.start for w in stats_from_counts(user).weeks if w.count] == [
        datetime.date(2025, 12, 29)
    ]
    reminder_settings_update(
        user=user,
        cooling_off_days=30,
        send_time=datetime.time(9),
        email_enabled=True,
        time_zone="Pacific/Kiritimati",
    )
    user.refresh_from_db()
    assert user.zone == zoneinfo.ZoneInfo("Pacific/Kiritimati")
    assert [w.start for w in stats_from_counts(user).weeks if w.count] == [
        datetime.date(2026, 1, 5)
    ]
    assert stats_from_counts(user) == stats_from_rows(user, StatsFilters())


@pytest.mark.parametrize(
    ("values", "median"),
    [
        ([], None),
        ([4], 4),
        ([1, 2], 1.5),
        ([3, 1, 2], 2),
        ([5, 5, 5, 9], 5),
        ([0, 10, 10, 20], 10),
        ([1, 1, 2, 100], 1.5),
    ],
)
def test_the_median_of_counted_values_is_the_median_of_the_values(values, median):
    counts: dict[int, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    assert histogram_median(counts.items()) == (median, len(values))
