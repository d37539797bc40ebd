"""The activity log, and deleting the account."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from applications.models import Application, Attachment, Stage, StageEvent
from contacts.models import Contact
from reminders import engine
from reminders.models import Reminder
from tests.factories import (
    ApplicationFactory,
    ContactFactory,
    InteractionFactory,
    ReminderFactory,
)
from tests.portability.helpers import fill_account

pytestmark = pytest.mark.django_db


def test_activity_log_page_and_csv(user_client, user):
    app = ApplicationFactory(
        user=user, company__name="Acme", role="Dev", applied_on=datetime.date(2026, 1, 5)
    )
    talk = InteractionFactory(user=user, application=app, occurred_on=datetime.date(2026, 1, 6))
    talk.contacts.add(ContactFactory(user=user, name="Bob"))
    url = reverse("portability:activity")
    page = user_client.get(url, {"start": "2026-01-01", "end": "2026-01-31"}).content.decode()
    assert "Applied" in page
    assert "Bob" in page
    assert "css/print.css" in page
    response = user_client.get(url, {"start": "2026-01-01", "end": "2026-01-31", "format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0].startswith("Date,Employer,Position")
    assert "2026-01-05,Acme,Dev,Applied" in body
    bad = user_client.get(url, {"start": "2026-02-01", "end": "2026-01-01"})
    assert bad.status_code == 400


# --- Deleting the account -------------------------------------------------------------------


def test_deleting_needs_the_password_and_deletes_everything(
    client, user, django_capture_on_commit_callbacks
):
    fill_account(user)
    assert sorted(Attachment.objects.filter(user=user).values_list("kind", flat=True)) == [
        "enclosed",
        "letter",
    ]
    client.force_login(user)
    url = reverse("portability:account_delete")
    assert "Download a backup first" in client.get(url).content.decode()
    wrong = client.post(url, {"password": "nope"})
    assert wrong.status_code == 200
    assert User.objects.filter(pk=user.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"password": "correct horse battery"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    for model in (Application, Attachment, Contact, Reminder):
        assert not model.objects.filter(pk__isnull=False, user_id=user.pk).exists()
    assert mail.outbox[-1].to == [user.email]
    assert "deleted" in mail.outbox[-1].subject
    assert client.get(reverse("dashboard")).status_code == 302


def test_a_claimed_reminder_is_not_delivered_after_the_account_is_deleted(user):
    reminder = ReminderFactory(user=user, due_at=timezone.now() - datetime.timedelta(minutes=1))
    claim = engine.claim_batch(now=timezone.now())
    assert claim is not None
    assert reminder.pk in claim.reminder_ids
    from portability.services import account_delete

    account_delete(user=user)
    outcome = engine.reminder_send(reminder_id=reminder.pk, token=claim.token)
    assert outcome == engine.SendOutcome.STALE
    assert not [m for m in mail.outbox if "deleted" not in m.subject]


@pytest.mark.parametrize("n", [5, 1000])
def test_activity_log_and_exports_query_counts_stay_flat(
    user_client, user, django_assert_max_num_queries, n
):
    apps = [
        ApplicationFactory(user=user, applied_on=datetime.date(2026, 1, 5))
        for _ in range(min(n, 50))
    ]
    if n > len(apps):
        # The rest in bulk: the counts, not the seeding, are what is measured.
        from applications.models import Company

        company = Company.objects.create(user=user, name="Bulk")
        more = Application.objects.bulk_create(
            Application(
                user=user, company=company, role=f"R{i}", applied_on=datetime.date(2026, 2, 1)
            )
            for i in range(n - len(apps))
        )
        StageEvent.objects.bulk_create(
            StageEvent(application=a, stage=Stage.APPLIED, occurred_on=a.applied_on) for a in more
        )
    with django_assert_max_num_queries(12):
        response = user_client.get(
            reverse("portability:activity"), {"start": "2026-01-01", "end": "2026-12-31"}
        )
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        b"".join(user_client.get(reverse("portability:export_applications")).streaming_content)
