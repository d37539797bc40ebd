"""The steps migration keeps every existing reminder, as a circle-back."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("reminders", "0004_engine_attempt_and_health_fields"),
    ("applications", "0005_last_activity"),
]
AFTER = [
    ("reminders", "0005_reminder_steps"),
    ("applications", "0006_company_reapply_after_months"),
]


@pytest.mark.django_db(transaction=True)
def test_every_existing_reminder_survives_as_a_circle_back_step():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("accounts", "User")
    Company = old.get_model("applications", "Company")
    Application = old.get_model("applications", "Application")
    Reminder = old.get_model("reminders", "Reminder")
    user = User.objects.create(email="old@example.com")
    company = Company.objects.create(user=user, name="Acme")
    now = datetime.datetime(2026, 3, 3, 9, tzinfo=datetime.UTC)
    ids = []
    for n, status in enumerate(("scheduled", "sent", "done", "failed")):
        application = Application.objects.create(user=user, company=company, role=f"Role {n}")
        extra = {"sent_at": now} if status == "sent" else {}
        ids.append(
            Reminder.objects.create(
                user=user,
                application=application,
                kind="rejected",
                counted_from=datetime.date(2026, 2, 1),
                cooling_off_days=30,
                due_date=datetime.date(2026, 3, 3),
                due_at=now,
                next_attempt_at=now,
                status=status,
                occurrence=2,
                **extra,
            ).pk
        )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    rows = list(new.get_model("reminders", "Reminder").objects.order_by("pk").values())
    assert [row["id"] for row in rows] == ids
    assert {row["step"] for row in rows} == {"circle_back"}
    assert [row["status"] for row in rows] == ["scheduled", "sent", "done", "failed"]
    assert {
        (row["occurrence"], row["cooling_off_days"], row["interval_months"]) for row in rows
    } == {(2, 30, None)}

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
