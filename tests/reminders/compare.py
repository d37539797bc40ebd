"""Comparing what rejections_log_bulk writes with what rejection_log writes."""

import datetime

from applications.models import Application, Rejection, StageEvent, StatsCount
from reminders.models import Reminder
from reminders.services import circle_backs_overdue_settle, rejection_log

EARLIER_DUE = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)

REMINDER_FIELDS = (
    "step",
    "kind",
    "status",
    "counted_from",
    "cooling_off_days",
    "interval_months",
    "due_date",
    "due_at",
    "next_attempt_at",
    "attempts",
    "last_error",
    "claim_token",
    "claimed_at",
    "lease_expires_at",
    "occurrence",
    "snoozed_count",
    "failure_acknowledged",
    "contact_id",
)


def snapshot(user) -> dict:
    """Every row the two ways write, keyed by company and role; ids and the
    instants of the writes themselves left out (set or not is compared)."""
    apps = {}
    for app in Application.objects.for_user(user).select_related("company").order_by("pk"):
        rejection = Rejection.objects.filter(application=app).first()
        steps = list(Reminder.objects.filter(application=app).order_by("id"))
        apps[(app.company.name, app.role)] = {
            "application": (
                app.current_stage,
                app.furthest_stage,
                app.outcome,
                app.outcome_on,
                app.last_activity_on,
                app.applied_on,
                app.search_text,
                sorted(app.stats_keys or []),
            ),
            "rejection": rejection
            and (
                rejection.received_on,
                rejection.stage_reached,
                rejection.channel,
                rejection.letter_text,
                rejection.feedback,
                rejection.invited_to_reapply,
                rejection.user_id == user.pk,
            ),
            "events": sorted(
                StageEvent.objects.filter(application=app).values_list(
                    "stage", "occurred_on", "scheduled_at", "note"
                )
            ),
            "steps": [
                (
                    *(getattr(step, name) for name in REMINDER_FIELDS),
                    step.user_id == user.pk,
                    step.rejection_id == (rejection and rejection.pk),
                    step.sent_at is None,
                    step.resolved_at is None,
                )
                for step in steps
            ],
        }
    counts = dict(StatsCount.objects.filter(user=user).values_list("key", "n"))
    return {"applications": apps, "stats": {k: n for k, n in counts.items() if n}}


def assert_same(bulk: dict, one: dict) -> None:
    assert bulk["applications"].keys() == one["applications"].keys()
    for key, rows in one["applications"].items():
        for part, expected in rows.items():
            assert bulk["applications"][key][part] == expected, (key, part)
    assert bulk["stats"] == one["stats"]


def log_one_by_one(user, closings, choice):
    """The rule for one rejection, applied to each, then the old ones settled."""
    results = [
        rejection_log(
            user=user,
            application=closing.application,
            stage_reached=closing.stage_reached,
            received_on=closing.received_on,
            ghosted=closing.ghosted,
        )
        for closing in closings
    ]
    for reminder in circle_backs_overdue_settle(
        user=user, reminders=[r.reminder for r in results], choice=choice
    ):
        reminder.save()
    return results
