"""The digest: one email a day or a week with every step that fell due, each
with its own signed links; claimed and sent with the engine's guarantees."""

import datetime
import smtplib

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from reminders import digest as digests
from reminders import engine, links
from reminders.models import Digest, DigestStatus, Reminder, ReminderStatus
from reminders.services import reminder_settings_get
from tests.factories import ReminderFactory, UserFactory
from tests.reminders.helpers import links_in_text, path_of

pytestmark = pytest.mark.django_db

# Tuesday 10 March 2026, 09:00 UTC: the users' send time (UTC zone).
SLOT = datetime.datetime(2026, 3, 10, 9, tzinfo=datetime.UTC)


@pytest.fixture
def seeker(db):
    user = UserFactory(name="Jo Seeker")
    settings_ = reminder_settings_get(user=user)
    settings_.digest_mode = "daily"
    settings_.save()
    return user


def due(user, n, at=SLOT):
    return [ReminderFactory(user=user, due_at=at, due_date=at.date()) for _ in range(n)]


def sweep_and_send(now):
    result = digests.digest_sweep(now=now)
    outcomes = [
        digests.digest_send(digest_id=digest_id, token=token) for digest_id, token in result.claimed
    ]
    return result, outcomes


def test_a_daily_digest_sends_every_due_step_once_in_one_email(seeker):
    items = due(seeker, 3)
    with time_machine.travel(SLOT + datetime.timedelta(seconds=5), tick=False):
        # The engine leaves a digest user's steps alone.
        assert engine.sweep(now=timezone.now()).claimed == 0
        _, outcomes = sweep_and_send(timezone.now())
        assert outcomes == [digests.DigestOutcome.SENT]
        again, _ = sweep_and_send(timezone.now())
    assert again.claimed == []
    (message,) = mail.outbox
    digest = Digest.objects.get()
    assert digest.status == DigestStatus.SENT
    assert message.extra_headers["Message-ID"] == f"<digest-{digest.pk}@ajar.localhost>"
    assert message.subject == "Today in Ajar: 3 doors to knock on"
    for item in items:
        item.refresh_from_db()
        assert item.status == ReminderStatus.SENT
        assert item.application.role in message.body
    # Each item has its own Done, three Snoozes and a Dismiss: five signed links.
    action_links = [u for u in links_in_text(message.body) if "/reminders/email/" in u]
    assert len(action_links) == 3 * 5
    with time_machine.travel(SLOT, tick=False):
        claims = {
            links.read_action_token(path_of(u).rstrip("/").split("/")[-1]) for u in action_links
        }
    assert {claim.reminder_id for claim in claims} == {item.pk for item in items}


def test_a_weekly_digest_waits_for_its_weekday(seeker):
    settings_ = reminder_settings_get(user=seeker)
    settings_.digest_mode = "weekly"
    settings_.digest_weekday = 0  # Monday
    settings_.save()
    due(seeker, 2)  # due Tuesday 10 March
    with time_machine.travel(SLOT + datetime.timedelta(days=1), tick=False):
        assert sweep_and_send(timezone.now())[0].claimed == []
    monday = datetime.datetime(2026, 3, 16, 9, 0, 1, tzinfo=datetime.UTC)
    with time_machine.travel(monday, tick=False):
        _, outcomes = sweep_and_send(timezone.now())
    assert outcomes == [digests.DigestOutcome.SENT]
    assert mail.outbox[0].subject == "Your week in Ajar: 2 doors to knock on"


def test_a_step_due_later_in_the_day_waits_for_the_next_digest(seeker):
    due(seeker, 1)
    due(seeker, 1, at=SLOT + datetime.timedelta(hours=3))
    with time_machine.travel(SLOT + datetime.timedelta(hours=4), tick=False):
        sweep_and_send(timezone.now())
    assert Digest.objects.get().items.count() == 1
    assert Reminder.objects.filter(status=ReminderStatus.SCHEDULED).count() == 1


def test_a_transient_failure_retries_the_same_digest_with_the_same_message_id(seeker, monkeypatch):
    items = due(seeker, 2)
    calls = []

    def flaky(message):
        calls.append(message.extra_headers["Message-ID"])
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("gone")
        mail.outbox.append(message)

    monkeypatch.setattr(digests.mailer, "send", flaky)
    with time_machine.travel(SLOT, tick=False):
        _, outcomes = sweep_and_send(timezone.now())
    assert outcomes == [digests.DigestOutcome.RETRY]
    digest = Digest.objects.get()
    assert (digest.status, digest.attempts) == (DigestStatus.SCHEDULED, 1)
    assert set(digest.items.values_list("status", flat=True)) == {ReminderStatus.SCHEDULED}
    with time_machine.travel(SLOT + datetime.timedelta(minutes=5), tick=False):
        _, outcomes = sweep_and_send(timezone.now())
    assert outcomes == [digests.DigestOutcome.SENT]
    assert calls[0] == calls[1]
    assert Digest.objects.count() == 1
    assert {r.status for r in Reminder.objects.filter(pk__in=[i.pk for i in items])} == {
        ReminderStatus.SENT
    }


def test_a_digest_whose_worker_died_is_resent_once_with_the_same_message_id(seeker):
    due(seeker, 2)
    with time_machine.travel(SLOT, tick=False):
        result = digests.digest_sweep(now=timezone.now())  # claimed; the worker dies
    ((digest_id, dead_token),) = result.claimed
    later = SLOT + datetime.timedelta(minutes=11)  # past the 10-minute lease
    with time_machine.travel(later, tick=False):
        engine.sweep(now=timezone.now())  # the engine's reclaim may run first
        result, outcomes = sweep_and_send(timezone.now())
        # The dead worker's message, delivered late, is stale.
        assert digests.digest_send(digest_id=digest_id, token=dead_token) == "stale"
    assert result.reclaimed == 1
    assert outcomes == [digests.DigestOutcome.SENT]
    (message,) = mail.outbox
    assert message.extra_headers["Message-ID"].startswith(f"<digest-{digest_id}@")
    assert Reminder.objects.filter(status=ReminderStatus.SENT).count() == 2


def test_a_permanent_failure_fails_the_items_so_the_user_sees_them(seeker, monkeypatch):
    due(seeker, 2)

    def refuse(message):
        raise smtplib.SMTPRecipientsRefused({seeker.email: (550, b"no such user")})

    monkeypatch.setattr(digests.mailer, "send", refuse)
    with time_machine.travel(SLOT, tick=False):
        _, outcomes = sweep_and_send(timezone.now())
    assert outcomes == [digests.DigestOutcome.FAILED]
    assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.FAILED}


def test_email_off_sends_nothing_and_keeps_the_steps_scheduled(seeker):
    due(seeker, 1)
    settings_ = reminder_settings_get(user=seeker)
    settings_.email_enabled = False
    settings_.save()
    with time_machine.travel(SLOT, tick=False):
        assert sweep_and_send(timezone.now())[0].claimed == []
    assert mail.outbox == []
    assert Reminder.objects.get().status == ReminderStatus.SCHEDULED


def test_one_email_per_reminder_users_are_the_engines(db):
    ReminderFactory(due_at=SLOT)
    with time_machine.travel(SLOT, tick=False):
        assert digests.digest_sweep(now=timezone.now()).created == 0
        assert engine.sweep(now=timezone.now()).claimed == 1
