"""The engine's services, one step at a time, without a worker. Time moves with
time-machine; SMTP failures come from a real aiosmtpd server."""

import datetime
import logging
import smtplib
import socket
import time
import uuid

import psycopg2
import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from reminders import engine, mailer, services, tasks
from reminders.engine import SendOutcome
from reminders.models import Heartbeat, Reminder, ReminderSettings, ReminderStatus
from tests.engine.conftest import statuses
from tests.engine.processes import wait_until
from tests.engine.smtp import SmtpServer, TrickleServer, free_port
from tests.factories import ReminderFactory, UserFactory

NOW = datetime.datetime(2026, 3, 3, 9, 0, tzinfo=datetime.UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(settings, monkeypatch):
    # Claims enqueue on commit; these tests run the sends themselves instead,
    # and no send message waits in a broker.
    monkeypatch.setattr(engine, "queued_sends", lambda: 0)
    settings.AJAR_SEND_RATE_PER_SECOND = 0
    settings.AJAR_RETRY_JITTER = 0
    settings.AJAR_RETRY_BACKOFF_MINUTES = [1, 2, 4, 8, 16, 32]
    settings.AJAR_MAX_ATTEMPTS = 6
    settings.AJAR_SWEEP_BATCH_SIZE = 1000


@pytest.fixture
def smtp(settings):
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_TIMEOUT = 5
    yield server
    mailer.close()
    server.stop()


def sweep_at(now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        return engine.sweep(now=now)


def claimed(result) -> list[tuple[int, str]]:
    return [(rid, str(claim.token)) for claim in result.batches for rid in claim.reminder_ids]


def send_all(result) -> list[str]:
    return [engine.reminder_send(reminder_id=rid, token=tok) for rid, tok in claimed(result)]


def test_a_due_reminder_is_claimed_and_sent_once(django_capture_on_commit_callbacks):
    reminder = ReminderFactory(due_at=NOW - datetime.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = engine.sweep(now=NOW)
    assert result.claimed == 1
    assert len(callbacks) == 1  # the send is enqueued only after the claim commits
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENDING
    # Until a worker starts it, the claim holds only for the dispatch deadline.
    assert reminder.lease_expires_at == NOW + engine.settings.AJAR_DISPATCH_DEADLINE

    assert send_all(result) == [SendOutcome.SENT]
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT
    assert reminder.claim_token is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [reminder.user.email]
    assert mail.outbox[0].extra_headers["Message-ID"].startswith(f"<reminder-{reminder.pk}-1@")


def test_a_reminder_not_yet_due_is_left_alone(django_capture_on_commit_callbacks):
    ReminderFactory(due_at=NOW + datetime.timedelta(seconds=1))
    assert sweep_at(NOW, django_capture_on_commit_callbacks).claimed == 0


def test_a_second_sweep_claims_nothing(django_capture_on_commit_callbacks):
    ReminderFactory.create_batch(3, due_at=NOW)
    assert sweep_at(NOW, django_capture_on_commit_callbacks).claimed == 3
    assert sweep_at(NOW, django_capture_on_commit_callbacks).claimed == 0


def test_a_sweep_claims_batch_after_batch(settings, django_capture_on_commit_callbacks):
    settings.AJAR_SWEEP_BATCH_SIZE = 2
    user = UserFactory()
    ReminderFactory.create_batch(5, user=user, due_at=NOW)
    result = sweep_at(NOW, django_capture_on_commit_callbacks)
    assert [len(c.reminder_ids) for c in result.batches] == [2, 2, 1]
    assert len({rid for rid, _tok in claimed(result)}) == 5


def test_a_claim_lists_its_reminders_oldest_due_first(django_capture_on_commit_callbacks):
    # Created newest first, so neither the id order nor the heap order is the due order.
    reminders = [
        ReminderFactory(due_at=NOW - datetime.timedelta(minutes=minutes)) for minutes in (1, 3, 2)
    ]
    with django_capture_on_commit_callbacks(execute=False):
        claim = engine.claim_batch(now=NOW)
    assert claim is not None
    assert claim.reminder_ids == [reminders[1].pk, reminders[2].pk, reminders[0].pk]


def _planner_settings() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin'), "
            "current_setting('enable_sort'), current_setting('jit')"
        )
        return list(cursor.fetchone())


def test_a_claim_inside_a_callers_transaction_leaves_its_planner_settings(
    django_capture_on_commit_callbacks,
):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner settings")
    ReminderFactory(due_at=NOW)
    before = _planner_settings()
    # The test's own transaction is the caller's here.
    with django_capture_on_commit_callbacks(execute=False):
        assert engine.claim_batch(now=NOW) is not None
    assert _planner_settings() == before


def test_a_send_rate_cap_limits_one_sweep(settings, django_capture_on_commit_callbacks):
    settings.AJAR_SEND_RATE_PER_SECOND = 0.05
    settings.AJAR_SWEEP_INTERVAL = 60
    ReminderFactory.create_batch(5, user=UserFactory(), due_at=NOW)
    assert sweep_at(NOW, django_capture_on_commit_callbacks).claimed == 3


@pytest.mark.parametrize(
    "make_ineligible",
    [
        pytest.param(
            lambda r: type(r.user).objects.filter(pk=r.user_id).update(is_active=False),
            id="inactive user",
        ),
        pytest.param(
            lambda r: EmailAddress.objects.filter(user=r.user).update(verified=False),
            id="unverified address",
        ),
        pytest.param(
            lambda r: ReminderSettings.objects.filter(user=r.user).update(email_enabled=False),
            id="email off",
        ),
        pytest.param(
            lambda r: ReminderSettings.objects.filter(user=r.user).update(
                email_enabled_at=NOW - datetime.timedelta(minutes=1)
            ),
            id="fell due while email was off",
        ),
    ],
)
def test_an_ineligible_reminder_is_never_claimed(
    make_ineligible, django_capture_on_commit_callbacks
):
    reminder = ReminderFactory(due_at=NOW - datetime.timedelta(hours=1))
    make_ineligible(reminder)
    assert sweep_at(NOW, django_capture_on_commit_callbacks).claimed == 0
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SCHEDULED  # still shown as due in the app


def test_a_verified_secondary_address_does_not_count(django_capture_on_commit_callbacks):
    reminder = ReminderFactory(due_at=NOW)
    EmailAddress.objects.filter(user=reminder.user).update(verified=False)
    EmailAddress.objects.create(user=reminder.user, email="other@example.com", verified=True)
    assert sweep_at(NOW, django_capture_on_commit_callbacks).claimed == 0


def test_a_claim_no_worker_started_is_reclaimed_after_the_dispatch_deadline_at_no_cost(
    settings, django_capture_on_commit_callbacks
):
    reminder = ReminderFactory(due_at=NOW)
    first = sweep_at(NOW, django_capture_on_commit_callbacks)
    ((_rid, old_token),) = claimed(first)
    # Its message was lost (a broker flush): nothing until the dispatch deadline.
    deadline = NOW + settings.AJAR_DISPATCH_DEADLINE
    almost = deadline - datetime.timedelta(seconds=1)
    assert sweep_at(almost, django_capture_on_commit_callbacks).claimed == 0
    second = sweep_at(deadline, django_capture_on_commit_callbacks)
    # Reclaimed and claimed again at once, with a new token.
    assert (second.reclaimed, second.claimed) == (1, 1)
    # The lost message, if it ever arrives, is refused by its old token.
    assert engine.reminder_send(reminder_id=reminder.pk, token=old_token) == SendOutcome.STALE
    assert send_all(second) == [SendOutcome.SENT]
    assert len(mail.outbox) == 1
    reminder.refresh_from_db()
    assert reminder.attempts == 0  # no SMTP attempt was made before the reclaim


def test_lost_dispatches_never_make_a_reminder_fail(settings, django_capture_on_commit_callbacks):
    settings.AJAR_MAX_ATTEMPTS = 2
    reminder = ReminderFactory(due_at=NOW)
    now = NOW
    for _ in range(6):
        sweep_at(now, django_capture_on_commit_callbacks)
        now += settings.AJAR_DISPATCH_DEADLINE
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (ReminderStatus.SENDING, 0)


def start_then_die(result) -> None:
    """A worker began the attempt (committed), then died before the outcome."""
    for rid, token in claimed(result):
        assert engine.begin_attempt(reminder_id=rid, token=token)


def test_a_started_send_whose_worker_died_is_reclaimed_after_its_lease_as_an_attempt(
    settings, django_capture_on_commit_callbacks
):
    reminder = ReminderFactory(due_at=NOW)
    with time_machine.travel(NOW, tick=False):
        start_then_die(sweep_at(NOW, django_capture_on_commit_callbacks))
    # Started: the dispatch deadline no longer applies, the lease does.
    later = NOW + settings.AJAR_DISPATCH_DEADLINE
    assert sweep_at(later, django_capture_on_commit_callbacks).reclaimed == 0
    expiry = NOW + settings.AJAR_REMINDER_LEASE
    second = sweep_at(expiry, django_capture_on_commit_callbacks)
    assert (second.reclaimed, second.claimed) == (1, 1)
    reminder.refresh_from_db()
    assert reminder.attempts == 1  # the lost attempt counts
    assert "lease expired" in reminder.last_error


@pytest.mark.django_db(transaction=True)
def test_a_started_send_no_worker_holds_is_reclaimed_at_the_sweep_after_next(
    settings, django_capture_on_commit_callbacks
):
    """A live send holds its row lock; a dead worker's lock is gone. The next
    sweep cuts the lease of the unlocked one to the grace, the one after
    reclaims it; the locked one keeps its lease."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    with transaction.atomic():  # the factories lock the application's stats row
        dead, alive = ReminderFactory(due_at=NOW), ReminderFactory(due_at=NOW)
    with time_machine.travel(NOW, tick=False):
        start_then_die(sweep_at(NOW, django_capture_on_commit_callbacks))
    grace = engine.orphan_grace()
    params = connection.get_connection_params()
    holder = psycopg2.connect(**{key: params[key] for key in _DSN_KEYS if params.get(key)})
    try:
        with holder.cursor() as cursor:  # the live worker's locked transaction
            cursor.execute("SELECT 1 FROM reminders_reminder WHERE id = %s FOR UPDATE", [alive.pk])
        later = NOW + 2 * grace
        first = sweep_at(later, django_capture_on_commit_callbacks)
        assert (first.orphaned, first.reclaimed) == (1, 0)
        dead.refresh_from_db()
        alive.refresh_from_db()
        assert dead.lease_expires_at == later + grace
        # /health/ tells it from a live send from then on.
        assert list(Reminder.objects.filter(engine.orphaned_q()).values_list("pk", flat=True)) == [
            dead.pk
        ]
        assert alive.lease_expires_at == NOW + settings.AJAR_REMINDER_LEASE

        second = sweep_at(later + grace, django_capture_on_commit_callbacks)
        assert second.reclaimed == 1
        dead.refresh_from_db()
        assert dead.attempts == 1  # the lost attempt counts
        assert statuses([alive]) == {ReminderStatus.SENDING: 1}
    finally:
        holder.close()


_DSN_KEYS = ("dbname", "host", "port", "user", "password")


def test_a_reminder_that_keeps_losing_its_worker_ends_failed(
    settings, django_capture_on_commit_callbacks
):
    settings.AJAR_MAX_ATTEMPTS = 2
    reminder = ReminderFactory(due_at=NOW)
    now = NOW
    for _ in range(2):
        with time_machine.travel(now, tick=False):
            start_then_die(sweep_at(now, django_capture_on_commit_callbacks))
        now += settings.AJAR_REMINDER_LEASE
    sweep_at(now, django_capture_on_commit_callbacks)
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.FAILED
    assert "lease expired" in reminder.last_error


def test_the_same_send_twice_sends_one_email(django_capture_on_commit_callbacks):
    ReminderFactory(due_at=NOW)
    result = sweep_at(NOW, django_capture_on_commit_callbacks)
    assert send_all(result) == [SendOutcome.SENT]
    assert send_all(result) == [SendOutcome.STALE]
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "status", [ReminderStatus.CANCELLED, ReminderStatus.DISMISSED, ReminderStatus.DONE]
)
def test_a_reminder_resolved_after_its_claim_is_not_sent(
    status, django_capture_on_commit_callbacks
):
    reminder = ReminderFactory(due_at=NOW)
    result = sweep_at(NOW, django_capture_on_commit_callbacks)
    Reminder.objects.filter(pk=reminder.pk).update(status=status, claim_token=None)
    assert send_all(result) == [SendOutcome.STALE]
    assert mail.outbox == []
    reminder.refresh_from_db()
    assert reminder.status == status


def test_email_turned_off_after_the_claim_sends_nothing_and_keeps_it_scheduled(
    django_capture_on_commit_callbacks,
):
    reminder = ReminderFactory(due_at=NOW)
    result = sweep_at(NOW, django_capture_on_commit_callbacks)
    ReminderSettings.objects.filter(user=reminder.user).update(email_enabled=False)
    assert send_all(result) == [SendOutcome.NOT_SENDABLE]
    assert mail.outbox == []
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SCHEDULED
    assert sweep_at(NOW, django_capture_on_commit_callbacks).claimed == 0


def test_a_4xx_reply_schedules_a_retry_with_backoff(smtp, django_capture_on_commit_callbacks):
    smtp.handler.fail_data = ["451 4.3.0 Mailbox busy", "452 4.3.1 Out of space"]
    reminder = ReminderFactory(due_at=NOW)
    with time_machine.travel(NOW, tick=False):
        assert send_all(sweep_at(NOW, django_capture_on_commit_callbacks)) == [SendOutcome.RETRY]
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SCHEDULED
    assert reminder.attempts == 1
    assert reminder.next_attempt_at == NOW + datetime.timedelta(minutes=1)
    assert "451" in reminder.last_error
    # Not before the backoff has passed.
    almost = NOW + datetime.timedelta(seconds=59)
    assert sweep_at(almost, django_capture_on_commit_callbacks).claimed == 0

    later = NOW + datetime.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert send_all(sweep_at(later, django_capture_on_commit_callbacks)) == [SendOutcome.RETRY]
    reminder.refresh_from_db()
    assert reminder.next_attempt_at == later + datetime.timedelta(minutes=2)

    last = later + datetime.timedelta(minutes=2)
    with time_machine.travel(last, tick=False):
        assert send_all(sweep_at(last, django_capture_on_commit_callbacks)) == [SendOutcome.SENT]
    assert len(smtp.handler.received) == 1
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (ReminderStatus.SENT, 2)


def test_a_refused_connection_is_transient(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    reminder = ReminderFactory(due_at=NOW)
    assert send_all(sweep_at(NOW, django_capture_on_commit_callbacks)) == [SendOutcome.RETRY]
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SCHEDULED
    assert "ConnectionRefusedError" in reminder.last_error


def test_the_last_attempt_fails_for_good(settings, smtp, django_capture_on_commit_callbacks):
    settings.AJAR_MAX_ATTEMPTS = 2
    smtp.handler.fail_data = ["421 4.7.0 Try later"] * 2
    reminder = ReminderFactory(due_at=NOW)
    now = NOW
    outcomes = []
    for _ in range(2):
        with time_machine.travel(now, tick=False):
            outcomes += send_all(sweep_at(now, django_capture_on_commit_callbacks))
        now += datetime.timedelta(minutes=5)
    assert outcomes == [SendOutcome.RETRY, SendOutcome.FAILED]
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.FAILED
    assert "421" in reminder.last_error
    assert sweep_at(now, django_capture_on_commit_callbacks).claimed == 0


@pytest.mark.parametrize(
    ("where", "reply"),
    [("data", "554 5.7.1 Rejected as spam"), ("rcpt", "550 5.1.1 No such user")],
)
def test_a_5xx_fails_at_once_and_a_retry_sends_it(
    where, reply, smtp, django_capture_on_commit_callbacks
):
    if where == "data":
        smtp.handler.fail_data = [reply]
    else:
        smtp.handler.refuse_rcpt = reply
    reminder = ReminderFactory(due_at=NOW)
    assert send_all(sweep_at(NOW, django_capture_on_commit_callbacks)) == [SendOutcome.FAILED]
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (ReminderStatus.FAILED, 1)
    assert reply.split()[0] in reminder.last_error

    smtp.handler.refuse_rcpt = None
    later = NOW + datetime.timedelta(hours=1)
    services.reminder_retry(reminder=reminder, now=later)
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (ReminderStatus.SCHEDULED, 0)
    assert send_all(sweep_at(later, django_capture_on_commit_callbacks)) == [SendOutcome.SENT]
    assert len(smtp.handler.received) == 1


def test_only_a_failed_reminder_can_be_retried():
    reminder = ReminderFactory(due_at=NOW)
    with pytest.raises(services.NotFailed):
        services.reminder_retry(reminder=reminder)


def test_transient_and_permanent_errors_are_told_apart():
    assert engine._is_permanent(smtplib.SMTPDataError(554, b"no"))
    assert not engine._is_permanent(smtplib.SMTPDataError(451, b"later"))
    assert not engine._is_permanent(smtplib.SMTPRecipientsRefused({"a@b": (450, b"later")}))
    assert engine._is_permanent(smtplib.SMTPRecipientsRefused({"a@b": (550, b"no")}))
    assert not engine._is_permanent(TimeoutError())
    assert not engine._is_permanent(ConnectionRefusedError())


def test_backoff_follows_the_schedule_within_the_jitter(settings):
    settings.AJAR_RETRY_JITTER = 0.2
    for attempts, minutes in [(1, 1), (2, 2), (3, 4), (6, 32), (9, 32)]:
        delay = engine.backoff_delay(attempts).total_seconds() / 60
        assert minutes * 0.8 <= delay <= minutes * 1.2


def test_the_sweep_records_a_heartbeat(django_capture_on_commit_callbacks):
    ReminderFactory(due_at=NOW)
    sweep_at(NOW, django_capture_on_commit_callbacks)
    beat = Heartbeat.objects.get(name=engine.SWEEP_HEARTBEAT)
    assert beat.beat_at == NOW
    assert beat.detail == {"claimed": 1, "reclaimed": 0, "orphaned": 0}


# --- The health endpoint ------------------------------------------------------------


def test_health_is_ok_after_a_recent_sweep(client, django_capture_on_commit_callbacks):
    now = timezone.now()
    sweep_at(now, django_capture_on_commit_callbacks)
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] is True
    assert body["last_sweep"]["at"] == now.isoformat()
    assert body["overdue"] == {"count": 0, "oldest_age_seconds": 0.0}


def test_health_reports_a_stopped_beat(client, django_capture_on_commit_callbacks):
    sweep_at(NOW, django_capture_on_commit_callbacks)
    with time_machine.travel(NOW + datetime.timedelta(minutes=5, seconds=1)):
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["problems"] == ["no sweep in the last 5 minutes"]


def test_health_reports_late_reminders(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    ReminderFactory.create_batch(2, user=user, due_at=NOW - datetime.timedelta(minutes=16))
    ReminderFactory(user=user, due_at=NOW - datetime.timedelta(minutes=1), application__user=user)
    # The sweep ran, but (say) it found the broker down and released its claims.
    Heartbeat.objects.create(name=engine.SWEEP_HEARTBEAT, beat_at=NOW)
    with time_machine.travel(NOW, tick=False):
        response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["overdue"] == {"count": 3, "oldest_age_seconds": 960.0}
    assert body["problems"] == ["due reminders are 16 minutes late"]


def test_health_ignores_reminders_that_email_will_never_send(client):
    reminder = ReminderFactory(due_at=NOW - datetime.timedelta(days=2))
    ReminderSettings.objects.filter(user=reminder.user).update(email_enabled=False)
    Heartbeat.objects.create(name=engine.SWEEP_HEARTBEAT, beat_at=NOW)
    with time_machine.travel(NOW, tick=False):
        response = client.get("/health/")
    assert response.status_code == 200


def test_health_needs_no_login_and_is_not_cached(client):
    response = client.get("/health/")
    assert response.status_code == 503  # no sweep has ever run
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_one_smtp_connection_carries_the_sends_of_a_process(
    smtp, django_capture_on_commit_callbacks
):
    ReminderFactory.create_batch(3, due_at=NOW)
    assert send_all(sweep_at(NOW, django_capture_on_commit_callbacks)) == [SendOutcome.SENT] * 3
    assert len(smtp.handler.received) == 3
    assert smtp.handler.sessions == 1


def test_a_chunk_records_a_failure_against_its_reminder_alone_and_reconnects(
    smtp, django_capture_on_commit_callbacks
):
    first, second, third = ReminderFactory.create_batch(3, due_at=NOW)
    result = sweep_at(NOW, django_capture_on_commit_callbacks)
    (claim,) = result.batches
    smtp.handler.fail_data = ["451 4.3.0 Busy"]
    outcomes = engine.reminder_send_many(reminder_ids=claim.reminder_ids, token=claim.token)
    assert outcomes == [SendOutcome.RETRY, SendOutcome.SENT, SendOutcome.SENT]
    by_id = dict(zip(claim.reminder_ids, outcomes, strict=True))
    for reminder in (first, second, third):
        reminder.refresh_from_db()
        if by_id[reminder.pk] == SendOutcome.RETRY:
            assert (reminder.status, reminder.attempts) == (ReminderStatus.SCHEDULED, 1)
            assert "451" in reminder.last_error
        else:
            assert (reminder.status, reminder.attempts) == (ReminderStatus.SENT, 0)
    # The failed conversation's connection was dropped; the next send opened one.
    assert smtp.handler.sessions == 2
    assert len(smtp.handler.received) == 2


def test_a_chunk_skips_reminders_it_no_longer_holds(smtp, django_capture_on_commit_callbacks):
    kept, resolved = ReminderFactory.create_batch(2, due_at=NOW)
    (claim,) = sweep_at(NOW, django_capture_on_commit_callbacks).batches
    Reminder.objects.filter(pk=resolved.pk).update(
        status=ReminderStatus.DONE, claim_token=None, lease_expires_at=None
    )
    outcomes = engine.reminder_send_many(reminder_ids=claim.reminder_ids, token=claim.token)
    assert dict(zip(claim.reminder_ids, outcomes, strict=True)) == {
        kept.pk: SendOutcome.SENT,
        resolved.pk: SendOutcome.STALE,
    }
    assert smtp.handler.message_ids() == [
        f"<reminder-{kept.pk}-1@{engine.settings.AJAR_MESSAGE_ID_DOMAIN}>"
    ]


def test_an_idle_smtp_connection_is_replaced_not_risked(
    smtp, monkeypatch, django_capture_on_commit_callbacks
):
    # A server may have dropped a client idle this long: each send starts afresh.
    monkeypatch.setattr(mailer, "IDLE_SECONDS", 0.0)
    ReminderFactory.create_batch(2, due_at=NOW)
    assert send_all(sweep_at(NOW, django_capture_on_commit_callbacks)) == [SendOutcome.SENT] * 2
    assert smtp.handler.sessions == 2


# --- Bounded sends, possible deliveries, a changed schedule ----------------------------


def test_no_reply_after_data_is_possibly_delivered_and_waits_the_longest_backoff(
    settings, smtp, django_capture_on_commit_callbacks
):
    settings.EMAIL_TIMEOUT = 1
    smtp.handler.hold_at = "ACCEPTED"  # queued; the reply never comes in time
    reminder = ReminderFactory(due_at=NOW)
    result = sweep_at(NOW, django_capture_on_commit_callbacks)
    started = timezone.now()
    assert send_all(result) == [SendOutcome.POSSIBLY_DELIVERED]
    smtp.handler.release()
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SCHEDULED
    assert reminder.attempts == 1
    assert reminder.possibly_delivered_at is not None
    assert "after the end of DATA" in reminder.last_error
    # 32 minutes, the longest step, not the first step's one minute.
    assert reminder.next_attempt_at - started >= datetime.timedelta(minutes=32)


def test_a_trickled_greeting_is_cut_off_at_the_conversation_deadline(
    settings, django_capture_on_commit_callbacks
):
    trickle = TrickleServer(every=0.2)
    trickle.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", trickle.port
    settings.EMAIL_TIMEOUT = 5
    settings.AJAR_SMTP_DEADLINE_SECONDS = 1.0
    reminder = ReminderFactory(due_at=NOW)
    try:
        result = sweep_at(NOW, django_capture_on_commit_callbacks)
        started = timezone.now()
        assert send_all(result) == [SendOutcome.RETRY]
        took = (timezone.now() - started).total_seconds()
    finally:
        trickle.stop()
        mailer.close()
    assert took < 2.0  # one deadline, not a timeout per byte
    reminder.refresh_from_db()
    assert "SMTP conversation took longer than 1 s" in reminder.last_error


def test_a_kept_connection_the_server_dropped_is_replaced_without_a_failed_attempt(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(mailer, "NOOP_AFTER_SECONDS", 0.0)
    server = SmtpServer(idle_timeout=0.3)
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    try:
        ReminderFactory.create_batch(2, due_at=NOW)
        result = sweep_at(NOW, django_capture_on_commit_callbacks)
        ((rid1, tok1), (rid2, tok2)) = claimed(result)
        assert engine.reminder_send(reminder_id=rid1, token=tok1) == SendOutcome.SENT
        wait_until(lambda: server.established() == 0, 5, what="the idle disconnect")
        assert engine.reminder_send(reminder_id=rid2, token=tok2) == SendOutcome.SENT
        assert server.handler.sessions == 2
    finally:
        mailer.close()
        server.stop()


def test_a_retry_uses_the_schedule_as_it_is_now(smtp, django_capture_on_commit_callbacks):
    smtp.handler.fail_data = ["451 4.3.0 Busy"]
    reminder = ReminderFactory(due_at=NOW)
    result = sweep_at(NOW, django_capture_on_commit_callbacks)
    # While it is being sent, the user moves the send time eleven hours on:
    # the recompute skips rows in sending.
    ReminderSettings.objects.filter(user=reminder.user).update(send_time=datetime.time(20, 0))
    with time_machine.travel(NOW, tick=False):
        assert send_all(result) == [SendOutcome.RETRY]
    reminder.refresh_from_db()
    expected = datetime.datetime.combine(
        reminder.due_date, datetime.time(20, 0), tzinfo=reminder.user.zone
    ).astimezone(datetime.UTC)
    assert reminder.due_at == expected
    assert reminder.next_attempt_at == max(expected, NOW + datetime.timedelta(minutes=1))


# --- Health and metrics -------------------------------------------------------------------


def test_lateness_counts_from_the_due_time_and_backing_off_is_reported(client):
    user = UserFactory()
    ReminderFactory(
        user=user,
        application__user=user,
        due_at=NOW - datetime.timedelta(minutes=20),
        next_attempt_at=NOW + datetime.timedelta(minutes=5),
        attempts=2,
    )
    Heartbeat.objects.create(name=engine.SWEEP_HEARTBEAT, beat_at=NOW)
    with time_machine.travel(NOW, tick=False):
        response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["overdue"] == {"count": 1, "oldest_age_seconds": 1200.0}
    assert body["states"]["backing_off"] == 1
    assert "1 reminders backing off after a failed attempt" in body["warnings"]
    assert body["problems"] == ["due reminders are 20 minutes late"]


def test_health_reports_the_last_send_and_failures(client):
    ReminderFactory(status=ReminderStatus.SENT, sent_at=NOW - datetime.timedelta(minutes=3))
    ReminderFactory(status=ReminderStatus.FAILED, last_error="SMTP 554")
    Heartbeat.objects.create(name=engine.SWEEP_HEARTBEAT, beat_at=NOW)
    with time_machine.travel(NOW, tick=False):
        body = client.get("/health/").json()
    assert body["status"] == "degraded"
    assert body["last_sent"] == {
        "at": (NOW - datetime.timedelta(minutes=3)).isoformat(),
        "age_seconds": 180.0,
    }
    assert body["states"]["failed_last_day"] == 1


def test_health_gives_up_on_a_hung_broker_within_its_deadline(client, settings):
    # A server that accepts connections and never answers, like a stopped Redis.
    hung = socket.create_server(("127.0.0.1", 0))
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{hung.getsockname()[1]}/0"
    try:
        started = time.monotonic()
        response = client.get("/health/")
        took = time.monotonic() - started
    finally:
        hung.close()
    assert took < 1.5
    assert response.json()["broker"] is False
    assert "broker unreachable" in response.json()["problems"]


def test_metrics_are_private_without_the_token(client, settings):
    settings.AJAR_METRICS_TOKEN = "s3cret"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404


def test_metrics_speak_prometheus_to_the_token_or_staff(client, settings):
    settings.AJAR_METRICS_TOKEN = "s3cret"
    ReminderFactory(
        status=ReminderStatus.SENT,
        due_at=NOW - datetime.timedelta(seconds=30),
        attempt_started_at=NOW - datetime.timedelta(milliseconds=40),
        sent_at=NOW,
    )
    with time_machine.travel(NOW + datetime.timedelta(seconds=1), tick=False):
        response = client.get("/metrics", headers={"Authorization": "Bearer s3cret"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    assert 'ajar_reminders{status="sent"} 1' in text
    assert 'ajar_reminder_send_latency_seconds_bucket{le="0.05"} 1' in text
    assert 'ajar_reminder_send_latency_seconds_bucket{le="0.025"} 0' in text
    assert 'ajar_reminder_lateness_seconds_bucket{le="30"} 1' in text
    assert "ajar_reminders_oldest_due_age_seconds 0" in text

    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get("/metrics").status_code == 200


# --- Backpressure -----------------------------------------------------------------------


def test_unstarted_claims_behind_a_queued_backlog_are_not_reclaimed(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    reminder = ReminderFactory(due_at=NOW)
    sweep_at(NOW, django_capture_on_commit_callbacks)
    deadline = NOW + settings.AJAR_DISPATCH_DEADLINE
    # Send messages still wait in the broker: this claim is most likely one of them.
    monkeypatch.setattr(engine, "queued_sends", lambda: 7)
    assert sweep_at(deadline, django_capture_on_commit_callbacks).reclaimed == 0
    # The queue drained and it was never started: lost, reclaimed.
    monkeypatch.setattr(engine, "queued_sends", lambda: 0)
    assert sweep_at(deadline, django_capture_on_commit_callbacks).reclaimed == 1
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (ReminderStatus.SENDING, 0)


def test_a_sweep_only_tops_the_queue_up_to_the_claim_cap(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.AJAR_SWEEP_MAX_CLAIM = 30
    settings.AJAR_SEND_CHUNK_SIZE = 10
    ReminderFactory.create_batch(25, user=UserFactory(), due_at=NOW)
    monkeypatch.setattr(engine, "queued_sends", lambda: 2)  # 20 reminders' worth
    assert sweep_at(NOW, django_capture_on_commit_callbacks).claimed == 10


@pytest.mark.django_db(transaction=True)
def test_beginning_an_attempt_is_committed_at_once_and_only_for_the_current_claim(
    settings, django_capture_on_commit_callbacks
):
    with transaction.atomic():  # the factories lock the application's stats row
        reminder = ReminderFactory(due_at=NOW)
    ((rid, token),) = claimed(sweep_at(NOW, django_capture_on_commit_callbacks))
    assert not engine.begin_attempt(reminder_id=rid, token=uuid.uuid4())
    assert engine.begin_attempt(reminder_id=rid, token=token)
    reminder.refresh_from_db()
    assert reminder.attempt_started_at is not None
    assert reminder.lease_expires_at == reminder.attempt_started_at + settings.AJAR_REMINDER_LEASE


@pytest.mark.django_db(transaction=True)
def test_periodic_tasks_skip_while_the_database_is_away_with_one_warning(caplog):
    """Beat keeps sending the cadence advance and the digest sweep during an
    outage: each logs one warning, not a traceback per interval, and says so
    when the database is back."""
    name = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = f"{name}_not_there"
    try:
        with caplog.at_level(logging.WARNING, logger="reminders.tasks"):
            for _ in range(3):
                assert tasks.advance_cadence() == {}
                assert tasks.digest_sweep() == {}
    finally:
        connection.close()
        connection.settings_dict["NAME"] = name
    with caplog.at_level(logging.WARNING, logger="reminders.tasks"):
        assert tasks.advance_cadence() == {"scheduled": 0, "superseded": 0}
        assert tasks.digest_sweep() == {"reclaimed": 0, "created": 0, "claimed": 0}
    messages = [record.getMessage() for record in caplog.records]
    assert sum("Cadence advances skipped" in m for m in messages) == 1
    assert sum("Digest sweeps skipped" in m for m in messages) == 1
    assert sum("resumed: the database answers again" in m for m in messages) == 2
