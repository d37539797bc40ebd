"""Every figure of the stats page on seeded data with known answers."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import (
    Application,
    Channel,
    Outcome,
    Rejection,
    Source,
    Stage,
    StageEvent,
)
from applications.services import application_stats_refresh
from review.stats import StatsFilters, Week, stats_for
from tests.factories import ApplicationFactory, CompanyFactory, RejectionFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def seed(
    user,
    *,
    applied_on,
    stages=None,
    source="",
    outcome=Outcome.OPEN,
    outcome_on=None,
    company=None,
    rejection=None,
):
    """An application whose history reached `stages` ({stage: day}), applied on `applied_on`."""
    stages = stages or {}
    furthest = max(stages, default=Stage.APPLIED)
    extra = {"company": company} if company else {}
    application = ApplicationFactory(
        user=user,
        applied_on=applied_on,
        source=source,
        current_stage=Stage.APPLIED,
        furthest_stage=furthest,
        outcome=outcome,
        outcome_on=outcome_on,
        **extra,
    )
    for stage, day in stages.items():
        StageEvent.objects.create(application=application, stage=stage, occurred_on=day)
    if rejection:
        stage_reached, channel = rejection
        RejectionFactory(
            application=application,
            received_on=outcome_on,
            stage_reached=stage_reached,
            channel=channel,
        )
    # Rows written directly: their stats counters as the services keep them.
    application_stats_refresh(application_ids=[application.pk])
    return application


def undated(user, *, stage=Stage.APPLIED, source=""):
    """An application with no applied date (saved, or entered without one)."""
    company = CompanyFactory(user=user)
    application = Application.objects.create(
        user=user,
        company=company,
        role="Undated",
        source=source,
        current_stage=stage,
        furthest_stage=stage,
    )
    StageEvent.objects.create(application=application, stage=stage, occurred_on=D(2026, 1, 1))
    application_stats_refresh(application_ids=[application.pk])
    return application


@pytest.fixture
def seeded(user):
    """Nine applications: eight sent (six closed, two open) and one only saved.

    Weeks (Mondays): Jan 5: 2; Jan 12: 2; Jan 19: 0; Jan 26: 3; Feb 2: 1.
    """
    acme = CompanyFactory(user=user, name="Acme Robotics")
    seed(  # 1: rejected at the final round, by letter
        user,
        company=acme,
        applied_on=D(2026, 1, 5),
        source=Source.REFERRAL,
        stages={
            Stage.SCREEN: D(2026, 1, 12),
            Stage.INTERVIEW: D(2026, 1, 19),
            Stage.ONSITE: D(2026, 1, 26),
            Stage.FINAL_ROUND: D(2026, 2, 2),
        },
        outcome=Outcome.REJECTED,
        outcome_on=D(2026, 2, 9),
        rejection=(Stage.FINAL_ROUND, Channel.LETTER),
    )
    seed(  # 2: rejected after the screen, by email
        user,
        applied_on=D(2026, 1, 6),
        source=Source.JOB_BOARD,
        stages={Stage.SCREEN: D(2026, 1, 16)},
        outcome=Outcome.REJECTED,
        outcome_on=D(2026, 1, 20),
        rejection=(Stage.SCREEN, Channel.EMAIL),
    )
    seed(  # 3: never heard back
        user,
        applied_on=D(2026, 1, 14),
        source=Source.JOB_BOARD,
        outcome=Outcome.GHOSTED,
        outcome_on=D(2026, 2, 4),
    )
    seed(  # 4: the offer, accepted
        user,
        company=acme,
        applied_on=D(2026, 1, 14),
        source=Source.RECRUITER,
        stages={
            Stage.SCREEN: D(2026, 1, 20),
            Stage.INTERVIEW: D(2026, 1, 28),
            Stage.ONSITE: D(2026, 2, 5),
            Stage.FINAL_ROUND: D(2026, 2, 10),
            Stage.OFFER: D(2026, 2, 20),
        },
        outcome=Outcome.OFFER_ACCEPTED,
        outcome_on=D(2026, 2, 25),
    )
    seed(  # 5: open, screened
        user,
        applied_on=D(2026, 1, 27),
        source=Source.COMPANY_SITE,
        stages={Stage.SCREEN: D(2026, 2, 3)},
    )
    seed(user, applied_on=D(2026, 1, 27), source=Source.REFERRAL)  # 6: open, just applied
    undated(user, stage=Stage.SAVED, source=Source.REFERRAL)  # 7: saved, never sent
    seed(  # 8: rejected at the interview through the portal (skipped the screen)
        user,
        applied_on=D(2026, 1, 28),
        source=Source.JOB_BOARD,
        stages={Stage.INTERVIEW: D(2026, 2, 10)},
        outcome=Outcome.REJECTED,
        outcome_on=D(2026, 2, 15),
        rejection=(Stage.INTERVIEW, Channel.PORTAL),
    )
    seed(  # 9: withdrawn, no source recorded
        user,
        applied_on=D(2026, 2, 2),
        outcome=Outcome.WITHDRAWN,
        outcome_on=D(2026, 2, 5),
    )
    return user


def by_key(rows):
    return {row.key: row.count for row in rows}


# --- The funnel ----------


def test_the_funnel_counts_closed_applications_that_reached_each_stage(seeded):
    stats = stats_for(seeded)
    assert (stats.total, stats.closed, stats.open) == (8, 6, 2)
    assert [(s.stage, s.reached, s.stopped) for s in stats.funnel] == [
        (Stage.APPLIED, 6, 2),
        (Stage.SCREEN, 4, 1),
        (Stage.INTERVIEW, 3, 1),
        (Stage.ONSITE, 2, 0),
        (Stage.FINAL_ROUND, 2, 1),
        (Stage.OFFER, 1, 1),
    ]


def test_the_funnel_converts_each_stage_to_the_next_over_closed_applications(seeded):
    conversions = [s.conversion for s in stats_for(seeded).funnel]
    assert conversions == [pytest.approx(4 / 6), 3 / 4, pytest.approx(2 / 3), 1.0, 1 / 2, None]


def test_open_applications_are_shown_apart_from_the_funnel(seeded):
    stats = stats_for(seeded)
    assert [s.open_here for s in stats.funnel] == [1, 1, 0, 0, 0, 0]
    assert by_key(stats.open_by_stage) == {"20": 1, "30": 1, "40": 0, "50": 0, "60": 0, "70": 0}


# --- Outcomes and rejections ----------


def test_outcomes_count_every_sent_application(seeded):
    stats = stats_for(seeded)
    assert by_key(stats.outcomes) == {
        "open": 2,
        "rejected": 3,
        "ghosted": 1,
        "offer_accepted": 1,
        "offer_declined": 0,
        "withdrawn": 1,
    }
    assert {r.key: r.share for r in stats.outcomes}["rejected"] == 3 / 8


def test_ghosted_versus_rejected(seeded):
    rows = stats_for(seeded).ghosted_vs_rejected
    assert [(r.key, r.count, r.share) for r in rows] == [
        ("rejected", 3, 0.75),
        ("ghosted", 1, 0.25),
    ]


def test_rejections_by_stage_reached_and_by_channel(seeded):
    stats = stats_for(seeded)
    assert stats.rejections == 3
    assert by_key(stats.rejections_by_stage) == {
        "20": 0,
        "30": 1,
        "40": 1,
        "50": 0,
        "60": 1,
        "70": 0,
    }
    assert by_key(stats.rejections_by_channel) == {"letter": 1, "email": 1, "phone": 0, "portal": 1}


# --- Weeks and medians ----------


def test_applications_per_week_start_on_monday_and_show_empty_weeks(seeded):
    assert stats_for(seeded).weeks == [
        Week(D(2026, 1, 5), 2),
        Week(D(2026, 1, 12), 2),
        Week(D(2026, 1, 19), 0),
        Week(D(2026, 1, 26), 3),
        Week(D(2026, 2, 2), 1),
    ]


def test_an_application_without_a_date_counts_in_the_week_of_its_local_creation_day(user):
    user.time_zone = "Europe/Berlin"
    user.save()
    # Sunday 23:30 in UTC is already Monday 00:30 in Berlin: the next week.
    with time_machine.travel(datetime.datetime(2026, 1, 11, 23, 30, tzinfo=datetime.UTC)):
        undated(user)
    assert stats_for(user).weeks == [Week(D(2026, 1, 12), 1)]


def test_median_days_from_applying_to_each_stage_and_to_the_answer(seeded):
    medians = {m.key: (m.days, m.count) for m in stats_for(seeded).medians}
    assert medians == {
        "30": (7, 4),  # 7, 10, 6, 7
        "40": (14, 3),  # 14, 14, 13
        "50": (21.5, 2),  # 21, 22
        "60": (27.5, 2),  # 28, 27
        "70": (37, 1),
        "answer": (26.5, 4),  # rejections 35, 14, 18; the offer 42; not ghosted or withdrawn
    }


def test_a_stage_dated_before_the_application_is_left_out_of_the_medians(user):
    seed(user, applied_on=D(2026, 1, 10), stages={Stage.SCREEN: D(2026, 1, 3)})
    seed(user, applied_on=D(2026, 1, 10), stages={Stage.SCREEN: D(2026, 1, 13)})
    medians = {m.key: (m.days, m.count) for m in stats_for(user).medians}
    assert medians["30"] == (3, 1)


# --- Sources ----------


def test_results_by_source_put_the_sources_that_get_furthest_first(seeded):
    sources = stats_for(seeded).sources
    assert [
        (s.key, s.total, s.screen, s.milestone, s.final_round, s.offers, s.rejected, s.open)
        for s in sources
    ] == [
        ("recruiter", 1, 1, 1, 1, 1, 0, 0),
        ("referral", 2, 1, 1, 1, 0, 1, 1),
        ("job_board", 3, 2, 1, 0, 0, 2, 0),
        ("company_site", 1, 1, 0, 0, 0, 0, 1),
        ("none", 1, 0, 0, 0, 0, 0, 0),
    ]
    assert [s.milestone_share for s in sources][:3] == [1.0, 0.5, pytest.approx(1 / 3)]
    assert sources[2].ghosted == 1
    assert sources[-1].label == "Not recorded"


# --- Filters ----------


def test_the_source_filter_narrows_every_figure(seeded):
    stats = stats_for(seeded, StatsFilters(source=Source.JOB_BOARD))
    assert stats.total == 3
    assert by_key(stats.rejections_by_channel) == {"letter": 0, "email": 1, "phone": 0, "portal": 1}
    assert [s.key for s in stats.sources] == ["job_board"]
    assert {m.key: m.count for m in stats.medians}["30"] == 1


def test_the_company_filter_matches_part_of_the_name_in_any_case(seeded):
    stats = stats_for(seeded, StatsFilters(company="acme ROB"))
    assert stats.total == 2
    assert by_key(stats.outcomes)["offer_accepted"] == 1
    assert stats.rejections == 1


def test_the_date_range_filter_includes_both_ends_and_spans_its_weeks(seeded):
    stats = stats_for(seeded, StatsFilters(applied_from=D(2026, 1, 14), applied_to=D(2026, 1, 27)))
    assert stats.total == 4
    assert stats.weeks == [
        Week(D(2026, 1, 12), 2),
        Week(D(2026, 1, 19), 0),
        Week(D(2026, 1, 26), 2),
    ]


def test_a_date_range_of_decades_draws_the_weeks_of_the_data_only(seeded):
    stats = stats_for(seeded, StatsFilters(applied_from=D(1990, 1, 1)))
    assert stats.weeks[0].start == D(2026, 1, 5)


def test_another_users_applications_count_nowhere(seeded, other_user):
    seed(
        other_user,
        applied_on=D(2026, 1, 5),
        outcome=Outcome.REJECTED,
        outcome_on=D(2026, 1, 9),
        rejection=(Stage.APPLIED, Channel.EMAIL),
    )
    stats = stats_for(seeded)
    assert (stats.total, stats.rejections) == (8, 3)
    assert stats_for(other_user).total == 1


# --- No data and a single application ----------


def test_no_data_gives_zeros_and_no_medians(user):
    stats = stats_for(user)
    assert stats.empty
    assert [(s.reached, s.conversion) for s in stats.funnel] == [(0, None)] * 6
    assert all(r.count == 0 and r.share == 0 for r in stats.outcomes)
    assert stats.weeks == []
    assert all(m.days is None and m.count == 0 for m in stats.medians)
    assert stats.sources == []
    assert stats.rejections == 0


def test_a_single_open_application(user):
    seed(user, applied_on=D(2026, 3, 4), source=Source.JOB_BOARD)
    stats = stats_for(user)
    assert (stats.total, stats.open, stats.closed) == (1, 1, 0)
    assert [s.reached for s in stats.funnel] == [0] * 6
    assert [s.open_here for s in stats.funnel] == [1, 0, 0, 0, 0, 0]
    assert stats.weeks == [Week(D(2026, 3, 2), 1)]
    assert [(s.key, s.total, s.milestone) for s in stats.sources] == [("job_board", 1, 0)]
    assert all(m.days is None for m in stats.medians)


def test_a_single_rejected_application(user):
    seed(
        user,
        applied_on=D(2026, 3, 4),
        stages={Stage.SCREEN: D(2026, 3, 9)},
        outcome=Outcome.REJECTED,
        outcome_on=D(2026, 3, 20),
        rejection=(Stage.SCREEN, Channel.PHONE),
    )
    stats = stats_for(user)
    assert [s.reached for s in stats.funnel] == [1, 1, 0, 0, 0, 0]
    assert [s.conversion for s in stats.funnel][:3] == [1.0, 0.0, None]
    assert by_key(stats.rejections_by_channel)["phone"] == 1
    assert {m.key: m.days for m in stats.medians}["answer"] == 16


# --- The page ----------


def test_the_page_shows_every_chart_with_its_table(user_client, seeded):
    response = user_client.get(reverse("review:stats"))
    assert response.status_code == 200
    html = response.content.decode()
    for chart in (
        "chart-funnel",
        "chart-open",
        "chart-outcomes",
        "chart-ghosted",
        "chart-rejections-stage",
        "chart-rejections-channel",
        "chart-medians",
        "chart-weeks",
        "chart-sources",
    ):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in html, chart
        assert f'<title id="{chart}-title">' in html, chart
    assert html.count('role="img"') == 9
    assert html.count("<table") == 9
    assert 'style="' not in html
    # The funnel's description carries its numbers for screen readers.
    assert "Screen: 4 (75% went on)" in html


def test_the_page_filters_by_query_parameters(user_client, seeded):
    response = user_client.get(reverse("review:stats"), {"source": "recruiter"})
    assert response.context["stats"].total == 1
    assert response.context["filters"] == StatsFilters(source="recruiter")


def test_a_reversed_date_range_is_an_error_beside_the_field_and_filters_nothing(
    user_client, seeded
):
    response = user_client.get(
        reverse("review:stats"),
        {"applied_from": "2026-02-01", "applied_to": "2026-01-01", "source": "job_board"},
    )
    assert response.status_code == 200
    assert "The end of the range comes before its start." in response.content.decode()
    filters = response.context["filters"]
    assert (filters.applied_from, filters.applied_to, filters.source) == (
        D(2026, 2, 1),
        None,
        "job_board",
    )


@pytest.mark.parametrize(
    "params",
    [{"applied_from": "not a date"}, {"source": "carrier-pigeon"}, {"company": "x" * 500}],
)
def test_bad_filter_values_are_errors_not_500s(user_client, seeded, params):
    response = user_client.get(reverse("review:stats"), params)
    assert response.status_code == 200
    assert response.context["filter_form"].errors
    assert response.context["stats"].total == 8


def test_the_empty_page_says_so(user_client):
    response = user_client.get(reverse("review:stats"))
    assert "No applications yet" in response.content.decode()


def test_a_filter_matching_nothing_says_so(user_client, seeded):
    response = user_client.get(reverse("review:stats"), {"company": "Nowhere Ltd"})
    assert "No application matches these filters." in response.content.decode()


def test_the_search_start_is_set_from_the_page(user_client, user):
    url = reverse("review:stats") + "?source=referral"
    response = user_client.post(url, {"search_started_on": "2026-01-10"})
    assert response.status_code == 302
    assert response["Location"] == url
    user.refresh_from_db()
    assert user.search_started_on == D(2026, 1, 10)


def test_an_empty_search_start_goes_back_to_the_first_application(user_client, user):
    user.search_started_on = D(2026, 1, 10)
    user.save()
    user_client.post(reverse("review:stats"), {"search_started_on": ""})
    user.refresh_from_db()
    assert user.search_started_on is None


@time_machine.travel(datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC))
@pytest.mark.parametrize("value", ["2026-03-02", "yesterday"])
def test_a_future_or_malformed_search_start_is_refused_beside_the_field(user_client, user, value):
    response = user_client.post(reverse("review:stats"), {"search_started_on": value})
    assert response.status_code == 200
    assert response.context["search_start_form"].errors["search_started_on"]
    assert 'class="form-control is-invalid"' in response.content.decode() or (
        "is-invalid" in response.content.decode()
    )
    user.refresh_from_db()
    assert user.search_started_on is None


# --- A fixed number of queries ----------


def _queries(client, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("review:stats"), params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(user, n):
    """n more applications, each rejected after an interview, with letters."""
    for i in range(n):
        application = seed(
            user,
            applied_on=D(2026, 1, 1) + datetime.timedelta(days=i % 60),
            source=Source.values[i % len(Source.values)],
            stages={Stage.SCREEN: D(2026, 3, 1), Stage.ONSITE: D(2026, 3, 10)},
            outcome=Outcome.REJECTED,
            outcome_on=D(2026, 3, 20),
        )
        Rejection.objects.create(
            application=application,
            user=user,
            received_on=D(2026, 3, 20),
            stage_reached=Stage.ONSITE,
            channel=Channel.LETTER,
            letter_text="Thank you for your time with the team.",
        )
        application_stats_refresh(application_ids=[application.pk])


FILTERS = [
    {},
    {"source": "job_board"},
    {"company": "acme", "applied_from": "2026-01-01", "applied_to": "2026-12-31"},
    {"applied_to": "2020-01-01", "applied_from": "2026-01-01"},  # invalid
]


def test_the_page_makes_the_same_number_of_queries_whatever_the_data_and_filters(user_client, user):
    empty = [_queries(user_client, f) for f in FILTERS]
    _grow(user, 3)
    small = [_queries(user_client, f) for f in FILTERS]
    _grow(user, 60)
    large = [_queries(user_client, f) for f in FILTERS]
    assert small == large
    # The figures are one query, filtered or not.
    expected = [EXPECTED_QUERIES] * len(FILTERS)
    assert large == expected
    # With no application there is no search to draw insights from.
    assert empty == [n - 4 for n in expected]


def test_a_set_search_start_saves_a_query(user_client, user):
    _grow(user, 3)
    user.search_started_on = D(2026, 1, 1)
    user.save()
    assert _queries(user_client) == EXPECTED_QUERIES - 1


# Session and user; the failed-reminders banner of base.html; 1 for the figures
# (the user's counters, or the matching applications' keys counted in SQL); the
# search start (the first application); 4 for the insights (the radar's rows
# and its count of companies are two).
EXPECTED_QUERIES = 9


def test_the_page_is_private_to_its_user(client, seeded, other_user):
    client.force_login(other_user)
    response = client.get(reverse("review:stats"))
    assert response.context["stats"].total == 0
    assert Application.objects.for_user(seeded).count() == 9


# --- The chart tags ----------


def test_bars_are_sized_against_the_largest_in_dot_decimals_whatever_the_language():
    from django.utils import translation

    from review.templatetags.charts import Bar, bar_chart

    with translation.override("de"):
        chart = bar_chart([Bar("a", 1, "1"), Bar("b", 3, "3"), Bar("c", 0, "0")], "c", "T", "D.")
    assert [row["width"] for row in chart["rows"]] == ["33.333", "100", "0"]
    assert chart["description"] == "D. a: 1; b: 3; c: 0."


def test_a_lone_week_is_a_narrow_centred_column():
    from review.templatetags.charts import week_chart

    chart = week_chart([Week(D(2026, 3, 2), 4)], "w", "T", "D.")
    assert chart["column_width"] == "8"
    assert chart["columns"][0]["x"] == "46"
    assert [(a["anchor"], a["x"]) for a in chart["axis"]] == [("middle", "50")]


def test_no_weeks_draw_an_empty_chart():
    from review.templatetags.charts import week_chart

    chart = week_chart([], "w", "T", "D.")
    assert chart["columns"] == []
    assert chart["axis"] == []


def test_table_rows_link_to_the_list_with_the_pages_filters(user_client, seeded):
    response = user_client.get(
        reverse("review:stats"), {"source": "job_board", "applied_from": "2026-01-01"}
    )
    html = response.content.decode()
    base = "/applications/?applied_from=2026-01-01&amp;source=job_board"
    assert f'<a href="{base}">See them in the applications list</a>' in html
    assert f'<a href="{base}&amp;outcome=rejected&amp;stage=40">Interview</a>' in html
    assert f'<a href="{base}&amp;outcome=ghosted">Ghosted</a>' in html
    # A row counting nothing has nothing to show.
    assert f'href="{base}&amp;outcome=withdrawn"' not in html


def test_the_page_explains_the_saved_applications_it_does_not_count(user_client, seeded):
    from review.stats import stats_for

    assert stats_for(seeded).saved == 1
    html = user_client.get(reverse("review:stats")).content.decode()
    assert "Not counted here: 1 application still at “saved”, never sent" in html


def test_the_stats_page_query_count_is_the_same_with_5_and_5000_rows(client):
    from tests.rows import query_counts_at_5_and_5000

    url = reverse("review:stats")
    few, many = query_counts_at_5_and_5000(client, url, [{}, {"company": "bulk"}])
    assert few == many
    # Unfiltered, the figures are one read of the counters; filtered, one
    # aggregate of the matching applications' keys.
    assert many[1] == many[0]


def test_every_figure_a_chart_hands_its_template_is_text_already():
    """The template's number formatting ran for each coordinate (hundreds a
    page); the charts hand it text, which it only escapes."""
    from review.templatetags.charts import Bar, bar_chart, week_chart, week_rows

    bars = bar_chart([Bar("a", 1, "1"), Bar("b", 3, "3")], "c", "T", "D.")
    weeks = week_chart([Week(D(2026, 3, 2), 4), Week(D(2026, 3, 9), 12_345)], "w", "T", "D.")
    values = [v for k, v in {**bars, **weeks}.items() if k not in ("rows", "columns", "axis")]
    values += [v for row in bars["rows"] + weeks["columns"] for v in row.values()]
    assert all(isinstance(value, str) for value in values)
    assert weeks["largest"] == "12345"
    assert week_rows([Week(D(2026, 3, 2), 1_234)]) == [("2 Mar 2026", "1234")]
