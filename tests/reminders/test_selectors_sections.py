"""The Reminders page's sections: each an index range read in its order, the
"due" section merging the rows being sent with the scheduled ones past due."""

import datetime

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from reminders import engine
from reminders.models import Reminder, ReminderStatus
from reminders.selectors import SECTION_KEYS, reminder_section
from tests.factories import ReminderFactory, UserFactory

pytestmark = pytest.mark.django_db


def _plan(queryset) -> str:
    """The plan PostgreSQL picks when a sort or a table scan costs more than
    anything else it can do: a plan with neither means an index gives the
    rows in order, whatever the table's size."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off; SET LOCAL enable_seqscan = off")
        return queryset.explain()


@pytest.mark.parametrize("key", SECTION_KEYS)
def test_each_section_reads_its_first_rows_in_order_from_an_index(user, key):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plans")
    now = timezone.now()
    ReminderFactory(user=user, due_at=now)
    plan = _plan(reminder_section(user, key, now=now).rows(0, 10))
    # Not every match sorted to keep 10 (the "due" section sorted 12,000 at
    # 200,000 applications), nor the ties of one due time.
    assert "Sort  (" not in plan, plan
    assert "Incremental Sort" not in plan, plan
    assert "Seq Scan on reminders_reminder" not in plan, plan


def test_a_users_reminders_are_read_through_indexes_whatever_their_status(user):
    """reminder_user_status_idx leaves the rows being sent out (the claim
    writes no entry into it); for_user() reads those through the sending index."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plans")
    plan = _plan(Reminder.objects.for_user(user).order_by().values("sent_at"))
    assert "Seq Scan" not in plan, plan
    assert "reminder_user_status_idx" in plan, plan
    assert "reminder_sending_lease_idx" in plan, plan


def test_the_due_section_merges_the_rows_being_sent_with_those_past_due_page_by_page(
    user_client, user, django_capture_on_commit_callbacks
):
    now = timezone.now()
    due = [
        ReminderFactory(user=user, due_at=now - datetime.timedelta(hours=hours))
        for hours in range(1, 31)
    ]
    # Every third one claimed by a sweep: being sent now, still in "due".
    sending = due[::3]
    Reminder.objects.filter(pk__in=[r.pk for r in due if r not in sending]).update(
        next_attempt_at=now + datetime.timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=False):
        claim = engine.claim_batch(now=now)
    assert claim is not None
    assert sorted(claim.reminder_ids) == sorted(r.pk for r in sending)
    ReminderFactory(user=UserFactory(), due_at=now - datetime.timedelta(hours=2))  # not mine
    oldest_first = [r.pk for r in sorted(due, key=lambda r: (r.due_at, r.pk))]

    shown = []
    for page in (1, 2):
        response = user_client.get(reverse("reminders:list"), {"section": "due", "page": page})
        (section,) = response.context["sections"]
        shown += [r.pk for r in section["reminders"]]
        assert str(section["total"]) == "30"
    assert shown == oldest_first
    statuses = dict(Reminder.objects.filter(pk__in=shown).values_list("pk", "status"))
    assert {pk for pk, status in statuses.items() if status == ReminderStatus.SENDING} == {
        r.pk for r in sending
    }
