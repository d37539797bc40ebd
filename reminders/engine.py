"""The reminder engine: sweep, claim, send, retry, fail.

The reminder's row is the source of truth (DESIGN.md, "Reminder engine"). A sweep
claims due rows with a compare-and-set UPDATE that writes a fresh claim token and a
lease, then enqueues `send_many(ids, token)` in chunks once the claim has committed.
Each send locks its row, checks the token, talks to SMTP and records the outcome in
the same transaction, one reminder per transaction. A worker that dies leaves a
lease that a later sweep reclaims.

Every step handles one unit (a batch, a reminder) and returns what it did, so the
tests drive it without a worker. The clock is the application's, passed in as
`now`; SQL never mixes in the database's own `now()`.
"""

from __future__ import annotations

import datetime
import logging
import math
import random
import smtplib
import uuid
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, Min, OuterRef, Q
from django.utils import timezone

from reminders import mailer
from reminders.emails import MESSAGE_RELATED, reminder_message
from reminders.models import DigestMode, Heartbeat, Reminder, ReminderStatus
from reminders.selectors import has_insiders

logger = logging.getLogger(__name__)

SWEEP_HEARTBEAT = "reminders.sweep"


# --- Who may be emailed -------------------------------------------------------------


def sendable_q() -> Q:
    """Reminders whose user may be emailed now: active, the primary address
    verified, email on, and the reminder fell due after email was (re)enabled."""
    verified = EmailAddress.objects.filter(
        user=OuterRef("user"), email__iexact=OuterRef("user__email"), verified=True
    )
    return Q(
        Exists(verified),
        user__is_active=True,
        user__reminder_settings__email_enabled=True,
        # A user with a daily or weekly digest gets theirs from reminders.digest.
        user__reminder_settings__digest_mode=DigestMode.EACH,
        due_at__gte=F("user__reminder_settings__email_enabled_at"),
    )


def overdue(now: datetime.datetime):
    """Scheduled reminders that a sweep should have claimed by `now`."""
    return Reminder.objects.filter(
        sendable_q(), status=ReminderStatus.SCHEDULED, due_at__lte=now, next_attempt_at__lte=now
    )


# --- The sweep ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    token: uuid.UUID
    reminder_ids: list[int]


@dataclass
class SweepResult:
    reclaimed: int = 0
    claimed: int = 0
    enqueued: int = 0
    batches: list[Claim] = field(default_factory=list)


def reclaim_expired(*, now: datetime.datetime) -> int:
    """Put reminders whose lease expired (their worker died, or the message was
    lost with the broker) back to scheduled. Returns how many.

    SKIP LOCKED: a row whose send is still talking to SMTP holds its lock and is
    left alone, whatever its lease says. A reclaim counts as an attempt, so a
    reminder that kills its worker every time ends failed instead of looping.
    """
    with transaction.atomic():
        ids = list(
            Reminder.objects.filter(status=ReminderStatus.SENDING, lease_expires_at__lte=now)
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[: settings.AJAR_SWEEP_BATCH_SIZE]
        )
        if not ids:
            return 0
        stale = Reminder.objects.filter(
            id__in=ids, status=ReminderStatus.SENDING, lease_expires_at__lte=now
        )
        error = "The worker sending it stopped before it finished (lease expired)."
        failed = stale.filter(attempts__gte=settings.AJAR_MAX_ATTEMPTS - 1).update(
            status=ReminderStatus.FAILED,
            attempts=F("attempts") + 1,
            last_error=error,
            claim_token=None,
            claimed_at=None,
            lease_expires_at=None,
            updated_at=now,
        )
        back = stale.update(
            status=ReminderStatus.SCHEDULED,
            attempts=F("attempts") + 1,
            last_error=error,
            next_attempt_at=now,
            claim_token=None,
            claimed_at=None,
            lease_expires_at=None,
            updated_at=now,
        )
    if failed or back:
        logger.warning("Reclaimed %s expired leases (%s failed).", back + failed, failed)
    return back + failed


def claim_batch(*, now: datetime.datetime, limit: int | None = None) -> Claim | None:
    """Claim up to one batch of due reminders and enqueue their sends on commit.

    Returns the claim, or None when nothing was due.
    """
    limit = limit or settings.AJAR_SWEEP_BATCH_SIZE
    token = uuid.uuid4()
    with transaction.atomic():
        # PostgreSQL: rows another sweep is claiming (or a send is holding) are
        # skipped, not waited for, so two sweeps split the work. `of` locks the
        # reminder rows only, not the joined user and settings rows.
        candidates = list(
            overdue(now)
            .order_by("next_attempt_at")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("id", flat=True)[:limit]
        )
        if not candidates:
            return None
        # The compare-and-set: only rows still scheduled become ours. SQLite
        # ignores FOR UPDATE; there the status condition alone decides, and its
        # IMMEDIATE transactions serialise two sweeps. The due check is not
        # repeated: the candidates are locked (PostgreSQL) or the database is
        # (SQLite) since the SELECT checked it, and with it the planner may
        # walk every due row through the partial index instead of looking up
        # the batch's primary keys.
        won = Reminder.objects.filter(id__in=candidates, status=ReminderStatus.SCHEDULED).update(
            status=ReminderStatus.SENDING,
            claim_token=token,
            claimed_at=now,
            lease_expires_at=now + settings.AJAR_REMINDER_LEASE,
            updated_at=now,
        )
        if won == len(candidates):
            ids = candidates
        else:
            ids = list(Reminder.objects.filter(claim_token=token).values_list("id", flat=True))
        claim = Claim(token=token, reminder_ids=ids)
        transaction.on_commit(lambda: enqueue_sends(claim))
    return claim


def enqueue_sends(claim: Claim) -> int:
    """Publish the sends of a claim, a chunk of reminders per message. Returns
    how many reminders were published.

    A chunk shares the Celery overhead of one message; each reminder in it is
    still locked, checked and recorded in a transaction of its own. With a send
    rate cap, one reminder per message, each delayed to its turn.

    With the broker down the first publish fails fast; the rest of the claim is
    released at once (next sweep retries) rather than left to its lease. A
    message that did go out despite an error carries the old token and is
    ignored by the send.
    """
    from reminders.tasks import send_many

    rate = settings.AJAR_SEND_RATE_PER_SECOND
    size = 1 if rate > 0 else max(1, settings.AJAR_SEND_CHUNK_SIZE)
    ids = claim.reminder_ids
    for position in range(0, len(ids), size):
        options = {"countdown": position / rate} if rate > 0 else {}
        try:
            send_many.apply_async((ids[position : position + size], str(claim.token)), **options)
        except Exception:
            unsent = ids[position:]
            logger.exception("Broker unavailable; releasing %s claimed reminders.", len(unsent))
            release_claim(token=claim.token, reminder_ids=unsent)
            return position
    return len(ids)


def release_claim(*, token: uuid.UUID, reminder_ids: list[int]) -> int:
    """Undo a claim whose sends could not be enqueued (no attempt was made)."""
    return Reminder.objects.filter(
        id__in=reminder_ids, claim_token=token, status=ReminderStatus.SENDING
    ).update(
        status=ReminderStatus.SCHEDULED,
        claim_token=None,
        claimed_at=None,
        lease_expires_at=None,
    )


def sweep(*, now: datetime.datetime) -> SweepResult:
    """One sweep: reclaim dead leases, claim due reminders batch by batch,
    record the heartbeat."""
    result = SweepResult(reclaimed=reclaim_expired(now=now))
    rate = settings.AJAR_SEND_RATE_PER_SECOND
    # With a rate cap, claim no more than one interval can send: the rest stays
    # scheduled in the database instead of piling up as delayed messages.
    budget = math.ceil(rate * settings.AJAR_SWEEP_INTERVAL) if rate > 0 else math.inf
    batch_size = settings.AJAR_SWEEP_BATCH_SIZE
    while result.claimed < budget:
        claim = claim_batch(now=now, limit=int(min(batch_size, budget - result.claimed)))
        if claim is None:
            break
        result.batches.append(claim)
        result.claimed += len(claim.reminder_ids)
        if len(claim.reminder_ids) < batch_size:
            break
    heartbeat(now=now, detail={"claimed": result.claimed, "reclaimed": result.reclaimed})
    return result


def heartbeat(*, now: datetime.datetime, detail: dict) -> None:
    Heartbeat.objects.update_or_create(
        name=SWEEP_HEARTBEAT, defaults={"beat_at": now, "detail": detail}
    )


# --- The send -------------------------------------------------------------------------------


class SendOutcome:
    SENT = "sent"
    STALE = "stale"  # not ours any more: another claim, or not sending
    NOT_SENDABLE = "not_sendable"  # user inactive/unverified or email off
    RETRY = "retry"
    FAILED = "failed"
    ERROR = "error"  # unexpected; the row stays sending until its lease expires


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    # Connection refused, reset, timeouts, a server that hung up: transient.
    return False


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        parts = [
            f"{addr}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for addr, (code, msg) in error.recipients.items()
        ]
        return "Recipient refused: " + "; ".join(parts)
    if isinstance(error, smtplib.SMTPResponseException):
        msg = error.smtp_error
        if isinstance(msg, bytes):
            msg = msg.decode(errors="replace")
        return f"SMTP {error.smtp_code}: {msg}"
    if isinstance(error, TimeoutError):
        return f"SMTP timeout after {settings.EMAIL_TIMEOUT} s"
    return f"{type(error).__name__}: {error}"


def backoff_delay(attempts: int) -> datetime.timedelta:
    """The wait after the `attempts`-th failed attempt, with +/- jitter so a
    burst of failures does not retry in lockstep."""
    schedule = settings.AJAR_RETRY_BACKOFF_MINUTES
    minutes = schedule[min(attempts, len(schedule)) - 1]
    jitter = settings.AJAR_RETRY_JITTER
    return datetime.timedelta(minutes=minutes * (1 + random.uniform(-jitter, jitter)))


def locked_for_send():
    """Reminders locked for their send, with all the email needs in the same
    query: who may be emailed now, the related rows, whether any insiders."""
    return (
        Reminder.objects.select_for_update(of=("self",))
        .select_related(*MESSAGE_RELATED)
        .annotate(
            sendable=ExpressionWrapper(sendable_q(), output_field=BooleanField()),
            has_insiders=has_insiders(),
        )
    )


def reminder_send(*, reminder_id: int, token: str | uuid.UUID) -> str:
    """Deliver one claimed reminder. Returns a SendOutcome value.

    The row stays locked for the whole SMTP conversation: the sweep's SKIP
    LOCKED passes it by and services that edit it wait, so nobody sees it half
    done. If this process dies mid-way, the lock goes with its connection and the
    lease lets a later sweep reclaim the row.
    """
    token = uuid.UUID(str(token))
    with transaction.atomic():
        # One query locks the row and re-checks who may be emailed now.
        reminder = locked_for_send().filter(pk=reminder_id).first()
        if (
            reminder is None
            or reminder.status != ReminderStatus.SENDING
            or reminder.claim_token != token
        ):
            # Redelivered message, or a claim that was reclaimed, or the user
            # resolved the reminder meanwhile: not ours to send.
            return SendOutcome.STALE
        if not reminder.sendable:
            # Deactivated, unverified or email off since the claim: back to
            # scheduled, where the sweep will not pick it while that holds.
            _release(reminder)
            return SendOutcome.NOT_SENDABLE
        try:
            mailer.send(reminder_message(reminder, reload=False))
        except Exception as error:
            return _record_failure(reminder, error)
        now = timezone.now()
        reminder.status = ReminderStatus.SENT
        reminder.sent_at = now
        reminder.last_error = ""
        reminder.claim_token = None
        reminder.lease_expires_at = None
        reminder.save(
            update_fields=[
                "status",
                "sent_at",
                "last_error",
                "claim_token",
                "lease_expires_at",
                "updated_at",
            ]
        )
    return SendOutcome.SENT


def reminder_send_many(*, reminder_ids: list[int], token: str | uuid.UUID) -> list[str]:
    """Deliver a chunk of claimed reminders one after the other, each in its
    own transaction: a failure is recorded against that reminder alone. An
    unexpected error leaves its reminder to the lease (as a crashed send
    would) and the rest of the chunk goes on."""
    outcomes = []
    for reminder_id in reminder_ids:
        try:
            outcomes.append(reminder_send(reminder_id=reminder_id, token=token))
        except Exception:
            logger.exception("Sending reminder %s failed; its lease will expire.", reminder_id)
            outcomes.append(SendOutcome.ERROR)
    return outcomes


def _release(reminder: Reminder) -> None:
    reminder.status = ReminderStatus.SCHEDULED
    reminder.claim_token = None
    reminder.claimed_at = None
    reminder.lease_expires_at = None
    reminder.save(
        update_fields=["status", "claim_token", "claimed_at", "lease_expires_at", "updated_at"]
    )


def _record_failure(reminder: Reminder, error: Exception) -> str:
    now = timezone.now()
    reminder.attempts += 1
    reminder.last_error = _describe(error)[:2000]
    reminder.claim_token = None
    reminder.claimed_at = None
    reminder.lease_expires_at = None
    if _is_permanent(error) or reminder.attempts >= settings.AJAR_MAX_ATTEMPTS:
        reminder.status = ReminderStatus.FAILED
        outcome = SendOutcome.FAILED
        logger.warning("Reminder %s failed for good: %s", reminder.pk, reminder.last_error)
    else:
        reminder.status = ReminderStatus.SCHEDULED
        reminder.next_attempt_at = now + backoff_delay(reminder.attempts)
        outcome = SendOutcome.RETRY
        logger.info(
            "Reminder %s: attempt %s failed (%s); next at %s",
            reminder.pk,
            reminder.attempts,
            reminder.last_error,
            reminder.next_attempt_at,
        )
    reminder.save(
        update_fields=[
            "status",
            "attempts",
            "last_error",
            "next_attempt_at",
            "claim_token",
            "claimed_at",
            "lease_expires_at",
            "updated_at",
        ]
    )
    return outcome


# --- After a failure ----------------------------------------------------------------------------


class NotFailed(Exception):
    pass


@transaction.atomic
def reminder_retry(*, reminder: Reminder, now: datetime.datetime | None = None) -> Reminder:
    """The user's "retry" on a failed reminder: scheduled again, due now, with
    a fresh set of attempts. The last error stays visible until it is sent."""
    now = now or timezone.now()
    reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
    if reminder.status != ReminderStatus.FAILED:
        raise NotFailed(f"Reminder {reminder.pk} is {reminder.status}, not failed.")
    reminder.status = ReminderStatus.SCHEDULED
    reminder.attempts = 0
    reminder.next_attempt_at = now
    reminder.failure_acknowledged = False
    reminder.save(
        update_fields=[
            "status",
            "attempts",
            "next_attempt_at",
            "failure_acknowledged",
            "updated_at",
        ]
    )
    return reminder


# --- Health -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lateness:
    count: int
    oldest_due: datetime.datetime | None


def lateness(*, now: datetime.datetime) -> Lateness:
    row = overdue(now).aggregate(oldest=Min("next_attempt_at"))
    count = overdue(now).count() if row["oldest"] is not None else 0
    return Lateness(count=count, oldest_due=row["oldest"])
