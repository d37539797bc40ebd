import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import Outcome, Stage
from applications.services import (
    application_move,
    application_update,
    stage_event_delete,
    stage_event_update,
)
from contacts.services import contact_delete, interaction_delete, interaction_log
from reminders.models import Reminder, ReminderKind, ReminderStatus
from reminders.services import application_mark_ghosted, rejection_log
from tests.factories import (
    ApplicationFactory,
    ContactFactory,
    RejectedApplicationFactory,
    ReminderFactory,
    UserFactory,
)
from tests.rows import make_rows

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")
NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)
APPLIED = datetime.date(2026, 2, 1)  # 37 days before NOW


def ghost_url(application):
    return reverse("reminders:mark_ghosted", args=[application.pk])


def test_day_one_says_what_to_do_first(user_client):
    response = user_client.get(DASHBOARD)
    content = response.content.decode()
    assert "Start here" in content
    assert "Log your first rejection" in content
    assert "Add an application" in content
    assert "Add a contact" in content


@time_machine.travel(NOW, tick=False)
def test_an_application_with_no_news_for_21_days_is_offered_as_ghosted(user_client, user):
    quiet = ApplicationFactory(user=user, applied_on=APPLIED, role="Quiet one")
    response = user_client.get(DASHBOARD)
    assert [a.pk for a in response.context["stale"]] == [quiet.pk]
    assert b"Mark as ghosted" in response.content
    assert b"Start here" not in response.content


@time_machine.travel(NOW, tick=False)
def test_recent_news_keeps_an_application_off_the_quiet_list(user, user_client):
    moved = ApplicationFactory(user=user, applied_on=APPLIED)
    application_move(
        application=moved, stage=Stage.SCREEN, occurred_on=NOW.date() - datetime.timedelta(20)
    )
    talked = ApplicationFactory(user=user, applied_on=APPLIED)
    interaction_log(
        user=user,
        contacts=[ContactFactory(user=user)],
        occurred_on=NOW.date() - datetime.timedelta(days=3),
        application=talked,
    )
    ApplicationFactory(user=user, applied_on=APPLIED, current_stage=Stage.SAVED)
    ApplicationFactory(user=user, applied_on=APPLIED, current_stage=Stage.OFFER)
    RejectedApplicationFactory(user=user, applied_on=APPLIED)
    response = user_client.get(DASHBOARD)
    assert list(response.context["stale"]) == []


@time_machine.travel(NOW, tick=False)
def test_the_quiet_period_is_a_setting(user_client, user, settings):
    settings.AJAR_GHOSTED_AFTER_DAYS = 60
    ApplicationFactory(user=user, applied_on=APPLIED)
    assert list(user_client.get(DASHBOARD).context["stale"]) == []


@time_machine.travel(NOW, tick=False)
def test_mark_as_ghosted_closes_it_and_schedules_a_ghosted_circle_back(user_client, user):
    quiet = ApplicationFactory(user=user, applied_on=APPLIED, current_stage=Stage.SCREEN)
    response = user_client.post(ghost_url(quiet), follow=True)
    quiet.refresh_from_db()
    assert quiet.outcome == Outcome.GHOSTED
    assert quiet.outcome_on == NOW.date()
    reminder = Reminder.objects.get(application=quiet)
    assert reminder.kind == ReminderKind.GHOSTED
    assert reminder.status == ReminderStatus.SCHEDULED
    assert reminder.counted_from == NOW.date()
    assert b"marked as ghosted" in response.content
    assert list(response.context["stale"]) == []


def test_mark_as_ghosted_twice_says_it_is_closed(user_client, user):
    application = ApplicationFactory(user=user)
    application_mark_ghosted(application=application)
    response = user_client.post(ghost_url(application), follow=True)
    assert b"already closed" in response.content
    assert Reminder.objects.filter(application=application).count() == 1


def test_mark_as_ghosted_is_post_only(user_client, user):
    application = ApplicationFactory(user=user)
    assert user_client.get(ghost_url(application)).status_code == 405
    application.refresh_from_db()
    assert application.outcome == Outcome.OPEN


@time_machine.travel(NOW, tick=False)
def test_circle_backs_due_and_coming_this_week_are_listed_with_their_actions(user_client, user):
    due = ReminderFactory(user=user, due_at=NOW - datetime.timedelta(hours=1))
    soon = ReminderFactory(user=user, due_at=NOW + datetime.timedelta(days=5))
    ReminderFactory(user=user, due_at=NOW + datetime.timedelta(days=9))
    ContactFactory(user=user, company=due.application.company)
    response = user_client.get(DASHBOARD)
    listed = [r.pk for r in response.context["circle_backs"]]
    assert listed == [due.pk, soon.pk]
    content = response.content.decode()
    assert "Whom to contact" in content
    assert reverse("reminders:done", args=[due.pk]) in content
    assert "Log a conversation" in content
    assert "1 insider to write to." in content


def test_a_failed_circle_back_email_shows_a_banner(user_client, user):
    ReminderFactory(user=user, status=ReminderStatus.FAILED, last_error="550 no such user")
    response = user_client.get(DASHBOARD)
    assert b"could not be sent" in response.content
    assert reverse("reminders:list").encode() in response.content


def test_an_acknowledged_failure_shows_no_banner(user_client, user):
    ReminderFactory(user=user, status=ReminderStatus.FAILED, failure_acknowledged=True)
    assert b"could not be sent" not in user_client.get(DASHBOARD).content


@time_machine.travel(NOW, tick=False)
def test_recent_rejections_and_counts_by_stage(user_client, user):
    ApplicationFactory(user=user, current_stage=Stage.INTERVIEW)
    ApplicationFactory(user=user, current_stage=Stage.INTERVIEW)
    ApplicationFactory(user=user, current_stage=Stage.SCREEN)
    recent = ApplicationFactory(user=user, role="Recent no")
    rejection_log(user=user, application=recent, stage_reached=Stage.ONSITE)
    response = user_client.get(DASHBOARD)
    counts = dict(response.context["stage_counts"])
    assert counts[Stage.INTERVIEW] == 2
    assert counts[Stage.SCREEN] == 1
    assert counts[Stage.ONSITE] == 0
    assert response.context["open_total"] == 3
    assert [a.pk for a in response.context["recent"]] == [recent.pk]
    assert b"got as far as Onsite" in response.content


def test_another_users_application_cannot_be_marked_ghosted(user_client, other_user):
    theirs = ApplicationFactory(user=other_user)
    assert user_client.post(ghost_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.outcome == Outcome.OPEN


def _counting_has_applications(monkeypatch) -> list:
    from review import selectors

    calls: list = []
    real = selectors.has_applications

    def counted(user):
        calls.append(user)
        return real(user)

    monkeypatch.setattr(selectors, "has_applications", counted)
    return calls


@time_machine.travel(NOW, tick=False)
def test_an_open_application_skips_the_query_for_any_application(user_client, user, monkeypatch):
    calls = _counting_has_applications(monkeypatch)
    ApplicationFactory(user=user, applied_on=APPLIED)
    content = user_client.get(DASHBOARD).content.decode()
    assert "Start here" not in content
    assert calls == []


@time_machine.travel(NOW, tick=False)
def test_an_account_of_old_closed_applications_is_not_shown_day_one(user_client, user, monkeypatch):
    # Nothing open, quiet, recent or circling back: the page asks the database.
    calls = _counting_has_applications(monkeypatch)
    ApplicationFactory(
        user=user,
        applied_on=datetime.date(2025, 1, 6),
        outcome=Outcome.WITHDRAWN,
        outcome_on=datetime.date(2025, 2, 3),
    )
    content = user_client.get(DASHBOARD).content.decode()
    assert "Start here" not in content
    assert len(calls) == 1


def test_the_dashboard_query_count_is_the_same_with_5_and_5000_rows(client):
    small, large = UserFactory(), UserFactory()
    make_rows(small, 5)
    make_rows(large, 5000)
    counts = []
    for owner in (small, large):
        client.force_login(owner)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(DASHBOARD)
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    # Session, user, banner, two circle-back ranges and their insiders, stale,
    # recent, stage counts, a row or two for the insights (the radar's rows and
    # its count of companies): none grows with rows.
    assert counts[1] <= 15


# --- The last news, kept by the services (Application.last_activity_on) ----------


def _last(application):
    application.refresh_from_db(fields=["last_activity_on"])
    return application.last_activity_on


def test_the_last_news_follows_moves_corrections_and_conversations(user):
    application = ApplicationFactory(user=user, applied_on=APPLIED)
    assert _last(application) == APPLIED
    event = application_move(
        application=application, stage=Stage.SCREEN, occurred_on=datetime.date(2026, 2, 20)
    )
    assert _last(application) == datetime.date(2026, 2, 20)
    # A move dated earlier than the last news does not pull it back.
    application_move(
        application=application, stage=Stage.INTERVIEW, occurred_on=datetime.date(2026, 2, 10)
    )
    assert _last(application) == datetime.date(2026, 2, 20)
    stage_event_update(event=event, stage=Stage.SCREEN, occurred_on=datetime.date(2026, 2, 5))
    assert _last(application) == datetime.date(2026, 2, 10)
    talk = interaction_log(
        user=user,
        contacts=[ContactFactory(user=user)],
        occurred_on=datetime.date(2026, 3, 1),
        application=application,
    )
    assert _last(application) == datetime.date(2026, 3, 1)
    interaction_delete(interaction=talk)
    assert _last(application) == datetime.date(2026, 2, 10)
    stage_event_delete(event=application.events.get(stage=Stage.INTERVIEW))
    assert _last(application) == datetime.date(2026, 2, 5)


def test_deleting_the_only_person_of_a_conversation_updates_the_last_news(user):
    application = ApplicationFactory(user=user, applied_on=APPLIED)
    person = ContactFactory(user=user)
    interaction_log(
        user=user, contacts=[person], occurred_on=datetime.date(2026, 3, 1), application=application
    )
    contact_delete(contact=person)
    assert _last(application) == APPLIED


def test_changing_the_applied_date_moves_the_last_news(user):
    application = ApplicationFactory(user=user, applied_on=APPLIED)
    application_update(
        application=application,
        company=application.company,
        role=application.role,
        job_url=application.job_url,
        job_description=application.job_description,
        source=application.source,
        location=application.location,
        salary_min=application.salary_min,
        salary_max=application.salary_max,
        salary_currency=application.salary_currency,
        applied_on=datetime.date(2026, 1, 1),
        notes=application.notes,
    )
    # The creation's stage event keeps its own date.
    assert _last(application) == APPLIED


@time_machine.travel(NOW, tick=False)
def test_the_quiet_list_reads_the_kept_column_not_the_history(user):
    from review.selectors import stale_applications

    make_rows(user, 50)
    plan = stale_applications(user, today=NOW.date())[:11].explain()
    # No correlated subquery per application over its events and conversations
    # (the plan at 200,000 applications, an index range, is in the benchmark doc).
    assert "stageevent" not in plan.lower()
    assert "interaction" not in plan.lower()
