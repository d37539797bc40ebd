"""rejections_log_bulk writes exactly the rows that rejection_log writes, one
call per application: rejections, outcomes and history, steps with their due
times and states, stats counters and search text, for any mix of stages,
days, silences, settings and earlier steps."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.timezones import user_today
from applications.models import Company, Rejection, Stage
from applications.services import application_stats_refresh
from reminders.models import ReminderSettings, ReminderStatus, ReminderStep
from reminders.services import (
    Closing,
    ReminderBeingSent,
    rejections_log_bulk,
)
from tests.factories import ApplicationFactory, ReminderFactory, UserFactory
from tests.reminders.compare import EARLIER_DUE, assert_same, log_one_by_one, snapshot

pytestmark = pytest.mark.django_db

ROW = st.fixed_dictionaries(
    {
        "current": st.sampled_from([s for s in Stage if s != Stage.OFFER]),
        "reached": st.sampled_from([s for s in Stage if s != Stage.OFFER]),
        "days_ago": st.one_of(st.integers(0, 12), st.integers(13, 700)),
        "ghosted": st.booleans(),
        "earlier": st.sampled_from(
            [None, ReminderStatus.SENT, ReminderStatus.CANCELLED, ReminderStatus.SCHEDULED]
        ),
    }
)
SETTINGS = st.fixed_dictionaries(
    {
        "thank_you_enabled": st.booleans(),
        "cooling_off_days": st.sampled_from([3, 30, 90]),
        "cooling_off_by_stage": st.sampled_from([{}, {"40": 5, "60": 60}]),
        "time_zone": st.sampled_from(["UTC", "America/New_York", "Pacific/Auckland"]),
        "reapply_after_months": st.sampled_from([None, 6]),
    }
)


def account(spec: dict, rows: list[dict]) -> tuple:
    user = UserFactory(time_zone=spec["time_zone"])
    ReminderSettings.objects.create(
        user=user,
        thank_you_enabled=spec["thank_you_enabled"],
        cooling_off_days=spec["cooling_off_days"],
        cooling_off_by_stage=spec["cooling_off_by_stage"],
    )
    today = user_today(user)
    closings = []
    for i, row in enumerate(rows):
        company, _created = Company.objects.get_or_create(
            user=user,
            name=f"Company {i % 3}",
            defaults={"reapply_after_months": spec["reapply_after_months"] if i % 2 else None},
        )
        app = ApplicationFactory(
            user=user,
            company=company,
            role=f"Role {i}",
            applied_on=today - datetime.timedelta(days=row["days_ago"] + 10),
            current_stage=row["current"],
            furthest_stage=row["current"],
        )
        if row["earlier"] == ReminderStatus.SCHEDULED:
            # A step still to go out: cancelled by the new circle-back.
            ReminderFactory(
                user=user,
                application=app,
                step=ReminderStep.THANK_YOU,
                cooling_off_days=1,
                due_at=EARLIER_DUE,
            )
        elif row["earlier"] is not None:
            # A circle-back from before the application was reopened.
            ReminderFactory(
                user=user,
                application=app,
                status=row["earlier"],
                due_at=EARLIER_DUE,
                sent_at=EARLIER_DUE if row["earlier"] == ReminderStatus.SENT else None,
            )
        closings.append(
            Closing(
                application=app,
                stage_reached=row["reached"],
                received_on=today - datetime.timedelta(days=row["days_ago"]),
                ghosted=row["ghosted"],
            )
        )
    application_stats_refresh(application_ids=[c.application.pk for c in closings])
    return user, closings


def test_bulk_writes_what_one_call_per_application_writes(db):
    @hypothesis_settings(
        deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
    )
    @given(
        spec=SETTINGS,
        rows=st.lists(ROW, min_size=1, max_size=12),
        choice=st.sampled_from(["keep", "spread", "skip"]),
    )
    def run(spec, rows, choice):
        note(repr((spec, rows, choice)))
        with transaction.atomic():
            one, one_closings = account(spec, rows)
            bulk, bulk_closings = account(spec, rows)
            log_one_by_one(one, one_closings, choice)
            results = rejections_log_bulk(
                user=bulk, closings=bulk_closings, old_circle_backs=choice
            )
            assert [r.application.pk for r in results] == [c.application.pk for c in bulk_closings]
            assert_same(snapshot(bulk), snapshot(one))
            transaction.set_rollback(True)

    run()


# Each case: the rows (current stage, stage reached, days ago, ghosted, an earlier
# step) and the choice.
CASES = {
    "a recent rejection: thank-you first, circle-back waiting": (
        [(Stage.INTERVIEW, Stage.INTERVIEW, 2, False, None)],
        "spread",
    ),
    "a silence: no rejection, no thank-you": (
        [(Stage.APPLIED, Stage.APPLIED, 2, True, None)],
        "keep",
    ),
    "got further than the board said: a stage event": (
        [(Stage.APPLIED, Stage.FINAL_ROUND, 40, False, None)],
        "keep",
    ),
    "old ones spread over the coming weeks": (
        [(Stage.SCREEN, Stage.SCREEN, 200 + i, i % 2 == 0, None) for i in range(8)],
        "spread",
    ),
    "a step still to go out is cancelled, a circle-back sent before goes again": (
        [
            (Stage.SCREEN, Stage.SCREEN, 20, False, ReminderStatus.SCHEDULED),
            (Stage.SCREEN, Stage.SCREEN, 1, True, ReminderStatus.SENT),
            (Stage.SCREEN, Stage.SCREEN, 400, False, ReminderStatus.SENT),
        ],
        "spread",
    ),
    "old ones skipped": ([(Stage.SCREEN, Stage.SCREEN, 300, False, None)] * 3, "skip"),
}


@pytest.mark.parametrize(("rows", "choice"), CASES.values(), ids=CASES.keys())
def test_the_table_of_cases(rows, choice):
    spec = {
        "thank_you_enabled": True,
        "cooling_off_days": 30,
        "cooling_off_by_stage": {},
        "time_zone": "America/New_York",
        "reapply_after_months": None,
    }
    dicts = [
        {"current": c, "reached": r, "days_ago": d, "ghosted": g, "earlier": e}
        for c, r, d, g, e in rows
    ]
    one, one_closings = account(spec, dicts)
    bulk, bulk_closings = account(spec, dicts)
    log_one_by_one(one, one_closings, choice)
    rejections_log_bulk(user=bulk, closings=bulk_closings, old_circle_backs=choice)
    expected = snapshot(one)
    assert_same(snapshot(bulk), expected)
    assert any(app["steps"] for app in expected["applications"].values())


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite batches its statements by its variable limit"
)
def test_the_statements_do_not_grow_with_the_rows(django_assert_max_num_queries):
    spec = {
        "thank_you_enabled": True,
        "cooling_off_days": 30,
        "cooling_off_by_stage": {},
        "time_zone": "UTC",
        "reapply_after_months": None,
    }

    def rows(n):
        return [
            {
                "current": Stage.SCREEN,
                "reached": Stage.INTERVIEW,
                "days_ago": i % 60,
                "ghosted": i % 3 == 0,
                "earlier": ReminderStatus.SENT if i % 5 == 0 else None,
            }
            for i in range(n)
        ]

    _user, few = account(spec, rows(5))
    with django_assert_max_num_queries(30) as few_queries:
        rejections_log_bulk(user=_user, closings=few, old_circle_backs="spread")
    _user, many = account(spec, rows(60))
    # The only statement per row: an earlier circle-back saved anew (rare).
    with django_assert_max_num_queries(len(few_queries) + 12) as many_queries:
        rejections_log_bulk(user=_user, closings=many, old_circle_backs="spread")
    earlier = sum(1 for i in range(60) if i % 5 == 0) - sum(1 for i in range(5) if i % 5 == 0)
    assert len(many_queries) <= len(few_queries) + earlier


def test_it_refuses_as_rejection_log_does_and_writes_nothing(user, other_user):
    mine = ApplicationFactory(user=user)
    closed = ApplicationFactory(
        user=user, outcome="withdrawn", outcome_on=datetime.date(2026, 1, 9)
    )
    theirs = ApplicationFactory(user=other_user)
    for closings in (
        [
            Closing(application=mine, stage_reached=Stage.APPLIED),
            Closing(application=closed, stage_reached=Stage.APPLIED),
        ],
        [Closing(application=mine, stage_reached=Stage.APPLIED)] * 2,
    ):
        with pytest.raises(ValidationError):
            rejections_log_bulk(user=user, closings=closings)
    with pytest.raises(PermissionDenied):
        rejections_log_bulk(
            user=user, closings=[Closing(application=theirs, stage_reached=Stage.APPLIED)]
        )
    ReminderFactory(
        user=user,
        application=mine,
        status=ReminderStatus.SENDING,
        claim_token="00000000-0000-0000-0000-000000000001",
        lease_expires_at=timezone.now(),
    )
    with pytest.raises(ReminderBeingSent):
        rejections_log_bulk(
            user=user, closings=[Closing(application=mine, stage_reached=Stage.APPLIED)]
        )
    assert not Rejection.objects.exists()
    mine.refresh_from_db()
    assert mine.is_open


def test_nothing_to_log_writes_nothing(user, django_assert_num_queries):
    with django_assert_num_queries(2):  # the savepoint and its release
        assert rejections_log_bulk(user=user, closings=[]) == []
