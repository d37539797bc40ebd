import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.statements import sql_of
from reminders.models import ReminderStatus
from review.selectors import circle_backs
from tests.factories import ApplicationFactory, CompanyFactory, ContactFactory, ReminderFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


def _due(user, days, status=ReminderStatus.SCHEDULED, company=None):
    company = company or CompanyFactory(user=user)
    return ReminderFactory(
        user=user,
        application=ApplicationFactory(user=user, company=company),
        status=status,
        due_at=NOW + datetime.timedelta(days=days),
        sent_at=None if status == ReminderStatus.SCHEDULED else NOW,
    )


def test_the_first_circle_backs_of_both_statuses_by_due_time_with_their_insiders(user, other_user):
    acme = CompanyFactory(user=user, name="Acme")
    ContactFactory.create_batch(2, user=user, company=acme)
    ContactFactory(user=other_user)  # not theirs, not counted
    late = _due(user, -3, company=acme)
    emailed = _due(user, -2, status=ReminderStatus.SENT, company=acme)
    soon = _due(user, 2)
    _due(user, 5)  # past the limit
    _due(user, 9)  # beyond the week
    _due(user, -5, status=ReminderStatus.DONE)
    picked = circle_backs(user, now=NOW, limit=3)
    assert [r.pk for r in picked] == [late.pk, emailed.pk, soon.pk]
    assert [r.insiders for r in picked] == [2, 2, 0]
    assert picked[0].application.company.name == "Acme"


def test_each_status_is_one_limited_range_with_what_is_shown(user):
    for days in range(-3, 3):
        _due(user, days)
        _due(user, days, status=ReminderStatus.SENT)
    with CaptureQueriesContext(connection) as queries:
        picked = circle_backs(user, now=NOW, limit=2)
        [(r.application.role, r.application.company.name, r.insiders) for r in picked]
    assert [r.due_at for r in picked] == [NOW - datetime.timedelta(days=3)] * 2
    # One query a status, each its first `limit` rows in due order with their
    # application and company (a nested loop over the index range: the
    # 200,000-application plans are in docs/benchmarks.md); nothing read after.
    due, emailed = (sql_of(query["sql"]) for query in queries.captured_queries)
    assert "\"status\" = 'scheduled'" in due
    assert "\"status\" = 'sent'" in emailed
    for sql in (due, emailed):
        assert "JOIN" in sql
        assert sql.endswith(
            'ORDER BY "reminders_reminder"."due_at" ASC, "reminders_reminder"."id" ASC LIMIT 2'
        )
        assert '"applications_application"."job_description"' not in sql


def test_a_prepared_read_still_sees_each_users_rows(user, other_user):
    mine, theirs = _due(user, 1), _due(other_user, 2)
    ContactFactory(user=other_user, company=theirs.application.company)
    assert [r.pk for r in circle_backs(user, now=NOW, limit=2)] == [mine.pk]
    [picked] = circle_backs(other_user, now=NOW, limit=2)
    assert (picked.pk, picked.insiders) == (theirs.pk, 1)
    # A week from a later now: the value of `soon` is each call's own.
    assert circle_backs(user, now=NOW - datetime.timedelta(days=7), limit=2) == []


def test_no_circle_back_reads_no_rows(user):
    with CaptureQueriesContext(connection) as queries:
        assert circle_backs(user, now=NOW, limit=2) == []
    assert len(queries) == 2


def test_has_applications_reads_one_row_in_no_order(user, other_user):
    from review.selectors import has_applications

    assert not has_applications(user)
    ApplicationFactory(user=other_user)
    assert not has_applications(user)
    ApplicationFactory.create_batch(2, user=user)
    with CaptureQueriesContext(connection) as queries:
        assert has_applications(user)
    [sql] = (sql_of(query["sql"]) for query in queries.captured_queries)
    # Sorted, it read every application of the account to keep one.
    assert "ORDER BY" not in sql
    assert sql.endswith("LIMIT 1")
