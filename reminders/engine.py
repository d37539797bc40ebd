"""The reminder engine: sweep, claim, dispatch, send, retry, fail.

The reminder's row is the source of truth (DESIGN.md, "Reminder engine"). A sweep
claims due rows with a compare-and-set UPDATE that writes a fresh claim token and
a short dispatch deadline, then publishes `send_many(ids, token)` in chunks once
the claim has committed. A worker starting a reminder first commits that an
attempt begins (which extends the lease), then locks the row, checks the token,
talks to SMTP and records the outcome in that locked transaction, one reminder
per transaction.

Recovery: a claim no worker started within the dispatch deadline (its message
was lost to a broker flush, or its task failed on a database error) is reclaimed
with a new token and no attempt counted; the old message, if it ever runs, finds
a stale token and does nothing. A started reminder whose worker died (its
row lock went with the worker's connection) is seen by the next sweep, which
cuts its lease to half a sweep interval; the sweep after reclaims it, and that
counts as an attempt. The lease itself is the last resort. The sweep's SKIP
LOCKED never touches a row whose send holds its lock.

Every step handles one unit (a batch, a reminder) and returns what it did, so the
tests drive it without a worker. The clock is the application's, passed in as
`now`; SQL never mixes in the database's own `now()`.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import math
import random
import smtplib
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from celery import current_app
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from reminders import mailer
from reminders.emails import MESSAGE_RELATED, reminder_message
from reminders.models import DigestMode, Heartbeat, Reminder, ReminderSettings, ReminderStatus
from reminders.scheduling import due_at_for
from reminders.selectors import has_insiders

logger = logging.getLogger(__name__)

SWEEP_HEARTBEAT = "reminders.sweep"
# Published by name: the engine does not import the task module (tasks import us).
SEND_TASK = "reminders.tasks.send_many"
SEND_QUEUE = "celery"  # the default queue; sweeps have their own (config/celery_app.py)


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


def overdue(now: datetime.datetime) -> QuerySet[Reminder]:
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
    orphaned: int = 0  # started sends found with no worker: reclaimed at the next sweep
    claimed: int = 0
    enqueued: int = 0
    batches: list[Claim] = field(default_factory=list)


def reclaim_expired(*, now: datetime.datetime, unstarted: bool = True) -> int:
    """Put claimed reminders whose deadline passed back to scheduled. Returns how many.

    Two kinds, told apart by `attempt_started_at`: a claim no worker started
    within the dispatch deadline (message lost, or its task gave up on a
    database error) costs no attempt; a started send whose worker died before
    recording its outcome counts one, so a reminder that kills its worker every
    time ends failed instead of looping. `unstarted=False` leaves the first
    kind alone: while send messages wait in the broker, an unstarted claim is
    most likely one of them, behind a backlog, not lost.

    SKIP LOCKED: a row whose send is still talking to SMTP holds its lock and is
    left alone, whatever its lease says.
    """
    with transaction.atomic():
        expired = Reminder.objects.filter(status=ReminderStatus.SENDING, lease_expires_at__lte=now)
        if not unstarted:
            expired = expired.filter(attempt_started_at__isnull=False)
        rows = list(
            expired.select_for_update(skip_locked=True).values_list(
                "id", "attempt_started_at", "attempts"
            )[: settings.AJAR_SWEEP_BATCH_SIZE]
        )
        if not rows:
            return 0
        lost = [rid for rid, started, _n in rows if started is None]
        died = [rid for rid, started, n in rows if started is not None]
        last = [rid for rid, started, n in rows if started and n >= settings.AJAR_MAX_ATTEMPTS - 1]
        released = {"claim_token": None, "claimed_at": None, "lease_expires_at": None}
        error = "The worker sending it stopped before it finished (lease expired)."
        stale = Reminder.objects.filter(status=ReminderStatus.SENDING, lease_expires_at__lte=now)
        back = stale.filter(id__in=lost).update(
            status=ReminderStatus.SCHEDULED, updated_at=now, **released
        )
        failed = stale.filter(id__in=last).update(
            status=ReminderStatus.FAILED,
            attempts=F("attempts") + 1,
            last_error=error,
            updated_at=now,
            **released,
        )
        retried = stale.filter(id__in=[rid for rid in died if rid not in set(last)]).update(
            status=ReminderStatus.SCHEDULED,
            attempts=F("attempts") + 1,
            last_error=error,
            next_attempt_at=now,
            updated_at=now,
            **released,
        )
    if back:
        logger.warning(
            "Reclaimed %s claimed reminders no worker started within the dispatch deadline "
            "(lost or failed dispatch); sending them again, no attempt counted.",
            back,
        )
    if retried:
        logger.warning(
            "Reclaimed %s reminders whose worker stopped mid-send (lease expired).", retried
        )
    for rid in last[:failed]:
        logger.error("Reminder %s failed for good: %s", rid, error)
    return back + failed + retried


def orphan_grace() -> datetime.timedelta:
    """How long a started send nobody holds keeps its claim once a sweep has
    seen it so: AJAR_ORPHAN_GRACE_SECONDS, half a sweep interval by default."""
    return datetime.timedelta(seconds=settings.AJAR_ORPHAN_GRACE_SECONDS)


def orphaned_q() -> Q:
    """Started sends whose lease a sweep cut (cut_orphaned_leases). A started
    send's lease is otherwise its start plus the whole lease; a cut one ends
    a grace after the sweep that saw it, well within half of that (a send is
    bounded by the SMTP deadline and the "sent" write's retries). Half, so
    that a lease setting changed while sends were under way is no alarm."""
    return Q(
        status=ReminderStatus.SENDING,
        attempt_started_at__isnull=False,
        lease_expires_at__lt=F("attempt_started_at") + settings.AJAR_REMINDER_LEASE / 2,
    )


def cut_orphaned_leases(*, now: datetime.datetime) -> int:
    """Started sends whose worker is gone: their lease is cut to the grace, so
    the next sweep reclaims them, not the end of the lease. Returns how many.

    A live send holds its row's lock for the whole SMTP conversation, and
    PostgreSQL drops the lock the moment the worker's connection dies (SIGKILL,
    OOM, crash): a started row in sending that SKIP LOCKED hands over has no
    worker talking to SMTP for it. The grace covers the one live sender without
    the lock, a worker retrying the "sent" write after a database error: it
    retries at least four times within the grace (AJAR_SENT_WRITE_RETRY_SECONDS
    still bounds how long), and a reclaim only ever happens at a sweep after it.
    A false alarm costs nothing: the reclaim skips locked rows too, and a worker
    that finds its token gone sends nothing.

    PostgreSQL only (SQLite has no row locks to tell a live send by).
    """
    if connection.vendor != "postgresql":
        return 0
    grace = orphan_grace()
    with transaction.atomic():
        orphans = list(
            Reminder.objects.filter(
                status=ReminderStatus.SENDING,
                attempt_started_at__lte=now - grace,
                lease_expires_at__gt=now + grace,
            )
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[: settings.AJAR_SWEEP_BATCH_SIZE]
        )
        if not orphans:
            return 0
        cut = Reminder.objects.filter(id__in=orphans, status=ReminderStatus.SENDING).update(
            lease_expires_at=now + grace, updated_at=now
        )
    logger.warning(
        "%s reminders in sending with no worker holding them (it stopped mid-send): "
        "reclaiming them in %g s, not at the end of their lease.",
        cut,
        grace.total_seconds(),
    )
    return cut


# The claim on PostgreSQL in one statement: the candidates' SELECT ... FOR
# UPDATE SKIP LOCKED, then the compare-and-set UPDATE of the rows it locked,
# returning the rows won. One round trip, and no list of a thousand ids to
# send, parse and plan. MATERIALIZED: evaluated once. As a plain `IN (...)`
# subquery PostgreSQL may run it again per row, and with SKIP LOCKED each run
# finds other rows: more than the limit would be claimed.
_CLAIM_SQL = """
WITH candidates AS MATERIALIZED ({candidates})
UPDATE reminders_reminder AS r
SET status = %s, claim_token = %s, claimed_at = %s, lease_expires_at = %s,
    attempt_started_at = NULL, updated_at = %s
FROM candidates
WHERE r.id = candidates.id AND r.status = %s
RETURNING r.id, r.next_attempt_at
"""


# The plan the claim must keep at any table size: walk the partial index of
# due scheduled rows in next_attempt_at order, check each row's user with index
# lookups (nested loops), lock, stop at the limit. Left to its estimates,
# PostgreSQL sometimes hashes every due row's user and sorts them all instead:
# several times slower, and slower as the backlog grows. For this transaction
# only (SET LOCAL).
CLAIM_PLAN_SQL = (
    "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL enable_sort = off"
)
# ...and back, for whatever else the transaction does (a caller's outer one).
CLAIM_PLAN_RESET_SQL = "RESET enable_hashjoin; RESET enable_mergejoin; RESET enable_sort"


def claim_candidates(*, now: datetime.datetime, limit: int) -> QuerySet[Reminder, int]:
    """The due rows a claim takes, oldest first. PostgreSQL: rows another
    sweep is claiming (or a send is holding) are skipped, not waited for, so
    two sweeps split the work. `of` locks the reminder rows only, not the
    joined user and settings rows."""
    return (
        overdue(now)
        .order_by("next_attempt_at")
        .select_for_update(skip_locked=True, of=("self",))
        .values_list("id", flat=True)[:limit]
    )


def claim_statement(
    *, now: datetime.datetime, limit: int, token: uuid.UUID, until: datetime.datetime
) -> tuple[str, list[Any]]:
    """The claim's SQL on PostgreSQL and its parameters (bench.engine explains
    it). The candidates' part is Django's own compilation of the queryset;
    every value is a parameter."""
    sql, params = claim_candidates(now=now, limit=limit).query.sql_with_params()
    return _CLAIM_SQL.format(candidates=sql), [
        *params,
        ReminderStatus.SENDING,
        token,
        now,
        until,
        now,
        ReminderStatus.SCHEDULED,
    ]


# The claim commits synchronously (synchronous_commit stays on), although
# an asynchronous commit would save its WAL flush (1-4 ms measured on the
# benchmark's machine) and a claim lost in a PostgreSQL crash leaves its rows
# scheduled: their queued sends find a stale token, the next sweep claims
# them again. What it would change is the "sent" write after a database
# failure (README, window 2): nothing on a send's path flushes the WAL before
# its SMTP conversation (begin_attempt commits asynchronously; the lock is
# the send's own transaction), so a crash within the WAL writer's delay after
# the claim (up to 3 x wal_writer_delay, 0.6 s by default) but after the
# server accepted one of its messages would lose the claim under it; the
# retried "sent" write would then find the row scheduled, not claimed, and
# the next sweep would send it again. Synchronous, that retry finds the claim
# and records "sent", as the guarantee states.
def claim_batch(*, now: datetime.datetime, limit: int | None = None) -> Claim | None:
    """Claim up to one batch of due reminders and publish their sends on commit.

    Returns the claim, or None when nothing was due.
    """
    limit = limit or settings.AJAR_SWEEP_BATCH_SIZE
    token = uuid.uuid4()
    deadline = now + settings.AJAR_DISPATCH_DEADLINE  # begin_attempt() extends it
    with transaction.atomic():
        if connection.vendor == "postgresql":
            sql, params = claim_statement(now=now, limit=limit, token=token, until=deadline)
            with connection.cursor() as cursor:
                cursor.execute(CLAIM_PLAN_SQL)
                cursor.execute(sql, params)
                ids = [rid for rid, _at in sorted(cursor.fetchall(), key=lambda row: row[1])]
                cursor.execute(CLAIM_PLAN_RESET_SQL)
        else:
            candidates = list(claim_candidates(now=now, limit=limit))
            ids = _claim_compare_and_set(candidates, token=token, now=now, until=deadline)
        if not ids:
            return None
        claim = Claim(token=token, reminder_ids=ids)
        transaction.on_commit(lambda: enqueue_sends(claim))
    return claim


def _claim_compare_and_set(
    candidates: list[int], *, token: uuid.UUID, now: datetime.datetime, until: datetime.datetime
) -> list[int]:
    """The claim in two statements (SQLite). Only rows still scheduled become
    ours: SQLite ignores FOR UPDATE, and there the status condition alone
    decides; its IMMEDIATE transactions serialise two sweeps. The due check is
    not repeated: the database is locked since the SELECT checked it."""
    if not candidates:
        return []
    won = Reminder.objects.filter(id__in=candidates, status=ReminderStatus.SCHEDULED).update(
        status=ReminderStatus.SENDING,
        claim_token=token,
        claimed_at=now,
        lease_expires_at=until,
        attempt_started_at=None,
        updated_at=now,
    )
    if won == len(candidates):
        return candidates
    return list(Reminder.objects.filter(claim_token=token).values_list("id", flat=True))


def enqueue_sends(claim: Claim) -> int:
    """Publish the sends of a claim, a chunk of reminders per message. Returns
    how many reminders were published.

    A chunk shares the Celery overhead of one message; each reminder in it is
    still started, locked, checked and recorded on its own. With a send rate
    cap, one reminder per message, each delayed to its turn.

    With the broker down the first publish fails fast; the rest of the claim is
    released at once (next sweep retries). A message that did go out despite
    an error carries the old token and is ignored by the send.
    """
    rate = settings.AJAR_SEND_RATE_PER_SECOND
    size = 1 if rate > 0 else max(1, settings.AJAR_SEND_CHUNK_SIZE)
    ids = claim.reminder_ids
    for position in range(0, len(ids), size):
        options: dict[str, Any] = {"countdown": position / rate} if rate > 0 else {}
        try:
            current_app.send_task(
                SEND_TASK, args=(ids[position : position + size], str(claim.token)), **options
            )
        except Exception as error:  # noqa: BLE001 (kombu raises many kinds: all mean "not published")
            unsent = ids[position:]
            logger.warning(
                "Broker unreachable (%s: %s); released %s claimed reminders for the next sweep.",
                type(error).__name__,
                error,
                len(unsent),
            )
            release_claim(token=claim.token, reminder_ids=unsent)
            return position
    return len(ids)


def release_claim(*, token: uuid.UUID | str, reminder_ids: list[int]) -> int:
    """Undo a claim whose sends were not attempted (not published, or given
    back by a worker shutting down): scheduled again, no attempt counted."""
    return Reminder.objects.filter(
        id__in=reminder_ids, claim_token=uuid.UUID(str(token)), status=ReminderStatus.SENDING
    ).update(
        status=ReminderStatus.SCHEDULED,
        claim_token=None,
        claimed_at=None,
        lease_expires_at=None,
        attempt_started_at=None,
        updated_at=timezone.now(),
    )


def queued_sends() -> int | None:
    """Send messages waiting in the broker for a worker, or None when the
    broker cannot say (it is down: then publishing fails too)."""
    try:
        with current_app.connection_for_read() as conn:
            conn.connect()  # one try, within the broker's connect timeout: no retry loop
            channel = conn.default_channel  # type: ignore[attr-defined]
            _name, count, _consumers = channel.queue_declare(queue=SEND_QUEUE, passive=True)
            return int(count)
    except Exception:  # noqa: BLE001 (kombu raises many kinds: all mean "cannot say")
        return None


def sweep(*, now: datetime.datetime) -> SweepResult:
    """One sweep: reclaim expired claims, claim due reminders batch by batch,
    record the heartbeat.

    Backpressure through the broker: while send messages are queued, claims
    not yet started are left to them (no reclaim churn behind a backlog), and
    a sweep claims only what tops the queue up to AJAR_SWEEP_MAX_CLAIM.
    """
    queued = queued_sends()
    result = SweepResult(reclaimed=reclaim_expired(now=now, unstarted=not queued))
    result.orphaned = cut_orphaned_leases(now=now)
    rate = settings.AJAR_SEND_RATE_PER_SECOND
    chunk = 1 if rate > 0 else max(1, settings.AJAR_SEND_CHUNK_SIZE)
    budget: float = settings.AJAR_SWEEP_MAX_CLAIM - (queued or 0) * chunk
    # With a rate cap, claim no more than one interval can send: the rest stays
    # scheduled in the database instead of piling up as delayed messages.
    if rate > 0:
        budget = min(budget, math.ceil(rate * settings.AJAR_SWEEP_INTERVAL))
    batch_size = settings.AJAR_SWEEP_BATCH_SIZE
    while result.claimed < budget:
        claim = claim_batch(now=now, limit=int(min(batch_size, budget - result.claimed)))
        if claim is None:
            break
        result.batches.append(claim)
        result.claimed += len(claim.reminder_ids)
        if len(claim.reminder_ids) < batch_size:
            break
    heartbeat(
        now=now,
        detail={
            "claimed": result.claimed,
            "reclaimed": result.reclaimed,
            "orphaned": result.orphaned,
        },
    )
    return result


def heartbeat(*, now: datetime.datetime, detail: dict[str, Any]) -> None:
    Heartbeat.objects.update_or_create(
        name=SWEEP_HEARTBEAT, defaults={"beat_at": now, "detail": detail}
    )


# --- The send -------------------------------------------------------------------------------


class SendOutcome:
    SENT = "sent"
    STALE = "stale"  # not ours any more: another claim, or not sending
    NOT_SENDABLE = "not_sendable"  # user inactive/unverified or email off
    RETRY = "retry"
    POSSIBLY_DELIVERED = "possibly_delivered"  # no reply after DATA: a later retry
    FAILED = "failed"
    # Accepted by the server, "sent" could not be written: left to the lease.
    UNRECORDED = "unrecorded"
    RELEASED = "released"  # given back unattempted: the worker is shutting down
    REQUEUED = "requeued"  # published again unattempted: the chunk ran out of time
    ERROR = "error"  # unexpected; the next sweeps reclaim the row (cut_orphaned_leases)


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
    if isinstance(error, mailer.PossiblyDelivered | mailer.DeadlineExceeded):
        return str(error)
    if isinstance(error, TimeoutError):
        return f"SMTP timeout after {settings.EMAIL_TIMEOUT} s"
    return f"{type(error).__name__}: {error}"


def backoff_delay(attempts: int, *, possibly_delivered: bool = False) -> datetime.timedelta:
    """The wait after the `attempts`-th failed attempt, with +/- jitter so a
    burst of failures does not retry in lockstep. After a possible delivery,
    the longest step of the schedule: a second copy is the risk, so give the
    server's queue (and the user) time."""
    schedule = settings.AJAR_RETRY_BACKOFF_MINUTES
    minutes = max(schedule) if possibly_delivered else schedule[min(attempts, len(schedule)) - 1]
    jitter = settings.AJAR_RETRY_JITTER
    return datetime.timedelta(minutes=minutes * (1 + random.uniform(-jitter, jitter)))


def for_send() -> QuerySet[Reminder]:
    """Reminders with all their email needs in one query: who may be emailed
    now, the related rows, whether any insiders."""
    return Reminder.objects.select_related(*MESSAGE_RELATED).annotate(
        sendable=ExpressionWrapper(sendable_q(), output_field=BooleanField()),
        has_insiders=has_insiders(),
    )


def locked_for_send() -> QuerySet[Reminder]:
    """for_send(), locking the reminder rows (not the joined ones)."""
    return for_send().select_for_update(of=("self",))


def loaded_for_send(*, reminder_ids: list[int], token: str | uuid.UUID) -> dict[int, Reminder]:
    """The reminders of a chunk still claimed by `token`, read for their
    emails in one query (no lock: each send locks its row and re-checks the
    claim). Rows missing from the result are stale: not ours any more."""
    rows = for_send().filter(
        id__in=reminder_ids, claim_token=uuid.UUID(str(token)), status=ReminderStatus.SENDING
    )
    return {reminder.pk: reminder for reminder in rows}


# One statement, one round trip, committed on its own without waiting for the
# WAL flush: losing this marker in a database crash costs only an attempt count.
_BEGIN_ATTEMPT_SQL = """
WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true))
UPDATE reminders_reminder
SET attempt_started_at = %s, lease_expires_at = %s, updated_at = %s
WHERE id = %s AND claim_token = %s AND status = %s AND EXISTS (SELECT 1 FROM async_commit)
"""


def begin_attempt(*, reminder_id: int, token: uuid.UUID | str) -> bool:
    """Commit that an SMTP attempt on a claimed reminder begins, and extend
    its lease from the dispatch deadline to the send lease. False when the
    claim is not ours any more (a stale or duplicated message): do nothing.

    Committed before the row lock is taken: if the worker dies during the
    conversation, the reclaim knows an attempt was made.
    """
    now = timezone.now()
    lease = now + settings.AJAR_REMINDER_LEASE
    token = uuid.UUID(str(token))
    if connection.vendor == "postgresql" and connection.get_autocommit():
        with connection.cursor() as cursor:
            cursor.execute(
                _BEGIN_ATTEMPT_SQL, [now, lease, now, reminder_id, token, ReminderStatus.SENDING]
            )
            return cursor.rowcount == 1
    started = Reminder.objects.filter(
        pk=reminder_id, claim_token=token, status=ReminderStatus.SENDING
    ).update(attempt_started_at=now, lease_expires_at=lease, updated_at=now)
    return started == 1


def reminder_send(
    *, reminder_id: int, token: str | uuid.UUID, loaded: Reminder | None = None
) -> str:
    """Deliver one claimed reminder. Returns a SendOutcome value.

    `loaded`: the reminder as loaded_for_send() read it moments ago, so that a
    chunk reads its rows in one query; the lock then only re-checks the claim.
    Without it, the locking query reads everything and re-checks who may be
    emailed too.

    The row stays locked for the whole SMTP conversation: the sweep's SKIP
    LOCKED passes it by and services that edit it wait, so nobody sees it half
    done. If this process dies mid-way, the lock goes with its connection and the
    lease lets a later sweep reclaim the row.

    A database error before the server accepted the message propagates (the
    caller leaves the reminder to the sweep). After acceptance, the "sent"
    write is retried, not the email.
    """
    token = uuid.UUID(str(token))
    if not begin_attempt(reminder_id=reminder_id, token=token):
        return SendOutcome.STALE
    accepted = False
    try:
        with transaction.atomic():
            if loaded is None:
                # One query locks the row and re-checks who may be emailed now.
                reminder = locked_for_send().filter(pk=reminder_id).first()
                current = reminder is not None and (
                    (reminder.status, reminder.claim_token) == (ReminderStatus.SENDING, token)
                )
            else:
                reminder = loaded
                current = _lock_if_current(reminder_id, token)
            if reminder is None or not current:
                # Resolved or reclaimed between the start and the lock.
                return SendOutcome.STALE
            if not reminder.sendable:  # type: ignore[attr-defined]
                # Deactivated, unverified or email off since the claim: back to
                # scheduled, where the sweep will not pick it while that holds.
                _release(reminder)
                return SendOutcome.NOT_SENDABLE
            try:
                mailer.send(reminder_message(reminder, reload=False))
            except DatabaseError:
                raise
            except Exception as error:  # noqa: BLE001 (every SMTP failure is recorded on the row)
                return _record_failure(reminder, error)
            accepted = True
            _mark_sent(reminder)
    except DatabaseError as error:
        if not accepted:
            raise
        return _record_sent_after_database_error(reminder_id, token, error)
    return SendOutcome.SENT


# The two statements of every send, written out: compiling them through the
# ORM cost more CPU per email than running them.
_LOCK_SQL = (
    "SELECT id FROM reminders_reminder WHERE id = %s AND status = %s AND claim_token = %s "
    "FOR UPDATE"
)
_MARK_SENT_SQL = (
    "UPDATE reminders_reminder SET status = %s, sent_at = %s, last_error = '', "
    "claim_token = NULL, lease_expires_at = NULL, updated_at = %s WHERE id = %s"
)


def _token_param(token: uuid.UUID) -> Any:
    # As the database stores it (a uuid on PostgreSQL, hex text on SQLite).
    return token if connection.features.has_native_uuid_field else token.hex


def _lock_if_current(reminder_id: int, token: uuid.UUID) -> bool:
    """Lock the row if the claim is still `token`'s (SQLite ignores FOR UPDATE:
    its transaction holds the database instead)."""
    sql = (
        _LOCK_SQL if connection.features.has_select_for_update else _LOCK_SQL[: -len(" FOR UPDATE")]
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [reminder_id, ReminderStatus.SENDING, _token_param(token)])
        return cursor.fetchone() is not None


def _mark_sent(reminder: Reminder) -> None:
    """Under the row lock, the claim checked: sent."""
    now = timezone.now()
    with connection.cursor() as cursor:
        at = connection.ops.adapt_datetimefield_value(now)
        cursor.execute(_MARK_SENT_SQL, [ReminderStatus.SENT, at, at, reminder.pk])
    reminder.status, reminder.sent_at, reminder.last_error = ReminderStatus.SENT, now, ""
    reminder.claim_token = reminder.lease_expires_at = None


def _close_connection() -> None:
    with contextlib.suppress(DatabaseError):
        connection.close()


def _record_sent_after_database_error(
    reminder_id: int, token: uuid.UUID, error: DatabaseError
) -> str:
    """The server accepted the message; the database failed before "sent" was
    committed. Retry that write on a fresh connection (the token says the
    claim is still ours) for up to AJAR_SENT_WRITE_RETRY_SECONDS, capped at
    half the lease, and often enough that a database back for the sweeps is
    back for this write before they reclaim the row (cut_orphaned_leases)."""
    logger.warning(
        "Reminder %s: accepted by the SMTP server, but the database failed (%s); "
        "retrying the 'sent' write, not the email.",
        reminder_id,
        str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__,
    )
    budget = min(
        settings.AJAR_SENT_WRITE_RETRY_SECONDS, settings.AJAR_REMINDER_LEASE.total_seconds() / 2
    )
    give_up = time.monotonic() + budget
    # A sweep seeing this row unlocked gives it orphan_grace() before the
    # reclaim: retry at least four times within that.
    longest = min(2.0, orphan_grace().total_seconds() / 4)
    delay = min(0.1, longest)
    while True:
        _close_connection()
        try:
            now = timezone.now()
            with transaction.atomic():
                written = Reminder.objects.filter(
                    pk=reminder_id, claim_token=token, status=ReminderStatus.SENDING
                ).update(
                    status=ReminderStatus.SENT,
                    sent_at=now,
                    last_error="",
                    claim_token=None,
                    lease_expires_at=None,
                    updated_at=now,
                )
        except DatabaseError:
            if time.monotonic() + delay > give_up:
                break
            time.sleep(delay)
            delay = min(delay * 2, longest)
            continue
        if written:
            logger.warning("Reminder %s: 'sent' recorded once the database answered.", reminder_id)
            return SendOutcome.SENT
        break
    logger.error(
        "Reminder %s: accepted by the SMTP server but 'sent' could not be recorded; "
        "the sweeps will reclaim it and send it again, with the same Message-ID.",
        reminder_id,
    )
    return SendOutcome.UNRECORDED


# Warm shutdown: a worker asked to stop (SIGTERM) finishes the reminder it is
# sending and gives the rest of its chunk back (reminders/tasks.py).
_stop = threading.Event()


def request_stop() -> None:
    _stop.set()


def stop_requested() -> bool:
    return _stop.is_set()


# One WARNING when a worker finds the database unreachable, not one per task.
_database_down = threading.Event()


def reminder_send_many(*, reminder_ids: list[int], token: str | uuid.UUID) -> list[str]:
    """Deliver a chunk of claimed reminders one after the other, each started
    and recorded on its own: a failure is recorded against that reminder alone.

    A database error stops the chunk: the rest of it was not started, so the
    sweep reclaims it after the dispatch deadline (no attempt counted); one
    log line, no traceback. A stop request (warm shutdown) gives back the
    reminders not yet started, at once.

    Time: a chunk holds its pool process for about half a sweep interval at
    most (chunk_seconds()); behind a slow relay the rest of it is published
    again, same claim, at the back of the queue. A sweep waiting for a free
    process then gets one before it goes stale.
    """
    outcomes: list[str] = []
    _stop.clear()
    out_of_time = time.monotonic() + chunk_seconds()
    try:
        # One query reads the chunk, and tells a duplicate or reclaimed message at once.
        ours = loaded_for_send(reminder_ids=reminder_ids, token=token)
    except DatabaseError as error:
        _database_unreachable(error, len(reminder_ids))
        return outcomes
    for position, reminder_id in enumerate(reminder_ids):
        if _stop.is_set():
            _give_back(token, reminder_ids[position:], outcomes)
            break
        if reminder_id not in ours:
            outcomes.append(SendOutcome.STALE)
            continue
        if outcomes and time.monotonic() > out_of_time:
            _requeue(token, reminder_ids[position:], outcomes)
            break
        try:
            outcomes.append(
                reminder_send(reminder_id=reminder_id, token=token, loaded=ours[reminder_id])
            )
        except DatabaseError as error:
            _database_unreachable(error, len(reminder_ids) - position)
            break
        except Exception:
            logger.exception("Sending reminder %s failed; the sweeps will reclaim it.", reminder_id)
            outcomes.append(SendOutcome.ERROR)
        else:
            _database_down.clear()
    stale = [rid for rid, o in zip(reminder_ids, outcomes, strict=False) if o == SendOutcome.STALE]
    if stale:
        logger.warning(
            "Skipped %s stale sends (claim no longer current: a duplicate or reclaimed "
            "message): reminders %s.",
            len(stale),
            ", ".join(map(str, stale)),
        )
    return outcomes


def chunk_seconds() -> float:
    """How long one send task keeps starting reminders: half a sweep interval."""
    return settings.AJAR_SWEEP_INTERVAL / 2


def _requeue(token: str | uuid.UUID, reminder_ids: list[int], outcomes: list[str]) -> None:
    # Still claimed and unstarted: the same claim, published again (or, with
    # the broker down, released for the next sweep by enqueue_sends).
    enqueue_sends(Claim(token=uuid.UUID(str(token)), reminder_ids=reminder_ids))
    outcomes.extend([SendOutcome.REQUEUED] * len(reminder_ids))
    logger.info(
        "A chunk ran past %g s (a slow SMTP server): published its last %s reminders again.",
        chunk_seconds(),
        len(reminder_ids),
    )


def _give_back(token: str | uuid.UUID, reminder_ids: list[int], outcomes: list[str]) -> None:
    released = release_claim(token=token, reminder_ids=reminder_ids)
    outcomes.extend([SendOutcome.RELEASED] * len(reminder_ids))
    logger.warning("Worker stopping: gave back %s claimed reminders unattempted.", released)


def _database_unreachable(error: DatabaseError, left: int) -> None:
    _close_connection()
    if _database_down.is_set():
        return
    _database_down.set()
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
    logger.warning(
        "Database unreachable (%s: %s); %s reminders of this chunk left to the sweep.",
        type(error).__name__,
        first_line,
        left,
    )


def _release(reminder: Reminder) -> None:
    reminder.status = ReminderStatus.SCHEDULED
    reminder.claim_token = None
    reminder.claimed_at = None
    reminder.lease_expires_at = None
    reminder.attempt_started_at = None
    reminder.save(
        update_fields=[
            "status",
            "claim_token",
            "claimed_at",
            "lease_expires_at",
            "attempt_started_at",
            "updated_at",
        ]
    )


def _current_due_at(reminder: Reminder) -> datetime.datetime:
    """The due time by the user's settings as they are now: a send time or
    zone change skips a row being sent, so its retry catches up here."""
    send_time = (
        ReminderSettings.objects.filter(user_id=reminder.user_id)
        .values_list("send_time", flat=True)
        .first()
    )
    reminder.user.refresh_from_db(fields=["time_zone"])
    if send_time is None:
        return reminder.due_at
    return due_at_for(reminder.due_date, send_time, reminder.user.zone)


def _record_failure(reminder: Reminder, error: Exception) -> str:
    now = timezone.now()
    possibly = isinstance(error, mailer.PossiblyDelivered)
    reminder.attempts += 1
    reminder.last_error = _describe(error)[:2000]
    reminder.claim_token = None
    reminder.claimed_at = None
    reminder.lease_expires_at = None
    fields = ["status", "attempts", "last_error", "next_attempt_at", "claim_token"]
    fields += ["claimed_at", "lease_expires_at", "updated_at"]
    if possibly:
        reminder.possibly_delivered_at = now
        fields.append("possibly_delivered_at")
    if _is_permanent(error) or reminder.attempts >= settings.AJAR_MAX_ATTEMPTS:
        reminder.status = ReminderStatus.FAILED
        outcome = SendOutcome.FAILED
        logger.error("Reminder %s failed for good: %s", reminder.pk, reminder.last_error)
    else:
        reminder.status = ReminderStatus.SCHEDULED
        due_at = _current_due_at(reminder)
        if due_at != reminder.due_at:
            reminder.due_at = due_at
            fields.append("due_at")
        retry_at = now + backoff_delay(reminder.attempts, possibly_delivered=possibly)
        reminder.next_attempt_at = max(retry_at, due_at)
        outcome = SendOutcome.POSSIBLY_DELIVERED if possibly else SendOutcome.RETRY
        logger.warning(
            "Reminder %s: attempt %s failed (%s); backing off until %s.",
            reminder.pk,
            reminder.attempts,
            reminder.last_error,
            reminder.next_attempt_at.isoformat(timespec="seconds"),
        )
    reminder.save(update_fields=fields)
    return outcome
