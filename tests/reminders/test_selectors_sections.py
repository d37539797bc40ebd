"""The Reminders page's sections: each an index range read in its order, the
"due" section merging the rows being sent with the scheduled ones past due."""

import datetime
import uuid

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from reminders import engine
from reminders.models import Reminder, ReminderStatus
from reminders.selectors import (
    SECTION_KEYS,
    _section_parts,
    reminder_section,
    reminder_section_counts,
)
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


def test_a_sections_count_adds_up_its_ranges_and_stops_at_the_cap(user):
    """Each range of a section is counted on its own (an index scan each, where
    their OR scanned the table): the sum is exact under the cap and past it
    exactly when the section's rows are."""
    now = timezone.now()
    for hours in (1, 2):
        ReminderFactory(user=user, due_at=now - datetime.timedelta(hours=hours))
    for minutes in (5, 6):
        sending = ReminderFactory(user=user, due_at=now - datetime.timedelta(minutes=minutes))
        Reminder.objects.filter(pk=sending.pk).update(
            status=ReminderStatus.SENDING,
            claim_token=uuid.uuid4(),
            lease_expires_at=now + datetime.timedelta(minutes=10),
        )
    ReminderFactory(user=user, due_at=now + datetime.timedelta(days=3))
    waiting = ReminderFactory(user=user, due_at=now + datetime.timedelta(days=9))
    Reminder.objects.filter(pk=waiting.pk).update(status=ReminderStatus.WAITING)
    exact = reminder_section_counts(user, now=now, cap=10)
    assert (exact["due"].value, exact["upcoming"].value, exact["snoozed"].value) == (4, 2, 0)
    assert not exact["due"].capped
    capped = reminder_section_counts(user, now=now, cap=3)
    assert capped["due"].capped
    assert str(capped["due"]) == "3+"
    assert (capped["upcoming"].value, capped["upcoming"].capped) == (2, False)


def test_the_snoozed_section_is_counted_from_its_own_index(user):
    """reminder_snoozed_idx holds only the snoozed rows: their count does not
    read every scheduled row due later (22,000 index entries for 1,000 at
    200,000 applications)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plans")
    now = timezone.now()
    ReminderFactory(user=user, due_at=now + datetime.timedelta(days=7), snoozed_count=1)
    for days in range(150):  # scheduled later, never snoozed: most of such a section's range
        ReminderFactory(user=user, due_at=now + datetime.timedelta(days=days + 1))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reminders_reminder")
    (part,) = _section_parts("snoozed", now)
    plan = _plan(Reminder.objects.for_user(user).filter(part).values("id"))
    assert "reminder_snoozed_idx" in plan, plan


def test_the_upcoming_section_skips_the_snoozed_rows_in_its_own_index(user):
    """reminder_upcoming_idx holds only the scheduled rows never snoozed: the
    snoozed ones, due sooner, are not read one row at a time to be skipped
    (4,000 heap reads for 1,001 counted at 200,000 applications)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plans")
    now = timezone.now()
    for days in range(150):  # snoozed, due within weeks: first in due order
        ReminderFactory(user=user, due_at=now + datetime.timedelta(hours=days + 1), snoozed_count=1)
    ReminderFactory(user=user, due_at=now + datetime.timedelta(days=30))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reminders_reminder")
    first, _waiting = _section_parts("upcoming", now)
    # As the page picks a section's rows and counts them: their ids in due order.
    rows = Reminder.objects.for_user(user).filter(first).order_by("due_at", "id")
    plan = _plan(rows.values_list("due_at", "id")[:10])
    assert "Index Only Scan using reminder_upcoming_idx" in plan, plan
    assert "Filter" not in plan, plan
