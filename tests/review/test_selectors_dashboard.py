import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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


def test_each_status_picks_its_ids_before_joining_the_applications(user):
    for days in range(-3, 3):
        _due(user, days)
        _due(user, days, status=ReminderStatus.SENT)
    with CaptureQueriesContext(connection) as queries:
        picked = circle_backs(user, now=NOW, limit=2)
        [(r.application.role, r.application.company.name, r.insiders) for r in picked]
    assert len(picked) == 2
    *ranges, rows = (query["sql"] for query in queries.captured_queries)
    # The ranges pick the first ids and join nothing: 145 of each met their
    # application and company before the sort at 200,000 applications.
    assert len(ranges) == 2
    for sql in ranges:
        assert sql.startswith(
            'SELECT "reminders_reminder"."id" AS "pk" FROM "reminders_reminder" WHERE'
        )
        assert "JOIN" not in sql
        assert sql.endswith("LIMIT 2")
    assert "JOIN" in rows
    assert '"applications_application"."job_description"' not in rows


def test_no_circle_back_reads_no_rows(user):
    with CaptureQueriesContext(connection) as queries:
        assert circle_backs(user, now=NOW, limit=2) == []
    assert len(queries) == 2
